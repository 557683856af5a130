"""Encoders: one module per format, each an `Encoder`, found by the output's suffix.

Everything about file formats lives here; the rest of animlearn hands over
uint8 RGB frames and an output path, and Options.about says what they show for
the formats that can say it (html). A new format is a module with `MAX_FPS`,
`DEFAULT_MAX_SIZE` and `write()` beside these, plus its line in ENCODERS. A cap on
the size (fit.py) works the same for every format, through `write()`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Protocol

import numpy as np

from ..errors import AnimlearnError
from ..io.atomic import replacing, writable
from . import fit, gif, html, mp4, webp
from .options import Options


class Encoder(Protocol):
    """What a format module offers; a module satisfies it as it stands."""

    MAX_FPS: float | None  # the fastest rate its players honour; None: any
    DEFAULT_MAX_SIZE: int | None  # bytes an output is held under without a max_size; None: no cap

    def write(self, frames: Sequence[np.ndarray], path: Path, options: Options) -> None:
        """Write `frames` (at least one, all of one size) to `path`, a temporary
        name that `write()` below renames into place once this returns."""


ENCODERS: dict[str, Encoder] = {".gif": gif, ".mp4": mp4, ".webp": webp, ".html": html}


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


def cap(path: Path, options: Options) -> int | None:
    """The bytes an output is held under: `max_size`, else its format's default (None: any size)."""
    if options.max_size is not None:
        return options.max_size
    return ENCODERS[path.suffix.lower()].DEFAULT_MAX_SIZE


def write(
    frames: Sequence[np.ndarray],
    path: str | Path,
    options: Options,
    on_note: Callable[[str], None] | None = None,
) -> None:
    """Write `frames` to `path` in the format its extension names, atomically, under its
    cap; `on_note` hears what was given up to stay under it."""
    path = check(path, options)
    encoder, limit = _encoder(path, frames), cap(path, options)
    with _disk(path), replacing(path) as tmp:
        if limit is None:
            encoder.write(frames, tmp, options)
            note = None
        else:
            note = fit.write(encoder.write, frames, tmp, options, limit, path)
    if note is not None and on_note is not None:
        on_note(note)


def write_all(
    frames: Sequence[np.ndarray],
    paths: Sequence[Path],
    options: Options,
    on_note: Callable[[str], None] | None = None,
) -> None:
    """`write()` to each path; if one of them cannot be held under its cap, none is written."""
    for path in paths:
        limit = cap(check(path, options), options)
        if limit is not None:
            with _disk(path):
                fit.check_possible(_encoder(path, frames).write, frames, options, limit, path)
    for path in paths:
        write(frames, path, options, on_note)


def _encoder(path: Path, frames: Sequence[np.ndarray]) -> Encoder:
    """The encoder of a checked path, once there is something to write."""
    if not len(frames):
        raise ValueError("no frames to write")
    return ENCODERS[path.suffix.lower()]


@contextlib.contextmanager
def _disk(path: Path) -> Iterator[None]:
    """A full disk, a vanished folder: one line naming the output (temporary files are gone by then)."""
    try:
        yield
    except OSError as e:
        raise AnimlearnError(
            f"{path}: could not write ({e.strerror or e}); free some space or choose another folder"
        ) from e
