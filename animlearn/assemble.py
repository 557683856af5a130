"""encode(): frames made elsewhere (pictures, folders of them, animations) -> the same encoders."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from . import encoders
from .canvas.buffer import FrameBuffer
from .config.settings import check_output
from .io.frames import read_frames


@dataclass
class EncodeResult:
    outputs: list[Path]
    frames: int
    size: tuple[int, int]  # width, height


def encode(
    frames: str | Path | Sequence[str | Path],
    output: str | Path | Sequence[str | Path],
    *,
    fps: float = 25.0,
    hold: float = 2.0,
    quality: int = 80,
) -> EncodeResult:
    """Write existing frames as animations: PNG/JPEG pictures and folders of them,
    in natural file-name order, and the frames of GIF, MP4 or WebP animations.

    All frames must have one size; a file of another size is an error naming
    it, found before anything is written. The frames are read into a buffer
    that spills to disk, so every format gets them all, in bounded memory.
    """
    check_output(fps, hold, quality)
    options = encoders.Options(fps=fps, hold=hold, quality=quality)
    paths = encoders.check_outputs(output, options)
    buffer = FrameBuffer()
    try:
        for frame in read_frames(frames):
            buffer.append(frame)
        for path in paths:
            encoders.write(buffer, path, options)
        height, width = buffer.shape[:2]
        return EncodeResult(paths, len(buffer), (width, height))
    finally:
        buffer.close()
