"""The race: a sweep's best trials learning side by side with the target, from the paintings
they kept while training (nothing is trained again)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ..canvas.buffer import FrameBuffer
from ..canvas.compose import Composer
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
    target: np.ndarray,
    entries: Sequence[Entry],
    top: int,
    fps: float,
    hold: float,
    quality: int,
) -> None:
    """Animations (.gif, .mp4, .webp) of the best `top` trials beside the target, one frame per
    epoch up to the longest of them; a trial that stopped early holds its last painting, titled
    so. Each file is written atomically."""
    options = Options(fps=fps, hold=hold, quality=quality)
    paths = check_outputs(list(paths), options)
    best = ranked(entries)[:top]
    if not best:
        raise ValueError("no trials to race")
    maps = [kept(e, target) for e in best]  # memory-mapped: one painting read at a time
    h, w = target.shape[:2]
    k = upscale_factor(w, h)
    epochs = max(len(p) for p in maps)
    titles = [title(e, 1, len(p)) for e, p in zip(best, maps)] + ["target"]
    composer = Composer(titles, w * k, h * k)
    shown = enlarge(target, k)
    buffer = FrameBuffer()  # frames composed once for every format, spilled to disk past its bound
    try:
        for epoch in range(1, epochs + 1):
            panels = [enlarge(np.array(p[min(epoch, len(p)) - 1]), k) for p in maps]
            names = [title(e, epoch, len(p)) for e, p in zip(best, maps)]
            buffer.append(composer.compose([*panels, shown], f"epoch {epoch}", titles=names))
        for path in paths:
            write(buffer, path, options)
    finally:
        buffer.close()
