"""`animlearn encode` from frames made elsewhere: pictures, folders, GIF/MP4/WebP animations."""

import numpy as np
import pytest
from conftest import gif_frames, smooth_picture
from PIL import Image
from typer.testing import CliRunner

from animlearn import encoders
from animlearn.canvas.metrics import psnr
from animlearn.cli import app
from animlearn.io.frames import read_frames

runner = CliRunner()


def cli(*args):
    return runner.invoke(app, [str(a) for a in args])


def moving(n, w=96, h=64):
    """A picture sliding 8 px a frame: neighbours are far apart (14 dB), so a frame out of
    place shows. Even sizes, as MP4 pads odd ones."""
    picture = smooth_picture(w, h)
    return [np.roll(picture, 8 * k, axis=1) for k in range(n)]


BEST = encoders.Options(quality=100)


def test_a_gif_we_wrote_re_encodes_to_mp4_and_back(tmp_path):
    gif, mp4, back = tmp_path / "a.gif", tmp_path / "a.mp4", tmp_path / "back.gif"
    encoders.write(moving(10), gif, BEST)
    there = cli("encode", gif, "-o", mp4, "--hold", "0", "--quality", "100")
    assert there.exit_code == 0, there.output
    again = cli("encode", mp4, "-o", back, "--hold", "0", "--quality", "100")
    assert again.exit_code == 0, again.output
    assert "(10 frames" in there.stdout and "(10 frames" in again.stdout
    shown, decoded = gif_frames(gif), gif_frames(back)
    assert len(decoded) == 10 and decoded[0].shape == (64, 96, 3)
    scores = [psnr(a, b) for a, b in zip(decoded, shown)]
    assert min(scores) > 32, scores  # the GIF palette itself is 35 dB from the frames


def test_an_mp4_gives_its_frames_and_the_copies_its_hold_is_made_of(tmp_path):
    frames = moving(10)
    mp4 = tmp_path / "a.mp4"
    encoders.write(frames, mp4, encoders.Options(fps=25, hold=0.4, quality=100))
    got = list(read_frames(mp4))
    assert len(got) == 10 + 10, "0.4 s of hold at 25 fps are frames of the file"
    assert got[0].dtype == np.uint8 and got[0].shape == (64, 96, 3)
    assert min(psnr(a, b) for a, b in zip(got, frames)) > 35
    assert min(psnr(a, frames[-1]) for a in got[10:]) > 35


def test_a_webp_gives_its_frames(tmp_path):
    frames = moving(8)
    webp = tmp_path / "a.webp"
    encoders.write(frames, webp, BEST)
    got = list(read_frames(webp))
    assert len(got) == 8 and got[0].shape == (64, 96, 3)
    assert min(psnr(a, b) for a, b in zip(got, frames)) > 30  # lossy WebP: 32 dB here


def test_a_transparent_gif_comes_out_as_whole_frames_over_white(tmp_path):
    """A GIF from elsewhere: a transparent half, then a frame that only adds a square."""
    first = np.zeros((20, 30, 4), np.uint8)
    first[:, 15:] = (200, 30, 30, 255)  # the left half stays transparent
    second = first.copy()
    second[5:10, 18:24] = (30, 30, 200, 255)
    path = tmp_path / "other.gif"
    pictures = [Image.fromarray(f) for f in (first, second)]
    pictures[0].save(path, save_all=True, append_images=pictures[1:], disposal=1, loop=0)
    got = list(read_frames(path))
    assert len(got) == 2 and got[1].shape == (20, 30, 3)
    for frame, want in zip(got, (first, second)):
        assert (frame[:, :15] == 255).all(), "transparent areas are white"
        assert np.array_equal(frame[:, 15:], want[:, 15:, :3]), "the rest as drawn, the square on the first"


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("x.gif", b"not a gif", "x.gif: not a readable GIF animation"),
        ("x.mp4", b"\0" * 64, "x.mp4: not a readable MP4 animation"),
        ("x.webp", b"RIFF", "x.webp: not a readable WebP animation"),
        ("x.avi", b"RIFF", "x.avi: not a picture or an animation animlearn reads"),
        ("cut.gif", None, "cut.gif: cannot be read after"),  # one of ours, its end cut off
    ],
)
def test_a_bad_or_unknown_file_exits_2_with_one_line_and_writes_nothing(tmp_path, name, content, message):
    source = tmp_path / name
    if content is None:
        encoders.write(moving(6), source, encoders.Options())
        content = source.read_bytes()[:-300]
    source.write_bytes(content)
    result = cli("encode", source, "-o", tmp_path / "out.gif", "-o", tmp_path / "out.mp4")
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == [name]


def test_animations_and_pictures_of_different_sizes_are_refused_before_writing(tmp_path):
    encoders.write(moving(4), tmp_path / "a.gif", encoders.Options())
    encoders.write(moving(4, w=40, h=30), tmp_path / "b.mp4", encoders.Options())
    Image.fromarray(moving(1)[0]).save(tmp_path / "c.png")
    before = sorted(p.name for p in tmp_path.iterdir())
    sources = [tmp_path / name for name in ("c.png", "b.mp4", "a.gif")]
    result = cli("encode", *sources, "-o", tmp_path / "out.webp")
    assert result.exit_code == 2
    assert "b.mp4: 40x30 px, but a.gif is 96x64; give frames of one size" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == before


def test_animations_are_joined_in_natural_name_order(tmp_path):
    """part_2.gif before part_10.gif, whatever order the shell gives them in."""
    frames = moving(6)
    encoders.write(frames[3:], tmp_path / "part_10.gif", BEST)
    encoders.write(frames[:3], tmp_path / "part_2.gif", BEST)
    out = tmp_path / "all.gif"
    result = cli("encode", tmp_path / "part_10.gif", tmp_path / "part_2.gif", "-o", out, "--quality", "100")
    assert result.exit_code == 0, result.output
    decoded = gif_frames(out)
    assert len(decoded) == 6
    assert [psnr(a, b) > 30 for a, b in zip(decoded, frames)] == [True] * 6
