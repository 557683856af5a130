"""Every format written and read back: frame count, size, timing, loop, codec."""

import errno
import io
from collections.abc import Sequence
from types import SimpleNamespace

import imageio_ffmpeg
import numpy as np
import pytest
from conftest import render_on_a_full_disk, smooth_picture
from PIL import Image

from animlearn import encoders
from animlearn.canvas.buffer import FrameBuffer
from animlearn.canvas.metrics import psnr
from animlearn.encoders import gif, mp4, pngs
from animlearn.errors import AnimlearnError


def moving_frames(n=12, w=41, h=31):
    """Frames that fade from grey into a picture, as a network's paintings do."""
    picture = smooth_picture(w, h).astype(np.float64)
    return [(128 + (picture - 128) * k / (n - 1)).round().astype(np.uint8) for k in range(n)]


def read_gif(path):
    """Decoded RGB frames and each frame's duration in ms."""
    frames, durations = [], []
    with Image.open(path) as im:
        for k in range(im.n_frames):
            im.seek(k)
            durations.append(im.info["duration"])
            frames.append(np.asarray(im.convert("RGB")))
    return frames, durations


def test_gif_loops_forever_with_the_fps_duration_a_hold_and_a_faithful_palette(tmp_path):
    frames = moving_frames()
    path = tmp_path / "out.gif"
    encoders.write(frames, path, encoders.Options(fps=20, hold=1.5, quality=100))
    with Image.open(path) as im:
        assert im.n_frames == len(frames)
        assert im.size == (41, 31)
        assert im.info["loop"] == 0
    decoded, durations = read_gif(path)
    assert durations == [50] * 11 + [50 + 1500]
    scores = [psnr(a, b) for a, b in zip(decoded, frames)]
    assert np.mean(scores[1:]) > 32 and min(scores) > 27
    assert [p.name for p in tmp_path.iterdir()] == ["out.gif"], "no temporary file left"
    assert path.stat().st_mode & 0o644 == 0o644, "readable by others, like any new file"


def test_gif_merges_identical_frames_and_keeps_the_time(tmp_path):
    frames = moving_frames(n=6)
    frames = frames[:3] + [frames[2]] * 3 + frames[3:]  # three repeats of frame 2
    path = tmp_path / "out.gif"
    encoders.write(frames, path, encoders.Options(fps=25, hold=0))
    decoded, durations = read_gif(path)
    assert len(decoded) == 6 and durations == [40, 40, 160, 40, 40, 40]
    assert sum(durations) == 40 * len(frames)


def test_gif_delays_follow_the_frame_rate_without_drift():
    delays = gif.delays(300, fps=30, hold=2)
    assert set(delays[:-1]) == {3, 4} and sum(delays) == 1000 + 200
    assert min(gif.delays(10, fps=50, hold=0)) == 2


def test_gif_stores_only_what_changed(tmp_path):
    """A small moving square on a still picture costs a little per frame, not a frame."""
    base = smooth_picture(200, 150)
    frames = []
    for k in range(20):
        frame = base.copy()
        frame[10:20, 10 + 5 * k : 20 + 5 * k] = 0
        frames.append(frame)
    path = tmp_path / "out.gif"
    encoders.write(frames, path, encoders.Options())
    single = tmp_path / "one.gif"
    encoders.write(frames[:1], single, encoders.Options())
    assert path.stat().st_size < single.stat().st_size + 20 * 400


def test_lower_gif_quality_keeps_more_pixels_and_stays_close(tmp_path):
    rng = np.random.default_rng(0)
    base = smooth_picture(80, 60).astype(np.int16)
    frames = [np.clip(base + rng.integers(-2, 3, base.shape), 0, 255).astype(np.uint8) for _ in range(8)]
    sizes, scores = {}, {}
    for q in (100, 50):
        path = tmp_path / f"q{q}.gif"
        encoders.write(frames, path, encoders.Options(quality=q))
        sizes[q] = path.stat().st_size
        scores[q] = np.mean([psnr(a, b) for a, b in zip(read_gif(path)[0], frames)])
    assert sizes[50] < sizes[100]
    assert scores[50] > 30


