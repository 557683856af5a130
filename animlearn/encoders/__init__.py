"""Encoders: one module per format, each an `Encoder`, found by the output's suffix.

Everything about file formats lives here; the rest of animlearn hands over
uint8 RGB frames and an output path. A new format is a module with `MAX_FPS`
and `write()` beside these, plus its line in ENCODERS.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

import numpy as np

from ..errors import AnimlearnError
from ..io.atomic import replacing, writable
from . import gif, mp4, webp
from .options import Options


class Encoder(Protocol):
    """What a format module offers; a module satisfies it as it stands."""

    MAX_FPS: float | None  # the fastest rate its players honour; None: any

    def write(self, frames: Sequence[np.ndarray], path: Path, options: Options) -> None:
        """Write `frames` (at least one, all of one size) to `path`, a temporary
        name that `write()` below renames into place once this returns."""


ENCODERS: dict[str, Encoder] = {".gif": gif, ".mp4": mp4, ".webp": webp}


def check(path: str | Path, options: Options | None = None) -> Path:
    """The output path, if its extension names a format we write with `options`."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in ENCODERS:
        raise AnimlearnError(
            f"{path}: unknown output format {path.suffix or '(no extension)'!r}; "
            f"use one of {', '.join(ENCODERS)}"
        )
    limit = ENCODERS[suffix].MAX_FPS
    if options is not None and limit is not None and options.fps > limit:
        unlimited = " or ".join(s for s, e in ENCODERS.items() if e.MAX_FPS is None)
        raise AnimlearnError(
            f"{path}: --fps {options.fps:g} is too fast for {suffix} (browsers slow frames under "
            f"{1000 / limit:g} ms); use --fps {limit:g} or less, or write {unlimited}"
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
        with replacing(path) as tmp:
            ENCODERS[path.suffix.lower()].write(frames, tmp, options)
    except OSError as e:  # a full disk, a vanished folder: the temporary file is already gone
        raise AnimlearnError(
            f"{path}: could not write ({e.strerror or e}); free some space or choose another folder"
        ) from e
