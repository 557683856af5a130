"""Frames made elsewhere: pictures, folders of them and animations, read one frame at a time.

Pictures go through Pillow, animations through imageio (GIF and WebP with its
Pillow plugin, MP4 with imageio-ffmpeg's ffmpeg). Every file's size is read
from its header first, so a mismatch stops the reading before any frame is
decoded; the frames then come one at a time, so memory stays at a frame.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import imageio.v3 as iio
import numpy as np
from PIL import Image

from ..errors import AnimlearnError

PICTURES = (".png", ".jpg", ".jpeg")  # what a folder's frames may be
# suffix -> (name, imageio plugin, its read options). RGBA so that a GIF's
# transparent index comes out as alpha, which _rgb() turns white.
ANIMATIONS: dict[str, tuple[str, str, dict[str, Any]]] = {
    ".gif": ("GIF", "pillow", {"mode": "RGBA"}),
    ".webp": ("WebP", "pillow", {"mode": "RGBA"}),
    ".mp4": ("MP4", "FFMPEG", {}),
}
KINDS = "PNG/JPEG pictures or folders of them, or GIF, MP4 or WebP animations"
# What the readers raise for a damaged or foreign file (Pillow's UnidentifiedImageError is an OSError).
UNREADABLE = (OSError, ValueError, RuntimeError, SyntaxError, EOFError, Image.DecompressionBombError)


def natural_key(path: Path) -> tuple:
    """Sort key that reads digit runs as numbers: learned_9.jpg before learned_10.jpg."""
    # split() alternates text and digit runs, so equal positions hold equal types
    return tuple(int(p) if k % 2 else p for k, p in enumerate(re.split(r"(\d+)", str(path))))


def source_files(sources: Sequence[str | Path]) -> list[Path]:
    """The files `sources` name (pictures, animations, folders of pictures), in natural order."""
    files: list[Path] = []
    for source in map(Path, sources):
        if source.is_dir():
            found = [p for p in source.iterdir() if p.is_file() and p.suffix.lower() in PICTURES]
            if not found:
                raise AnimlearnError(f"{source}: no .png or .jpg frames in this folder")
            files += found
        elif source.is_file():
            files.append(source)
        else:
            raise AnimlearnError(f"{source}: no such file or folder")
    if not files:
        raise AnimlearnError(f"no frames given; name {KINDS}")
    return sorted(files, key=natural_key)


def frame_size(path: Path) -> tuple[int, int]:
    """(width, height) of a picture, or of an animation's frames, from the file's header."""
    try:
        if path.suffix.lower() in ANIMATIONS:
            _, plugin, _ = ANIMATIONS[path.suffix.lower()]
            height, width = iio.improps(path, plugin=plugin, index=0).shape[:2]
            return width, height
        with Image.open(path) as im:
            return im.size
    except UNREADABLE as e:
        raise AnimlearnError(_unreadable(path, e)) from None


def read_frames(sources: str | Path | Sequence[str | Path]) -> Iterator[np.ndarray]:
    """The (h, w, 3) uint8 RGB frames of `sources`, one at a time: each picture
    is a frame, each animation gives its frames in order. All must have one size,
    checked from the headers before the first frame is decoded (resizing would
    blur some frames and not others)."""
    files = source_files([sources] if isinstance(sources, str | Path) else sources)
    size = frame_size(files[0])
    for path in files[1:]:
        if (other := frame_size(path)) != size:
            raise AnimlearnError(
                f"{path}: {other[0]}x{other[1]} px, but {files[0].name} is {size[0]}x{size[1]}; "
                "give frames of one size"
            )
    for path in files:
        yield from _decode(path)


def _decode(path: Path) -> Iterator[np.ndarray]:
    if path.suffix.lower() not in ANIMATIONS:
        try:
            with Image.open(path) as im:
                frame = np.asarray(im.convert("RGB"))
        except UNREADABLE as e:
            raise AnimlearnError(f"{path}: cannot be read{_reason(path, e)}; remove or replace it") from None
        yield frame
        return
    _, plugin, options = ANIMATIONS[path.suffix.lower()]
    count = 0
    try:
        for frame in iio.imiter(path, plugin=plugin, **options):
            count += 1
            yield _rgb(frame)
    except UNREADABLE as e:
        raise AnimlearnError(
            f"{path}: cannot be read after {count} frames{_reason(path, e)}; remove or replace it"
        ) from None


def _rgb(frame: np.ndarray) -> np.ndarray:
    """An (h, w, 3) frame; transparent areas over white, as `render` does with pictures."""
    if frame.shape[-1] == 3:
        return frame
    rgb, alpha = frame[..., :3].astype(np.uint32), frame[..., 3:].astype(np.uint32)
    return ((rgb * alpha + 255 * (255 - alpha) + 127) // 255).astype(np.uint8)


def _unreadable(path: Path, e: BaseException) -> str:
    suffix = path.suffix.lower()
    if suffix in ANIMATIONS:
        what = f"{ANIMATIONS[suffix][0]} animation"
    elif suffix in PICTURES:
        what = "picture"
    else:
        return f"{path}: not a picture or an animation animlearn reads{_reason(path, e)}; give {KINDS}"
    return f"{path}: not a readable {what}{_reason(path, e)}; remove or replace it"


def _reason(path: Path, e: BaseException) -> str:
    """' (why)' from the error, or from the one it wraps (imageio's are generic); nothing
    where that says no more than the message (the file's name) or would not fit a line."""
    lines = str(e.__cause__ or e).splitlines()
    text = lines[0] if lines else ""
    return f" ({text})" if text and len(text) <= 60 and path.name not in text else ""