def test_gif_from_a_spilled_buffer_equals_one_from_memory(tmp_path):
    frames = moving_frames()
    buf = FrameBuffer(limit=2 * frames[0].nbytes)
    for f in frames:
        buf.append(f)
    assert buf.spilled
    encoders.write(buf, tmp_path / "a.gif", encoders.Options())
    encoders.write(frames, tmp_path / "b.gif", encoders.Options())
    assert (tmp_path / "a.gif").read_bytes() == (tmp_path / "b.gif").read_bytes()
    buf.close()


def test_gif_and_webp_refuse_frames_shorter_than_20_ms(tmp_path):
    with pytest.raises(AnimlearnError, match="--fps 60 is too fast for .gif"):
        encoders.check(tmp_path / "out.gif", encoders.Options(fps=60))
    with pytest.raises(AnimlearnError, match="too fast for .webp"):
        encoders.check(tmp_path / "out.webp", encoders.Options(fps=60))
    encoders.check(tmp_path / "out.mp4", encoders.Options(fps=60))


def test_webp_is_animated_lossy_loops_and_holds(tmp_path):
    frames = moving_frames(n=8, w=64, h=48)
    path = tmp_path / "out.webp"
    encoders.write(frames, path, encoders.Options(fps=20, hold=1, quality=90))
    with Image.open(path) as im:
        assert im.n_frames == 8 and im.size == (64, 48) and im.info["loop"] == 0
        durations, decoded = [], []
        for k in range(im.n_frames):
            im.seek(k)
            decoded.append(np.asarray(im.convert("RGB")))
            durations.append(im.info["duration"])
    assert durations == [50] * 7 + [1050]
    assert psnr(decoded[-1], frames[-1]) > 30
    low = tmp_path / "low.webp"
    encoders.write(frames, low, encoders.Options(fps=20, quality=10))
    assert low.stat().st_size < path.stat().st_size


def test_webp_of_odd_sized_frames_shows_every_frame(tmp_path):
    """41 x 31 RGB is an odd number of bytes a frame: each frame still comes back whole."""
    frames = moving_frames(n=6)
    path = tmp_path / "out.webp"
    encoders.write(frames, path, encoders.Options(quality=100))
    with Image.open(path) as im:
        decoded = []
        for k in range(im.n_frames):
            im.seek(k)
            decoded.append(np.asarray(im.convert("RGB")))
    assert len(decoded) == 6 and decoded[0].shape == (31, 41, 3)
    assert min(psnr(a, b) for a, b in zip(decoded, frames)) > 30


def mp4_info(path):
    reader = imageio_ffmpeg.read_frames(str(path))
    meta = next(reader)
    frames = [np.frombuffer(f, np.uint8).reshape(meta["size"][1], meta["size"][0], 3) for f in reader]
    return meta, frames


def test_mp4_is_h264_yuv420p_padded_to_even_and_faststart(tmp_path):
    frames = moving_frames(n=10, w=121, h=91)
    path = tmp_path / "out.mp4"
    encoders.write(frames, path, encoders.Options(fps=25, hold=0.4))
    meta, decoded = mp4_info(path)
    assert "h264" in meta["codec"]
    assert meta["pix_fmt"].startswith("yuv420p")
    assert meta["size"] == (122, 92)  # padded, not rescaled
    assert meta["fps"] == 25
    assert len(decoded) == 10 + 10  # the hold: 0.4 s at 25 fps
    assert psnr(decoded[-1], decoded[9]) > 40
    assert psnr(decoded[-1][:91, :121], frames[-1]) > 35
    data = path.read_bytes()
    assert data.index(b"moov") < data.index(b"mdat"), "+faststart puts the index first"


def test_unknown_extension_is_refused(tmp_path):
    with pytest.raises(AnimlearnError, match=r"unknown output format '\.avi'.*\.gif"):
        encoders.check(tmp_path / "out.avi")


def test_png_frames_sort_in_time_order(tmp_path):
    frames = moving_frames(n=12)
    folder = pngs.Folder(tmp_path / "f", len(frames))
    for frame in frames:
        folder.add(frame)
    names = sorted(p.name for p in (tmp_path / "f").iterdir())
    assert len(names) == 12 and names[0] == "frame_00001.png"
    for name, frame in zip(names, frames):
        assert np.array_equal(np.asarray(Image.open(tmp_path / "f" / name)), frame)


