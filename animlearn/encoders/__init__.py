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


@dataclass(frozen=True)
class Options:
    fps: float = 25.0


def _formats() -> dict[str, ModuleType]:
    from . import gif, mp4

    return {".gif": gif, ".mp4": mp4}


FORMATS = (".gif", ".mp4")


def check(path: str | Path) -> Path:
    """The output path, if its extension names a format we write."""
    path = Path(path)
    if path.suffix.lower() not in FORMATS:
        raise AnimlearnError(
            f"{path}: unknown output format {path.suffix or '(no extension)'!r}; "
            f"use one of {', '.join(FORMATS)}"
        )
    return path


def write(frames: Sequence[np.ndarray], path: str | Path, options: Options) -> None:
    """Write `frames` to `path` in the format its extension names, atomically."""
    path = check(path)
    try:
        _formats()[path.suffix.lower()].write(frames, path, options)
    except OSError as e:  # a full disk, a vanished folder: the temporary file is already gone
        raise AnimlearnError(
            f"{path}: could not write ({e.strerror or e}); free some space or choose another folder"
        ) from e
