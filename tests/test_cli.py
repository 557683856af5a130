"""The command line and the Python API, end to end on small pictures."""

import re
import subprocess
import sys
from dataclasses import fields

import imageio_ffmpeg
import numpy as np
import pytest
from conftest import smooth_picture
from PIL import Image
from typer.testing import CliRunner

import animlearn
from animlearn.canvas.metrics import psnr
from animlearn.cli import app
from animlearn.config.settings import Settings
from animlearn.errors import AnimlearnError

runner = CliRunner()
QUICK = ["--size", "24", "--epochs", "3", "--hidden", "16,16"]


def cli(*args):
    return runner.invoke(app, [str(a) for a in args])


def test_version():
    result = cli("--version")
    assert result.exit_code == 0 and result.stdout.strip() == f"animlearn {animlearn.__version__}"


def test_render_writes_a_gif_with_one_frame_per_epoch(picture, tmp_path):
    out = tmp_path / "out.gif"
    result = cli("render", picture, "-o", out, *QUICK)
    assert result.exit_code == 0, result.output
    assert "wrote" in result.stdout
    with Image.open(out) as im:
        assert im.n_frames == 3
        assert max(im.size) >= 256


def test_shallow_and_target_panels_and_several_outputs(picture, tmp_path):
    gif, mp4, webp, pngs = tmp_path / "out.gif", tmp_path / "out.mp4", tmp_path / "out.webp", tmp_path / "f"
    result = cli(
        "render",
        picture,
        "-o",
        gif,
        "-o",
        mp4,
        "-o",
        webp,
        *QUICK,
        "--shallow",
        "--target",
        "--no-caption",
        "--frames",
        pngs,
    )
    assert result.exit_code == 0, result.output
    # 24 x 18 px training size, enlarged 11x to 264 x 198; three panels, two gaps.
    size = (3 * 264 + 2 * 6, 198)
    with Image.open(gif) as im:
        assert im.size == size and im.n_frames == 3
    assert imageio_ffmpeg.read_frames(str(mp4)).__next__()["size"] == size
    with Image.open(webp) as im:
        assert im.size == size and im.n_frames == 3
    last = np.asarray(Image.open(pngs / "frame_00003.png"))
    target = Image.fromarray(smooth_picture(40, 30)).resize((24, 18), Image.Resampling.LANCZOS)
    shown = np.asarray(target.resize((264, 198), Image.Resampling.BICUBIC))
    assert np.array_equal(last[:, -264:], shown), "the right panel is the target"
    assert not np.array_equal(last[:, :264], last[:, 270:534]), "shallow and deep panels differ"


def test_frames_folder_holds_one_png_per_epoch(picture, tmp_path):
    result = cli("render", picture, "-o", tmp_path / "out.gif", *QUICK, "--frames", tmp_path / "f")
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (tmp_path / "f").iterdir()) == [f"frame_0000{k}.png" for k in (1, 2, 3)]