class FailingFrames(Sequence):
    """Frames whose reading fails once the encoder's temporary file exists, as a
    spilled frame buffer on a failing disk would: a write that fails part-way."""

    def __init__(self, frames, folder):
        self.frames, self.folder, self.failed = frames, folder, False

    def __len__(self):
        return len(self.frames)

    def __getitem__(self, index):
        if index >= len(self) // 2 and any(p.name.startswith(".out.") for p in self.folder.iterdir()):
            self.failed = True
            raise OSError(errno.EIO, "Input/output error")
        return self.frames[index]


@pytest.mark.parametrize("suffix", [".gif", ".mp4", ".webp"])
def test_a_write_that_fails_part_way_keeps_the_old_file_and_leaves_no_temporary(tmp_path, suffix):
    path = tmp_path / f"out{suffix}"
    path.write_bytes(b"old")
    frames = FailingFrames(moving_frames(), tmp_path)
    with pytest.raises(AnimlearnError, match=f"out{suffix}: could not write .Input/output error."):
        encoders.write(frames, path, encoders.Options())
    assert frames.failed, "the failure came while the temporary file existed"
    assert path.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == [path.name]


def test_a_full_disk_gives_a_clear_error_and_no_partial_file(tmp_path, monkeypatch):
    class FullDisk(io.BytesIO):
        """A file on a disk that fills up after 1000 bytes."""

        def write(self, data):
            if self.tell() + len(data) > 1000:
                raise OSError(errno.ENOSPC, "No space left on device")
            return super().write(data)

    monkeypatch.setattr(gif, "open", lambda *args, **kwargs: FullDisk(), raising=False)
    with pytest.raises(AnimlearnError, match="out.gif: could not write .No space left on device."):
        encoders.write(moving_frames(), tmp_path / "out.gif", encoders.Options())
    assert list(tmp_path.iterdir()) == []


def test_quality_maps_to_x264_crf():
    assert (mp4.crf(80), mp4.crf(100), mp4.crf(0)) == (21, 14, 51)


def test_a_new_format_is_one_encoder_in_the_registry(tmp_path, monkeypatch):
    """Checks, the fps limit and the atomic write come with the registry line."""
    written = []

    def write(frames, path, options):
        written.append(path.name)
        path.write_bytes(bytes(len(frames)))

    raw = SimpleNamespace(MAX_FPS=10, DEFAULT_MAX_SIZE=None, write=write)
    monkeypatch.setitem(encoders.ENCODERS, ".raw", raw)
    with pytest.raises(AnimlearnError, match=r"--fps 25 is too fast for \.raw.*or write \.mp4"):
        encoders.check(tmp_path / "out.raw", encoders.Options())
    encoders.write(moving_frames(n=3), tmp_path / "out.RAW", encoders.Options(fps=10))
    assert written[0].startswith(".out.") and written[0].endswith(".RAW"), "a temporary name beside it"
    assert [p.name for p in tmp_path.iterdir()] == ["out.RAW"]
    assert (tmp_path / "out.RAW").read_bytes() == bytes(3)


def drifting_frames(n=24, w=160, h=120):
    """A picture whose every pixel drifts a little each frame, in smooth waves, as a small
    network's does."""
    rng = np.random.default_rng(1)
    picture = smooth_picture(w, h).astype(np.float64)
    y, x = np.mgrid[0:h, 0:w] / 20.0
    frames = []
    for _ in range(n):
        a, b, phase = rng.normal(0, 1, 3)
        wave = np.sin(a * x + b * y + phase)[..., None] * rng.normal(0, 4, 3)
        picture = np.clip(picture + wave, 0, 255)
        frames.append(picture.round().astype(np.uint8))
    return frames


