"""--max-size: every format held under its cap by a lower quality, then fewer frames;
a GIF held under 10 MB by default; impossible caps and bad sizes refused in one line."""

import imageio_ffmpeg
import numpy as np
import pytest
from PIL import Image
from typer.testing import CliRunner

from animlearn import encoders
from animlearn.cli import app
from animlearn.config.values import parse_size
from animlearn.encoders import gif
from animlearn.errors import AnimlearnError

runner = CliRunner()
COUNT, FPS, HOLD = 24, 12, 1  # 2 s of frames, then 1 s on the last
BAR = 4  # px: frame k has a white bar at columns 4k to 4k + 3
FORMATS = [".gif", ".mp4", ".webp"]


def cli(*args):
    return runner.invoke(app, [str(a) for a in args])


def barred(count=COUNT, w=BAR * COUNT, h=64):
    """Noise, costly in every format, with a white bar that says which frame it is."""
    rng = np.random.default_rng(0)
    frames = []
    for k in range(count):
        frame = rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
        frame[:, BAR * k : BAR * (k + 1)] = 255
        frames.append(frame)
    return frames


def folder_of(frames, tmp_path):
    folder = tmp_path / "frames"
    folder.mkdir()
    for k, frame in enumerate(frames):
        Image.fromarray(frame).save(folder / f"f{k:03d}.png")
    return folder


def size_of(frames, suffix, tmp_path, quality, fps=FPS):
    """Bytes of `frames` written uncapped."""
    path = tmp_path / f"probe{suffix}"
    encoders.write(frames, path, encoders.Options(fps=fps, hold=HOLD, quality=quality, max_size=10**12))
    return path.stat().st_size


def decoded(path):
    """Which frame each shown picture is (its bar), and how long the animation lasts, s."""
    if path.suffix == ".mp4":
        reader = imageio_ffmpeg.read_frames(str(path))
        meta = next(reader)
        w, h = meta["size"]
        pictures = [np.frombuffer(f, np.uint8).reshape(h, w, 3) for f in reader]
        seconds = len(pictures) / meta["fps"]
    else:
        pictures, seconds = [], 0.0
        with Image.open(path) as im:
            for k in range(im.n_frames):
                im.seek(k)
                pictures.append(np.asarray(im.convert("RGB")))
                seconds += im.info["duration"] / 1000
    shown = [
        int(np.argmax(p[:, : BAR * COUNT].mean(axis=(0, 2)).reshape(-1, BAR).mean(axis=1))) for p in pictures
    ]
    return [k for j, k in enumerate(shown) if j == 0 or k != shown[j - 1]], seconds  # the MP4's hold: one


def encode(folder, out, *extra):
    return cli("encode", folder, "-o", out, "--fps", FPS, "--hold", HOLD, *extra)


@pytest.mark.parametrize("suffix", FORMATS)
def test_a_lower_quality_holds_the_output_under_max_size(tmp_path, suffix):
    frames = barred()
    lowest, asked = size_of(frames, suffix, tmp_path, 0), size_of(frames, suffix, tmp_path, 80)
    cap = round((lowest * asked) ** 0.5)  # the lowest quality fits with every frame
    out = tmp_path / f"out{suffix}"
    result = encode(folder_of(frames, tmp_path), out, "--max-size", cap)
    assert result.exit_code == 0, result.output
    assert out.stat().st_size <= cap
    note = result.stderr.strip()
    assert note.startswith(f"animlearn: note: {out}: ") and " at quality 80 is over " in note, note
    assert "; wrote " in note and "frame" not in note, "the quality alone was enough"
    shown, seconds = decoded(out)
    assert shown == list(range(COUNT))
    assert seconds == pytest.approx(COUNT / FPS + HOLD, abs=0.02)


@pytest.mark.parametrize("suffix", FORMATS)
def test_frames_are_thinned_evenly_when_the_lowest_quality_is_not_enough(tmp_path, suffix):
    frames = barred()
    smallest = size_of([frames[0], frames[-1]], suffix, tmp_path, 0, fps=FPS * 2 / COUNT)
    lowest = size_of(frames, suffix, tmp_path, 0)
    cap = round((smallest * lowest) ** 0.5)
    out = tmp_path / f"out{suffix}"
    result = encode(folder_of(frames, tmp_path), out, "--max-size", cap)
    assert result.exit_code == 0, result.output
    assert out.stat().st_size <= cap
    shown, seconds = decoded(out)
    assert shown[0] == 0 and shown[-1] == COUNT - 1 and 2 <= len(shown) < COUNT, shown
    gaps = np.diff(shown)
    assert gaps.max() - gaps.min() <= 1, f"evenly spread: {shown}"
    assert f"frame ({len(shown)} of {COUNT})" in result.stderr and " and every " in result.stderr
    last = 1 / (FPS * len(shown) / COUNT)  # the rate is lowered so the animation keeps its length
    assert seconds == pytest.approx(COUNT / FPS + HOLD, abs=last / 2 if suffix == ".mp4" else 0.02)


