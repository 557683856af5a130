"""encode(): frames made elsewhere (pictures, folders of them, animations) -> the same encoders."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from . import encoders
from .canvas.buffer import FrameBuffer
from .config.options import OUTPUT, resolve
from .config.settings import Settings, check_output
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
    on_note: Callable[[str], None] | None = None,
    **options: Any,
) -> EncodeResult:
    """Write existing frames as animations: PNG/JPEG pictures and folders of them,
    in natural file-name order, and the frames of GIF, MP4 or WebP animations.
    `options` are render's fps, hold, quality and max_size (config.options.OUTPUT),
    with render's defaults; `max_size` (bytes, or text such as '10MB') caps each
    output, as render's does; `on_note` hears what an output gave up to stay under it.

    All frames must have one size; a file of another size is an error naming
    it, found before anything is written. The frames are read into a buffer
    that spills to disk, so every format gets them all, in bounded memory.
    """
    s = replace(Settings(), **resolve(Settings, options, OUTPUT))
    check_output(s.fps, s.hold, s.quality)
    opts = encoders.Options(fps=s.fps, hold=s.hold, quality=s.quality, max_size=s.max_size)
    paths = encoders.check_outputs(output, opts)
    buffer = FrameBuffer()
    try:
        for frame in read_frames(frames):
            buffer.append(frame)
        encoders.write_all(buffer, paths, opts, on_note)
        height, width = buffer.shape[:2]
        return EncodeResult(paths, len(buffer), (width, height))
    finally:
        buffer.close()
