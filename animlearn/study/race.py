"""The race: a sweep's best trials learning side by side with the target, from the paintings
they kept while training (nothing is trained again)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from ..canvas.buffer import FrameBuffer
from ..canvas.compose import BACKGROUND, Composer
from ..canvas.paint import enlarge, upscale_factor
from ..encoders import Options, check_outputs, write
from .show import Entry, kept, ranked, score


def title(entry: Entry, epoch: int, count: int) -> str:
    """The trial's network and its PSNR at `epoch`; past its `count` paintings, when it stopped."""
    head = f"#{entry.rank} {entry.label} · seed {entry.seed}"
    if epoch > count:
        return f"{head}\nstopped at epoch {count} · {score(entry, count)}"
    return f"{head}\n{score(entry, epoch)}"


def race(
    paths: Sequence[Path],
    targets: Mapping[str, np.ndarray],
    entries: Sequence[Entry],
    top: int,
    fps: float,
    hold: float,
    quality: int,
) -> None:
    """Animations (.gif, .mp4, .webp) of the best `top` trials beside the target, one frame
    per epoch up to the longest of them; a trial that stopped early holds its last painting,
    titled so. With several pictures (by name in `targets`), a row per picture, showing the
    best seed of each of the best `top` networks. Each file is written atomically."""
    options = Options(fps=fps, hold=hold, quality=quality)
    paths = check_outputs(list(paths), options)
    rows = [Lane(name, pixels, entries, top, len(targets) > 1) for name, pixels in targets.items()]
    rows = [r for r in rows if r.best]
    if not rows:
        raise ValueError("no trials to race")
    width = max(r.composer.width for r in rows)
    epochs = max(len(p) for r in rows for p in r.maps)
    buffer = FrameBuffer()  # frames composed once for every format, spilled to disk past its bound
    try:
        for epoch in range(1, epochs + 1):
            frames = [r.frame(epoch, width) for r in rows]
            buffer.append(frames[0] if len(frames) == 1 else np.concatenate(frames))
        for path in paths:
            write(buffer, path, options)
    finally:
        buffer.close()


class Lane:
    """One picture's row of the race: its best trials beside its target."""

    def __init__(self, name: str, target: np.ndarray, entries: Sequence[Entry], top: int, named: bool):
        mine = ranked([e for e in entries if e.picture == name])
        if named:  # a column per network, its best seed on each picture
            firsts: dict[str, Entry] = {}
            for e in mine:
                firsts.setdefault(e.label, e)
            mine = list(firsts.values())
        self.best = mine[:top]
        self.maps = [kept(e, target) for e in self.best]  # memory-mapped: one painting read at a time
        self.name = f"{name} · " if named else ""
        h, w = target.shape[:2]
        self.k = upscale_factor(w, h)
        titles = [title(e, 1, len(p)) for e, p in zip(self.best, self.maps)] + ["target"]
        self.composer = Composer(titles, w * self.k, h * self.k)
        self.shown = enlarge(target, self.k)

    def frame(self, epoch: int, width: int) -> np.ndarray:
        """The row at `epoch`, padded on the right to `width` px."""
        panels = [enlarge(np.array(p[min(epoch, len(p)) - 1]), self.k) for p in self.maps]
        names = [title(e, epoch, len(p)) for e, p in zip(self.best, self.maps)]
        row = self.composer.compose([*panels, self.shown], f"{self.name}epoch {epoch}", titles=names)
        pad = np.full((row.shape[0], width - row.shape[1], 3), BACKGROUND, np.uint8)
        return np.concatenate([row, pad], axis=1)