def test_lossy_gif_frames_stay_within_the_promised_tolerance(tmp_path):
    """Every decoded pixel is within the largest slack of its nearest palette colour's error."""
    frames = drifting_frames()
    path = tmp_path / "out.gif"
    encoders.write(frames, path, encoders.Options(fps=25, hold=0))
    with Image.open(path) as im:
        colours = np.array(im.getpalette()[: 3 * gif.COLOURS], np.uint8).reshape(-1, 3)
    bound = max(gif.tolerance(encoders.Options().quality))
    merged, durations = read_gif(path)  # frames close enough to the one before are merged
    decoded = [f for f, ms in zip(merged, durations) for _ in range(ms // 40)]
    assert len(decoded) == len(frames)
    for shown, frame in zip(decoded, frames):
        true = frame.astype(np.float64)
        near = np.linalg.norm(colours[gif._nearest(frame, colours)] - true, axis=-1)
        error = np.linalg.norm(shown - true, axis=-1)
        assert (error <= near + bound + 1e-6).all()


def test_lossy_matching_shrinks_a_drifting_gif_at_little_cost(tmp_path, monkeypatch):
    frames = drifting_frames()
    sizes, scores = [], []
    for loose, match in ((1.0, 0.0), (gif.LOOSE, gif.MATCH)):
        monkeypatch.setattr(gif, "LOOSE", loose)
        monkeypatch.setattr(gif, "MATCH", match)
        path = tmp_path / f"{match}.gif"
        encoders.write(frames, path, encoders.Options(fps=25, hold=0))
        merged, durations = read_gif(path)
        decoded = [f for f, ms in zip(merged, durations) for _ in range(ms // 40)]
        sizes.append(path.stat().st_size)
        scores.append(np.mean([psnr(a, b) for a, b in zip(decoded, frames)]))
    assert sizes[1] < 0.95 * sizes[0]
    assert scores[1] > scores[0] - 1


def test_lossy_gif_decodes_alike_in_pillow_imageio_and_ffmpeg(tmp_path):
    """Noise makes long streams: 12-bit codes and dictionary resets within a frame."""
    import imageio.v3 as iio

    rng = np.random.default_rng(2)
    frames = [rng.integers(0, 256, (150, 200, 3), dtype=np.uint8)]
    frames += [np.clip(frames[0] + rng.integers(-20, 21, frames[0].shape), 0, 255).astype(np.uint8)]
    path = tmp_path / "out.gif"
    encoders.write(frames, path, encoders.Options(fps=10, hold=0))
    pillow, _ = read_gif(path)
    assert np.mean([psnr(a, b) for a, b in zip(pillow, frames)]) > 20
    stack = iio.imread(path, index=None)
    assert np.array_equal(stack[..., :3], np.stack(pillow))
    reader = imageio_ffmpeg.read_frames(str(path), pix_fmt="rgb24")
    meta = next(reader)
    ffmpeg = [np.frombuffer(f, np.uint8).reshape(*meta["size"][::-1], 3) for f in reader]
    assert np.array_equal(ffmpeg[0], pillow[0]) and np.array_equal(ffmpeg[-1], pillow[-1])


def test_a_hold_past_16_bits_of_centiseconds_goes_on_in_an_invisible_frame(tmp_path):
    frames = moving_frames(n=2)
    path = tmp_path / "out.gif"
    encoders.write(frames, path, encoders.Options(fps=25, hold=1000, quality=100))
    decoded, durations = read_gif(path)
    assert durations == [40, 655_350, 40 + 1_000_000 - 655_350]
    assert np.array_equal(decoded[2], decoded[1]) and psnr(decoded[1], frames[1]) > 30


def test_an_mp4_ffmpeg_cannot_finish_is_an_error_not_a_broken_file(picture, tmp_path):
    """ffmpeg cannot write the index, which it writes last (3,000 bytes hold the frames), and
    says so only in its exit code."""
    err = render_on_a_full_disk(picture, tmp_path, "out.mp4", 3000, "--size", "48", "--epochs", "6")
    assert "out.mp4: could not write (ffmpeg could not finish the MP4)" in err
    out = tmp_path / "out.mp4"
    encoders.write([smooth_picture(48, 36)] * 3, out, encoders.Options(fps=10))  # no limit: whole
    assert mp4.indexed(out) and imageio_ffmpeg.count_frames_and_secs(str(out))[0] >= 3
