"""Outputs held under a size: the quality lowered, then frames dropped if that is not enough.

The first try is the output as asked, written where it goes, so an output that
fits is byte for byte what it is without a cap. Over the cap, a few more tries
search down: the highest quality that fits with every frame; if not even the
lowest does, the fewest frames dropped (every 2nd, 3rd, ... kept, the first and
the last always, the animation as long as before) that fit at the lowest quality,
then the highest quality that fits with those. Tries go to a temporary folder
beside the output; the one kept is renamed into place.
"""

from __future__ import annotations

import math
import os
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import NoReturn

import numpy as np

from ..errors import AnimlearnError
from .options import Options

Write = Callable[[Sequence[np.ndarray], Path, Options], None]

LOWEST = 0  # the lowest quality
TRIES = 5  # encodes in one search of the quality, at most
AIM = 0.95  # guesses aim at this fraction of the cap
CLOSE = 0.9  # a try that fits with at least this fraction of the cap ends a search
# ln(size) lost per quality point, roughly, for GIF and MP4 (25 to 40% per 10 points):
# the first guess below the asked quality, before any try fits
SLOPE = 0.05


def kept(count: int, step: int) -> int:
    """How many of `count` frames keeping every `step`-th leaves: the first and last at least."""
    return max(min(count, 2), -(-count // step))


class Thinned(Sequence):
    """Every `step`-th of `frames`, spread evenly from the first to the last; read as needed."""

    def __init__(self, frames: Sequence[np.ndarray], step: int):
        self.frames = frames
        self.picks = np.linspace(0, len(frames) - 1, kept(len(frames), step)).round().astype(int)

    def __len__(self) -> int:
        return len(self.picks)

    def __getitem__(self, k: int) -> np.ndarray:
        return self.frames[int(self.picks[k])]


@dataclass(frozen=True)
class Try:
    quality: int
    step: int  # every step-th frame kept
    size: int  # bytes


def text(size: float) -> str:
    """Bytes as people read them: 12.4 MB, 500 kB, 87 B."""
    unit, name = next(((u, n) for u, n in ((10**6, "MB"), (10**3, "kB")) if size >= u), (1, "B"))
    value = size / unit
    return f"{value:.3g} {name}" if value < 100 else f"{value:.0f} {name}"


def _ordinal(k: int) -> str:
    return f"{k}" + ("th" if 10 <= k % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(k % 10, "th"))


def write(
    encode: Write, frames: Sequence[np.ndarray], path: Path, options: Options, cap: int, name: Path
) -> str | None:
    """Write `frames` to `path` in at most `cap` bytes with `encode`; a note saying what
    was given up for it, if anything. `name`: the output as the user named it."""
    encode(frames, path, options)
    asked = Try(options.quality, 1, path.stat().st_size)
    if asked.size <= cap:
        return None
    with _search(encode, frames, options, cap, path, name) as search:
        best = search.run(asked)
        os.replace(search.file(best), path)
    dropped = f" and every {_ordinal(best.step)} frame ({kept(len(frames), best.step)} of {len(frames)})"
    return (
        f"{name}: {text(asked.size)} at quality {asked.quality} is over {text(cap)}; "
        f"wrote {text(best.size)} at quality {best.quality}{dropped if best.step > 1 else ''}"
    )


def check_possible(
    encode: Write, frames: Sequence[np.ndarray], options: Options, cap: int, name: Path
) -> None:
    """Refuse, with a one-line error, a cap that even the smallest output (the first and
    last frames at the lowest quality) is over: an encode of two frames."""
    with _search(encode, frames, options, cap, name, name) as search:
        smallest = search.attempt(LOWEST, len(frames))
        if smallest.size > cap:
            search.impossible(smallest)


@contextmanager
def _search(
    encode: Write, frames: Sequence[np.ndarray], options: Options, cap: int, path: Path, name: Path
) -> Iterator[Search]:
    with tempfile.TemporaryDirectory(dir=path.parent, prefix=f".{path.stem}.") as folder:
        yield Search(encode, frames, options, cap, Path(folder) / f"try{path.suffix}", name)


class Search:
    """The tries of one output. Each try that fits is better than the one before it
    (a higher quality, or the first to fit), so only the latest is kept, in `file()`."""

    def __init__(
        self, encode: Write, frames: Sequence[np.ndarray], options: Options, cap: int, base: Path, name: Path
    ):
        self.encode, self.frames, self.options, self.cap = encode, frames, options, cap
        self.base, self.name = base, name
        self.best: Try | None = None

    def file(self, t: Try) -> Path:
        return self.base.with_stem(f"q{t.quality}-s{t.step}")

    def attempt(self, quality: int, step: int) -> Try:
        frames = self.frames if step == 1 else Thinned(self.frames, step)
        options = replace(self.options, quality=quality)
        if step > 1:
            about = self.options.about and self.options.about.picked(frames.picks)
            options = replace(options, fps=self.options.fps * len(frames) / len(self.frames), about=about)
        path = self.file(Try(quality, step, 0))
        self.encode(frames, path, options)
        t = Try(quality, step, path.stat().st_size)
        if t.size > self.cap:
            path.unlink()
        else:
            if self.best is not None:
                self.file(self.best).unlink()
            self.best = t
        return t

    def run(self, asked: Try) -> Try:
        """The best output under the cap, `asked` (every frame at the asked quality) being over it."""
        low, high = self.quality(1, None, asked)
        if low is None:  # then `high` is every frame at the lowest quality, over the cap
            fewer = self.thin(high)
            low, _ = self.quality(fewer.step, fewer, None)
        return low

    def quality(self, step: int, low: Try | None, high: Try | None) -> tuple[Try | None, Try | None]:
        """Narrow (low, high], a try that fits and one over the cap at `step` (None: not
        tried yet), towards the highest quality that fits; the ends reached."""
        for _ in range(TRIES):
            quality = self.guess(low, high)
            if quality is None:
                break
            t = self.attempt(quality, step)
            low, high = (t, high) if t.size <= self.cap else (low, t)
        return low, high

    def guess(self, low: Try | None, high: Try | None) -> int | None:
        """The next quality to try; None when the search is done."""
        top = self.options.quality
        if low is not None and (low.quality >= top or low.size >= CLOSE * self.cap):
            return None
        if high is None:  # fewer frames fit at the lowest quality; the asked one is not tried yet
            return top
        if low is None:  # a guess from the size over the cap, then the lowest quality
            if high.quality == LOWEST:
                return None
            below = round(math.log(high.size / (AIM * self.cap)) / SLOPE)
            return max(LOWEST, high.quality - max(1, below)) if high.quality == top else LOWEST
        if high.quality - low.quality <= 1:
            return None
        # ln(size) taken as linear in the quality between the two ends
        share = math.log(AIM * self.cap / low.size) / math.log(max(high.size, low.size + 1) / low.size)
        quality = round(low.quality + share * (high.quality - low.quality))
        return min(high.quality - 1, max(low.quality + 1, quality))

    def thin(self, over: Try) -> Try:
        """The first try that fits at the lowest quality, keeping ever fewer frames than `over`."""
        count = len(self.frames)
        while (now := kept(count, over.step)) > min(count, 2):
            want = math.floor(now * AIM * self.cap / over.size)  # frames, if the size goes with them
            t = self.attempt(LOWEST, math.ceil(count / max(1, min(now - 1, want))))
            if t.size <= self.cap:
                return t
            over = t
        self.impossible(over)

    def impossible(self, smallest: Try) -> NoReturn:
        what = "its first and last frames" if len(self.frames) > 1 else "its one frame"
        raise AnimlearnError(
            f"{self.name}: cannot be held under {text(self.cap)}: even {what} at quality {LOWEST} "
            f"take {text(smallest.size)}; give a larger --max-size"
        )
