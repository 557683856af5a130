"""Encoders: one module per format, each with `write(frames, path, options)`.

Everything about file formats lives here; the rest of animlearn hands over
uint8 RGB frames and an output path.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import numpy as np

from ..errors import AnimlearnError
from ..io.atomic import writable

FORMATS = (".gif", ".mp4", ".webp")
MAX_FPS = {".gif": 50, ".webp": 50}  # browsers play frames shorter than 20 ms at 100 ms


@dataclass(frozen=True)
class Options:
    fps: float = 25.0
    hold: float = 2.0  # extra seconds on the last frame before the loop restarts
    quality: int = 80  # 0-100; each format maps it onto its own knob


def _formats() -> dict[str, ModuleType]:
    from . import gif, mp4, webp

    return {".gif": gif, ".mp4": mp4, ".webp": webp}


def check(path: str | Path, options: Options | None = None) -> Path:
    """The output path, if its extension names a format we write with `options`."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise AnimlearnError(
            f"{path}: unknown output format {path.suffix or '(no extension)'!r}; "
            f"use one of {', '.join(FORMATS)}"
        )
    limit = MAX_FPS.get(suffix)
    if options is not None and limit is not None and options.fps > limit:
        raise AnimlearnError(
            f"{path}: --fps {options.fps:g} is too fast for {suffix} (browsers slow frames under 20 ms); "
            f"use --fps {limit} or less, or write .mp4"
        )
    return path


def check_outputs(
    output: str | Path | Sequence[str | Path], options: Options, source: Path | None = None
) -> list[Path]:
    """The output paths, checked before any work: known formats, writable folders."""
    paths = [Path(output)] if isinstance(output, str | Path) else [Path(p) for p in output]
    if not paths:
        raise AnimlearnError("no output given; name one with -o, e.g. -o out.gif")
    for path in paths:
        check(path, options)
        writable(path)
        if source is not None and source.exists() and path.exists() and path.samefile(source):
            raise AnimlearnError(f"{path}: is the input picture; choose another output name")
    return paths


def write(frames: Sequence[np.ndarray], path: str | Path, options: Options) -> None:
    """Write `frames` to `path` in the format its extension names, atomically."""
    path = check(path, options)
    if not len(frames):
        raise ValueError("no frames to write")
    try:
        _formats()[path.suffix.lower()].write(frames, path, options)
    except OSError as e:  # a full disk, a vanished folder: the temporary file is already gone
        raise AnimlearnError(
            f"{path}: could not write ({e.strerror or e}); free some space or choose another folder"
        ) from e