@pytest.mark.parametrize(
    "args, message",
    [
        (["-o", "{tmp}/out.avi"], "unknown output format '.avi'"),
        (["-o", "{tmp}/missing/out.gif"], "does not exist"),
        (["-o", "{tmp}/out.gif", "--epochs", "0"], "--epochs 0"),
        (["-o", "{tmp}/out.gif", "--epochs", "99999999999999999999"], "at most 1,000,000"),
        (["-o", "{tmp}/out.gif", "--seed", "-1"], "--seed -1"),
        (["-o", "{tmp}/out.gif", "--fps", "0.001"], "--fps 0.001"),
        (["-o", "{tmp}/out.gif", "--lr", "nan"], "--lr nan"),
        (["-o", "{tmp}/out.gif", "--hidden", "300,,300"], "--hidden '300,,300'"),
        (["-o", "{tmp}/out.gif", "--hidden", "abc"], "--hidden 'abc'"),
        (["-o", "{tmp}/out.gif", "--lr-scale", "sqrt"], "--lr-scale 'sqrt'"),
        (["-o", "{tmp}/out.gif", "--preset", "fast"], "--preset 'fast'"),
        (["-o", "{tmp}/out.gif", "--fps", "60"], "too fast for .gif"),
        (["-o", "{tmp}/out.gif", "--hold", "-1"], "--hold -1"),
        (["-o", "{tmp}/out.webp", "--quality", "101"], "--quality 101"),
        (["-o", "{tmp}/out.gif", "--schedule", "exp"], "--schedule 'exp'"),
        (["-o", "{tmp}/out.gif", "--every", "0"], "--every 0"),
        (["-o", "{tmp}/out.gif", "--frames-per-epoch", "0"], "--frames-per-epoch 0"),
        (["-o", "{tmp}/out.gif", "--checkpoint", "{tmp}/picture.png"], "is also the picture"),
        (["-o", "{tmp}/picture.png/out.gif"], "picture.png is a file, not a folder"),
        (["-o", "{tmp}/out.gif", "--resume", "{tmp}"], "is a folder; give the file written by --checkpoint"),
        (["-o", "{tmp}/out.gif", "--shallow-width", "10"], "add --shallow or leave it out"),
        (["-o", "{tmp}/out.gif", "--checkpoint", "{tmp}/out.gif"], "--checkpoint"),
        (["-o", "{tmp}/out.gif", "--frames", "{tmp}/out.gif"], "--frames"),
    ],
)
def test_bad_options_exit_2_with_one_line_and_no_output(picture, tmp_path, args, message):
    result = cli("render", picture, *[a.format(tmp=tmp_path) for a in args])
    assert result.exit_code == 2
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["picture.png"]


def test_frames_that_would_replace_the_picture_are_refused(tmp_path):
    frame = tmp_path / "frame_00001.png"
    Image.fromarray(smooth_picture(20, 20)).save(frame)
    before = frame.read_bytes()
    result = cli("render", frame, "-o", tmp_path / "out.gif", "--frames", tmp_path, *QUICK)
    assert result.exit_code == 2 and "a frame would replace" in result.stderr
    assert frame.read_bytes() == before and not (tmp_path / "out.gif").exists()


def test_missing_picture_exits_2(tmp_path):
    result = cli("render", tmp_path / "nope.jpg", "-o", tmp_path / "out.gif")
    assert result.exit_code == 2
    assert "nope.jpg: no such file" in result.stderr
    assert not (tmp_path / "out.gif").exists()


def test_output_equal_to_input_is_refused(tmp_path):
    gif = tmp_path / "in.gif"
    Image.fromarray(smooth_picture(20, 20)).save(gif)
    before = gif.read_bytes()
    result = cli("render", gif, "-o", gif, *QUICK)
    assert result.exit_code == 2 and "is the input picture" in result.stderr
    assert gif.read_bytes() == before


def test_python_api_learns_the_picture(picture, tmp_path):
    result = animlearn.render(
        picture,
        tmp_path / "out.gif",
        epochs=25,
        size=24,
        hidden=(32, 32),
        lr=0.1,
        seed=0,
        shallow=True,
        target=True,
    )
    assert result.frames == 25 and result.epochs == 25
    assert result.names == ["1 × 208", "2 × 32"]
    target = np.asarray(Image.open(picture).resize((24, 18), Image.Resampling.LANCZOS))
    mean_colour = psnr(
        np.broadcast_to(target.mean(axis=(0, 1)).round().astype(np.uint8), target.shape), target
    )
    assert all(p > mean_colour + 5 for p in result.psnrs), (result.psnrs, mean_colour)


def test_hidden_given_beside_a_preset_replaces_its_networks(picture, tmp_path):
    result = animlearn.render(picture, tmp_path / "x.gif", preset="instant", hidden=(16,), epochs=1, size=24)
    assert result.names == ["1 × 16"]  # not the preset's grid net


def test_deep_panel_does_not_depend_on_shallow(picture, tmp_path):
    a = animlearn.render(picture, tmp_path / "a.gif", epochs=2, size=24, hidden=(16,))
    b = animlearn.render(picture, tmp_path / "b.gif", epochs=2, size=24, hidden=(16,), shallow=True)
    assert a.psnrs[0] == b.psnrs[1]


