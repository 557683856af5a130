"""encode(): frames made elsewhere (pictures, folders of them, animations) -> the same encoders."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from . import encoders
from .canvas.buffer import FrameBuffer
from .config.settings import check_output
from .config.values import parse_size
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
    max_size: int | str | None = None,
    on_note: Callable[[str], None] | None = None,
) -> EncodeResult:
    """Write existing frames as animations: PNG/JPEG pictures and folders of them,
    in natural file-name order, and the frames of GIF, MP4 or WebP animations.
    `max_size` (bytes, or text such as '10MB') caps each output, as render's does;
    `on_note` hears what an output gave up to stay under it.

    All frames must have one size; a file of another size is an error naming
    it, found before anything is written. The frames are read into a buffer
    that spills to disk, so every format gets them all, in bounded memory.
    """
    check_output(fps, hold, quality)
    limit = None if max_size is None else parse_size(max_size)
    options = encoders.Options(fps=fps, hold=hold, quality=quality, max_size=limit)
    paths = encoders.check_outputs(output, options)
    buffer = FrameBuffer()
    try:
        for frame in read_frames(frames):
            buffer.append(frame)
        encoders.write_all(buffer, paths, options, on_note)
        height, width = buffer.shape[:2]
        return EncodeResult(paths, len(buffer), (width, height))
    finally:
        buffer.close()
