"""Every format written and read back: frame count, size, timing, loop, codec."""

import errno

import imageio_ffmpeg
import numpy as np
import pytest
from conftest import smooth_picture
from PIL import Image

from animlearn import encoders
from animlearn.encoders import pngs
from animlearn.errors import AnimlearnError
from animlearn.frames import psnr


def moving_frames(n=12, w=41, h=31):
    """Frames that fade from grey into a picture, as a network's paintings do."""
    picture = smooth_picture(w, h).astype(np.float64)
    return [(128 + (picture - 128) * k / (n - 1)).round().astype(np.uint8) for k in range(n)]


def test_gif_loops_forever_with_the_fps_duration_and_a_faithful_palette(tmp_path):
    frames = moving_frames()
    path = tmp_path / "out.gif"
    encoders.write(frames, path, encoders.Options(fps=20))
    with Image.open(path) as im:
        assert im.n_frames == len(frames)
        assert im.size == (41, 31)
        assert im.info["loop"] == 0
        assert im.info["duration"] == 50
        decoded = []
        for k in range(im.n_frames):
            im.seek(k)
            decoded.append(np.asarray(im.convert("RGB")))
    scores = [psnr(a, b) for a, b in zip(decoded, frames)]
    assert np.median(scores) > 30 and min(scores) > 26
    assert [p.name for p in tmp_path.iterdir()] == ["out.gif"], "no temporary file left"
    assert path.stat().st_mode & 0o644 == 0o644, "readable by others, like any new file"


def mp4_info(path):
    reader = imageio_ffmpeg.read_frames(str(path))
    meta = next(reader)
    frames = [np.frombuffer(f, np.uint8).reshape(meta["size"][1], meta["size"][0], 3) for f in reader]
    return meta, frames


def test_mp4_is_h264_yuv420p_padded_to_even_and_faststart(tmp_path):
    frames = moving_frames(n=10, w=121, h=91)
    path = tmp_path / "out.mp4"
    encoders.write(frames, path, encoders.Options(fps=25))
    meta, decoded = mp4_info(path)
    assert "h264" in meta["codec"]
    assert meta["pix_fmt"].startswith("yuv420p")
    assert meta["size"] == (122, 92)  # padded, not rescaled
    assert meta["fps"] == 25
    assert len(decoded) == 10
    assert psnr(decoded[-1][:91, :121], frames[-1]) > 35
    data = path.read_bytes()
    assert data.index(b"moov") < data.index(b"mdat"), "+faststart puts the index first"


def test_unknown_extension_is_refused(tmp_path):
    with pytest.raises(AnimlearnError, match=r"unknown output format '\.avi'.*\.gif"):
        encoders.check(tmp_path / "out.avi")


def test_png_frames_sort_in_time_order(tmp_path):
    frames = moving_frames(n=12)
    pngs.write(frames, tmp_path / "f")
    names = sorted(p.name for p in (tmp_path / "f").iterdir())
    assert len(names) == 12 and names[0] == "frame_00001.png"
    for name, frame in zip(names, frames):
        assert np.array_equal(np.asarray(Image.open(tmp_path / "f" / name)), frame)


def test_a_failed_write_keeps_the_old_file_and_leaves_no_temporary(tmp_path):
    path = tmp_path / "out.gif"
    path.write_bytes(b"old")
    with pytest.raises(IndexError):
        encoders.write([], path, encoders.Options())
    assert path.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.gif"]


def test_a_full_disk_gives_a_clear_error_and_no_partial_file(tmp_path, monkeypatch):
    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(Image.Image, "save", full)
    with pytest.raises(AnimlearnError, match="out.gif: could not write .No space left on device."):
        encoders.write(moving_frames(), tmp_path / "out.gif", encoders.Options())
    assert list(tmp_path.iterdir()) == []