def test_divergence_exits_1_names_the_network_and_keeps_the_frames(picture, tmp_path):
    out = tmp_path / "out.gif"
    # lr 1.4 held constant: 16 seeds of 16 diverged, between epochs 4 and 87 (AMD EPYC, Zen 3)
    args = ["--size", "24", "--hidden", "16,16", "--epochs", "300", "--lr", "1.4", "--lr-scale", "none"]
    args += ["--halflife", "0"]
    result = cli("render", picture, "-o", out, *args)
    assert result.exit_code == 1
    assert "2 × 16 network diverged" in result.stderr and "lower --lr" in result.stderr
    assert "Traceback" not in result.output
    frames = int(re.search(r"wrote (\d+) frames", result.stderr).group(1))  # diverges after some epochs
    with Image.open(out) as im:
        assert im.n_frames == frames >= 1


def test_same_seed_gives_byte_identical_files(picture, tmp_path):
    def run(name, seed):
        outs = [tmp_path / f"{name}.gif", tmp_path / f"{name}.mp4", tmp_path / f"{name}.webp"]
        animlearn.render(picture, outs, epochs=3, size=24, hidden=(16, 16), seed=seed, shallow=True)
        return [p.read_bytes() for p in outs]

    assert run("a", 1) == run("b", 1)
    assert run("c", 2)[0] != run("a", 1)[0]


def test_notes_about_the_picture_reach_stderr(tmp_path):
    path = tmp_path / "anim.gif"
    frames = [Image.fromarray(smooth_picture(20, 16)), Image.new("RGB", (20, 16), (0, 0, 255))]
    frames[0].save(path, save_all=True, append_images=frames[1:])
    result = cli("render", path, "-o", tmp_path / "out.gif", *QUICK)
    assert result.exit_code == 0, result.output
    assert "animlearn: note: anim.gif has 2 frames; using the first" in result.stderr


@pytest.mark.parametrize(
    "args, message",
    [
        (["render"], "Missing argument"),
        (["render", "x.png", "-o", "y.gif", "--epochs", "abc"], "Invalid value for '--epochs'"),
        (["render", "x.png", "-o", "y.gif", "--bogus"], "No such option: --bogus"),
        (["render", "x.png", "-o", "/proc/animlearn-test.gif"], "cannot write in /proc"),
    ],
)
def test_the_installed_command_gives_one_line_usage_errors(args, message):
    result = subprocess.run([sys.executable, "-m", "animlearn", *args], capture_output=True, text=True)
    assert result.returncode == 2
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_schedule_options_reach_the_animation(picture, tmp_path):
    out = tmp_path / "out.webp"
    result = cli(
        "render", picture, "-o", out, *QUICK, "--frames-per-epoch", "4", "--schedule", "log", "--every", "2"
    )
    assert result.exit_code == 0, result.output
    with Image.open(out) as im:
        assert im.n_frames == 6  # 12 steps, one in two, placed geometrically


def numbered_frames(folder, count=12, size=(40, 30)):
    """learned_1.png ... learned_<count>.png, frame k a flat grey of 20 * k."""
    folder.mkdir()
    for k in range(1, count + 1):
        Image.fromarray(np.full((size[1], size[0], 3), 20 * k, np.uint8)).save(folder / f"learned_{k}.png")
    return folder


def test_encode_takes_frames_in_natural_order_into_several_formats(tmp_path):
    folder = numbered_frames(tmp_path / "frames")
    gif, mp4, webp = tmp_path / "a.gif", tmp_path / "a.mp4", tmp_path / "a.webp"
    result = cli("encode", folder, "-o", gif, "-o", mp4, "-o", webp, "--fps", "10", "--hold", "0.5")
    assert result.exit_code == 0, result.output
    assert result.stdout.count("wrote") == 3
    with Image.open(gif) as im:
        greys = []
        for k in range(im.n_frames):
            im.seek(k)
            greys.append(int(np.asarray(im.convert("RGB"))[0, 0, 0]))
        assert im.size == (40, 30) and im.info["loop"] == 0
    assert greys == [20 * k for k in range(1, 13)], "learned_9 before learned_10"
    with Image.open(webp) as im:
        assert im.n_frames == 12
    assert imageio_ffmpeg.read_frames(str(mp4)).__next__()["size"] == (40, 30)


