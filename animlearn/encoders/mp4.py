"""H.264 MP4 with imageio-ffmpeg's bundled ffmpeg: yuv420p, plays in browsers."""

from __future__ import annotations

import errno
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from .options import Options

# Measured on 500 seed-like frames at CRF 19: 'animation' (more reference frames,
# stronger deblocking: suits flat, slowly changing pictures) cuts the file 16%,
# 'slow' another 10% for twice the time, still seconds for a run of minutes.
# On 500 frames of a small network drifting every frame, 'slower' saved 5% more
# for twice the time again; CRF 21 instead of 19 saves 19% for 0.6 dB. There, at
# CRF 21: no adaptive quantisation (it moves bits to flat areas for the eye, not
# the error) 4.5% smaller and 0.13 dB closer; one key frame for the whole loop
# (keyint=infinite; a 20 s loop needs no seeking points) 2% smaller; subme=9 with
# umh motion search 1.5% smaller and 0.1 dB closer: 1.073 MB, 41.50 dB became
# 0.987 MB, 41.74 dB.
TUNING = [
    *("-preset", "slow", "-tune", "animation"),
    *("-x264-params", "aq-mode=0:keyint=infinite:subme=9:me=umh"),
]
MAX_FPS: float | None = None  # players honour any rate
DEFAULT_MAX_SIZE: int | None = None  # any size


def crf(quality: int) -> int:
    """x264's constant rate factor for a 0-100 quality: 80 gives 21, 100 gives 14, 0 gives 51.

    At 80, 500 frames of a small network drifting every frame (451 x 359) take
    0.99 MB at 41.7 dB against the frames (benchmarks/encode.py).
    """
    return round(51 - 0.375 * quality)


def even(frame: np.ndarray) -> np.ndarray:
    """Pad odd sizes to even by repeating the last row/column (yuv420p needs even
    sizes; a copied edge keeps the shared chroma of the last pixels true)."""
    h, w = frame.shape[:2]
    if h % 2 == 0 and w % 2 == 0:
        return frame
    return np.pad(frame, ((0, h % 2), (0, w % 2), (0, 0)), mode="edge")


def write(frames: Sequence[np.ndarray], path: Path, options: Options) -> None:
    import imageio_ffmpeg

    h, w = even(frames[0]).shape[:2]
    writer = imageio_ffmpeg.write_frames(
        str(path),
        (w, h),
        fps=options.fps,
        codec="libx264",
        pix_fmt_out="yuv420p",
        quality=None,
        macro_block_size=1,
        ffmpeg_log_level="quiet",  # its failures are ours to report, in one line
        output_params=[
            "-crf",
            str(crf(options.quality)),
            *TUNING,
            "-movflags",
            "+faststart",
            "-f",
            "mp4",
        ],
    )
    writer.send(None)
    try:
        for frame in frames:
            last = np.ascontiguousarray(even(frame))
            writer.send(last)
        # the hold: copies of the last frame, which H.264 stores almost for free
        for _ in range(round(options.hold * options.fps)):
            writer.send(last)
    finally:
        writer.close()
    if not indexed(path):  # imageio-ffmpeg does not pass ffmpeg's failure on
        raise OSError(errno.EIO, "ffmpeg could not finish the MP4")


def indexed(path: Path) -> bool:
    """Whether an MP4 holds its index (the 'moov' box), which ffmpeg writes last: a full
    disk leaves a file without one, which no player opens."""
    with open(path, "rb") as f:
        while len(head := f.read(8)) == 8:
            size, kind = int.from_bytes(head[:4], "big"), head[4:]
            if kind == b"moov":
                return True
            if size == 1:  # a 64-bit size follows
                size = int.from_bytes(f.read(8), "big") - 8
            if size < 8:  # 0: the box runs to the end of the file
                return False
            f.seek(size - 8, 1)
    return False