@pytest.mark.parametrize("suffix", FORMATS)
def test_an_impossible_size_is_one_line_exit_2_and_nothing_written(tmp_path, suffix):
    out = tmp_path / f"out{suffix}"
    result = encode(folder_of(barred(), tmp_path), out, "--max-size", "100B")
    assert result.exit_code == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert f"{out}: cannot be held under 100 B: even its first and last frames at quality 0" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["frames"], "no output, no temporary file"


def test_when_one_output_cannot_fit_none_is_written(tmp_path):
    frames = barred()
    sizes = {
        s: size_of([frames[0], frames[-1]], s, tmp_path, 0, fps=FPS * 2 / COUNT) for s in (".gif", ".mp4")
    }
    (small, _), (large, _) = sorted(sizes.items(), key=lambda kv: kv[1])
    cap = (sizes[small] + sizes[large]) // 2
    outputs = [tmp_path / f"out{small}", tmp_path / f"out{large}"]  # the one that fits first
    result = encode(folder_of(frames, tmp_path), outputs[0], "-o", outputs[1], "--max-size", cap)
    assert result.exit_code == 2 and f"{outputs[1]}: cannot be held under" in result.stderr
    assert not any(p.exists() for p in outputs)


def test_a_gif_is_held_under_the_default_cap_and_an_mp4_is_not(tmp_path, monkeypatch):
    frames = barred()
    cap = size_of(frames, ".gif", tmp_path, 80) * 2 // 3
    monkeypatch.setattr(gif, "DEFAULT_MAX_SIZE", cap)
    folder = folder_of(frames, tmp_path)
    result = encode(folder, tmp_path / "out.gif", "-o", tmp_path / "out.mp4")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "out.gif").stat().st_size <= cap
    assert "out.gif: " in result.stderr and "out.mp4" not in result.stderr
    assert (tmp_path / "out.mp4").stat().st_size == size_of(frames, ".mp4", tmp_path, 80)


def test_under_the_cap_the_output_is_the_same_bytes(tmp_path):
    frames = barred()
    free, capped = tmp_path / "free.gif", tmp_path / "capped.gif"
    gif.write(frames, free, encoders.Options())
    notes = []
    encoders.write(frames, capped, encoders.Options(max_size=free.stat().st_size), on_note=notes.append)
    assert capped.read_bytes() == free.read_bytes() and notes == []


def test_render_notes_what_it_gave_up(picture, tmp_path):
    quick = ["--size", "24", "--epochs", "3", "--hidden", "16,16"]
    out = tmp_path / "out.webp"
    assert cli("render", picture, "-o", out, *quick).exit_code == 0
    cap = out.stat().st_size * 3 // 4
    result = cli("render", picture, "-o", out, *quick, "--max-size", cap)
    assert result.exit_code == 0, result.output
    assert out.stat().st_size <= cap and f"animlearn: note: {out}: " in result.stderr


@pytest.mark.parametrize("command", ["render", "encode"])
def test_a_bad_size_is_one_line_exit_2(picture, tmp_path, command):
    result = cli(command, picture, "-o", tmp_path / "out.gif", "--max-size", "ten MB")
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        "animlearn: error: --max-size 'ten MB': give a size such as 10MB, 500kB or 2.5MB"
    )
    assert not (tmp_path / "out.gif").exists()


def test_sizes_are_read_in_decimal_units():
    assert [parse_size(t) for t in ("10MB", "500kB", "2.5MB", "1 gb", "750", ".5M")] == [
        10_000_000,
        500_000,
        2_500_000,
        10**9,
        750,
        500_000,
    ]
    assert parse_size(1234) == 1234
    for bad in ("0", "1MiB", "-1MB", "1e6", ""):
        with pytest.raises(AnimlearnError, match="--max-size"):
            parse_size(bad)
