"""encode(): existing frames (PNG/JPEG files or folders of them) -> the same encoders."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

from . import encoders
from .canvas.buffer import FrameBuffer
from .config.settings import check_output
from .errors import AnimlearnError

FRAME_SUFFIXES = (".png", ".jpg", ".jpeg")


@dataclass
class EncodeResult:
    outputs: list[Path]
    frames: int
    size: tuple[int, int]  # width, height


def natural_key(path: Path) -> tuple:
    """Sort key that reads digit runs as numbers: learned_9.jpg before learned_10.jpg."""
    # split() alternates text and digit runs, so equal positions hold equal types
    return tuple(int(p) if k % 2 else p for k, p in enumerate(re.split(r"(\d+)", str(path))))


def frame_files(sources: Sequence[str | Path]) -> list[Path]:
    """The frame files that `sources` (files, or folders of PNG/JPEG files) name, in natural order."""
    files: list[Path] = []
    for source in map(Path, sources):
        if source.is_dir():
            found = [p for p in source.iterdir() if p.is_file() and p.suffix.lower() in FRAME_SUFFIXES]
            if not found:
                raise AnimlearnError(f"{source}: no .png or .jpg frames in this folder")
            files += found
        elif source.is_file():
            files.append(source)
        else:
            raise AnimlearnError(f"{source}: no such file or folder")
    if not files:
        raise AnimlearnError("no frames given; name PNG/JPEG files or a folder of them")
    return sorted(files, key=natural_key)


def _size(path: Path) -> tuple[int, int]:
    try:
        with Image.open(path) as im:
            return im.size
    except (UnidentifiedImageError, OSError) as e:
        raise AnimlearnError(f"{path}: not a readable picture ({e.__class__.__name__}); remove it") from None


def encode(
    frames: str | Path | Sequence[str | Path],
    output: str | Path | Sequence[str | Path],
    *,
    fps: float = 25.0,
    hold: float = 2.0,
    quality: int = 80,
) -> EncodeResult:
    """Write existing frames, in natural file-name order, as animations.

    All frames must have one size: a frame of another size is an error naming
    it, found before anything is written (resizing would blur some frames and
    not others).
    """
    check_output(fps, hold, quality)
    options = encoders.Options(fps=fps, hold=hold, quality=quality)
    paths = encoders.check_outputs(output, options)
    files = frame_files([frames] if isinstance(frames, str | Path) else frames)
    size = _size(files[0])
    for path in files[1:]:
        if _size(path) != size:
            w, h = _size(path)
            raise AnimlearnError(
                f"{path}: {w}x{h} px, but {files[0].name} is {size[0]}x{size[1]}; give frames of one size"
            )
    buffer = FrameBuffer()
    try:
        for path in files:
            try:
                with Image.open(path) as im:
                    buffer.append(np.asarray(im.convert("RGB")))
            except OSError as e:
                raise AnimlearnError(f"{path}: cannot be read ({e}); remove or replace it") from None
        for path in paths:
            encoders.write(buffer, path, options)
    finally:
        buffer.close()
    return EncodeResult(paths, len(files), size)