def test_encode_a_list_of_files_is_sorted_naturally_too(tmp_path):
    folder = numbered_frames(tmp_path / "frames", count=11)
    files = sorted(
        folder.iterdir()
    )  # as a shell glob gives them: learned_1, learned_10, learned_11, learned_2
    out = tmp_path / "a.gif"
    assert cli("encode", *files, "-o", out).exit_code == 0
    with Image.open(out) as im:
        im.seek(1)
        assert np.asarray(im.convert("RGB"))[0, 0, 0] == 40


def test_encode_refuses_frames_of_different_sizes_before_writing(tmp_path):
    folder = numbered_frames(tmp_path / "frames", count=3)
    Image.new("RGB", (41, 30)).save(folder / "learned_4.png")
    result = cli("encode", folder, "-o", tmp_path / "a.gif", "-o", tmp_path / "a.mp4")
    assert result.exit_code == 2
    assert "learned_4.png: 41x30 px, but learned_1.png is 40x30" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["frames"]


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda t: (t / "empty").mkdir() or t / "empty", "no .png or .jpg frames"),
        (lambda t: t / "missing", "no such file or folder"),
        (lambda t: (t / "bad.png").write_bytes(b"nope") and t / "bad.png", "not a readable picture"),
    ],
)
def test_encode_bad_frames_exit_2(tmp_path, make, message):
    result = cli("encode", make(tmp_path), "-o", tmp_path / "a.gif")
    assert result.exit_code == 2 and message in result.stderr
    assert not (tmp_path / "a.gif").exists()


def help_text(command: str) -> str:
    """`animlearn COMMAND --help` as a wide terminal shows it, so no default wraps."""
    result = runner.invoke(app, [command, "--help"], env={"COLUMNS": "300", "TERMINAL_WIDTH": "300"})
    assert result.exit_code == 0, result.output
    return result.output


def test_help_shows_each_default_plainly_and_the_presets_only_where_there_is_preset():
    render = help_text("render")
    assert "[default: 90; seed: 500; sharp: 60; instant: 40]" in render
    assert "[default: 0]" in render, "--seed's 0 is a default too"
    sweep, encode = help_text("sweep"), help_text("encode")
    assert "[default: 90]" in sweep and "seed: 500" not in sweep, "sweep has no --preset"
    max_size = next(f for f in fields(Settings) if f.name == "max_size").metadata["shown"]
    assert "[default: 25]" in encode and f"[default: {max_size}]" in encode
    assert all("[default: (" not in text for text in (render, sweep, encode))


def test_encode_and_render_take_their_output_options_from_one_declaration(picture, tmp_path):
    """Defaults, parsing and unknown keywords: encode's are render's."""
    rendered = animlearn.render(picture, tmp_path / "r.gif", size=16, hidden=(8,), epochs=2)
    again = animlearn.encode(rendered.outputs, tmp_path / "e.gif", fps=None, max_size="1MB")
    assert again.frames == rendered.frames == 2
    timing = []
    for path in (tmp_path / "r.gif", tmp_path / "e.gif"):
        with Image.open(path) as im:
            timing.append([(im.seek(k), im.info["duration"])[1] for k in range(im.n_frames)])
    assert timing[0] == timing[1] and timing[0][0] == 40, "25 fps and the same hold, unless told"
    with pytest.raises(TypeError, match="unknown option.*epochs"):
        animlearn.encode(rendered.outputs, tmp_path / "x.gif", epochs=3)
    with pytest.raises(AnimlearnError, match="--max-size 'lots'"):
        animlearn.encode(rendered.outputs, tmp_path / "x.gif", max_size="lots")


def test_a_sweeps_own_options_are_parsed_as_declared(picture, tmp_path):
    """nets='{1,2}x8', one text, is one pattern, as --net gives it; a bad --seeds is then
    refused before anything trains."""
    with pytest.raises(AnimlearnError, match="--seeds 0"):
        animlearn.sweep(picture, tmp_path / "study", nets="{1,2}x8", seeds=0)
    assert not (tmp_path / "study").exists()
