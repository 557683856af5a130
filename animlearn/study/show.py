"""A sweep's pictures: each trial's kept paintings on disk, the contact sheet and the PSNR chart.

A trial keeps its painting at the training size after every epoch it trains, as one
(epochs, h, w, 3) uint8 .npy file; readers memory-map it, so showing many trials reads
one painting at a time instead of holding them all.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from ..canvas import plot
from ..canvas.compose import BACKGROUND, GAP, Composer
from ..canvas.paint import enlarge
from ..encoders import still
from ..errors import AnimlearnError
from ..io.atomic import replacing

Series = list[tuple[int, float]]  # (epoch, dB)

SHEET_SIDE = 160  # px: the sheet's paintings are enlarged to at least this on their longer side
CHART_SIZE = (960, 480)  # px: room for 50 grey lines and a legend of the top few


@dataclass(frozen=True)
class Entry:
    """One trial as the pictures show it."""

    label: str  # the network, e.g. '2x64:relu:fourier:adam'
    seed: int
    psnr: Series  # PSNR on the trained pixels after each epoch it trained
    holdout: Series | None  # PSNR on the hidden pixels, or None without a hold-out
    stopped_at: int | None  # the epoch it stopped at before the sweep's end; None: it trained to the end
    rank: int  # 1 is the best
    paintings: Path  # its .npy of kept paintings (see save_paintings)
    picture: str = ""  # the name of the study's picture it learned


def save_paintings(path: Path, frames: Sequence[np.ndarray]) -> None:
    """Write a trial's paintings, frames[i] being its (h, w, 3) uint8 painting after epoch i + 1,
    atomically. Frames are copied one at a time, so `frames` may be memory-mapped (appending
    to a trial's file: `save_paintings(path, [*paintings(path), *new])`)."""
    path = Path(path)
    if not len(frames):
        raise ValueError("no paintings to save")
    shape = np.shape(frames[0])
    if len(shape) != 3 or shape[2] != 3:
        raise ValueError(f"a painting is (h, w, 3), not {shape}")
    with replacing(path) as tmp:
        out = np.lib.format.open_memmap(tmp, mode="w+", dtype=np.uint8, shape=(len(frames), *shape))
        try:
            for k, frame in enumerate(frames):
                if np.shape(frame) != shape:
                    raise ValueError(f"painting {k} is {np.shape(frame)}, the first {shape}")
                out[k] = frame
            out.flush()
        finally:
            del out  # closes the map, and its file, before the rename or removal


def paintings(path: Path) -> np.ndarray:
    """A trial's paintings, memory-mapped read-only: (epochs, h, w, 3) uint8."""
    try:
        found = np.load(path, mmap_mode="r")
    except (OSError, ValueError) as e:
        raise AnimlearnError(f"{path}: cannot read the trial's paintings ({e}); run the sweep again") from e
    if found.dtype != np.uint8 or found.ndim != 4 or found.shape[3] != 3 or not len(found):
        raise AnimlearnError(
            f"{path}: not a trial's paintings ({found.dtype}, {found.shape}); run the sweep again"
        )
    return found


def last(series: Series | None, epoch: float = math.inf) -> float:
    """The latest dB at or before `epoch` (NaN if none)."""
    found = [v for t, v in series or [] if t <= epoch]
    return float(found[-1]) if found else math.nan


def score(entry: Entry, epoch: float = math.inf) -> str:
    """'31.20 dB', with the hidden pixels' PSNR after it when there is a hold-out."""
    text = f"{last(entry.psnr, epoch):.2f} dB"
    return text if entry.holdout is None else f"{text} · hidden {last(entry.holdout, epoch):.2f} dB"


def ranked(entries: Sequence[Entry]) -> list[Entry]:
    """Best first."""
    return sorted(entries, key=lambda e: (e.rank, e.label, e.seed))


def kept(entry: Entry, target: np.ndarray) -> np.ndarray:
    """The trial's paintings up to its last score, memory-mapped, checked to be at the target's
    size (a trial may have trained past the epoch it was ranked at, on a guess of the scheduler's)."""
    found = paintings(entry.paintings)
    found = found[: int(entry.psnr[-1][0])] if entry.psnr else found
    if found.shape[1:] != target.shape:
        raise AnimlearnError(
            f"{entry.paintings}: paintings are {found.shape[2]}x{found.shape[1]}, the target "
            f"{target.shape[1]}x{target.shape[0]}; run the sweep again"
        )
    return found


def _save(picture: np.ndarray, path: Path) -> None:
    """A PNG written atomically; a full disk or a vanished folder said in one line."""
    try:
        still.write(picture, Path(path))
    except OSError as e:
        raise AnimlearnError(
            f"{path}: could not write ({e.strerror or e}); free some space or choose another folder"
        ) from e


def _cell(title: str, picture: np.ndarray, k: int) -> np.ndarray:
    """A painting enlarged k times under its title, as the Composer lays them out."""
    h, w = picture.shape[:2]
    composer = Composer([title], w * k, h * k)
    return composer.compose([enlarge(picture, k)])[: composer.cell_height]


def sheet(path: Path, targets: Mapping[str, np.ndarray], entries: Sequence[Entry]) -> None:
    """A PNG contact sheet: for each picture (by name in `targets`) its target, then every
    trial's final painting on it best first, each titled with its rank, network, seed and
    PSNR; a near-square grid per picture, one below the other, written atomically."""
    named = len(targets) > 1
    grids = [
        _grid(name if named else "target", pixels, [e for e in ranked(entries) if e.picture == name])
        for name, pixels in targets.items()
    ]
    size = (max(g.width for g in grids), sum(g.height - GAP for g in grids) + GAP)
    image = Image.new("RGB", size, BACKGROUND)
    top = 0
    for grid in grids:
        image.paste(grid, (0, top))
        top += grid.height - GAP  # the grids share the gap between them
    _save(np.asarray(image), path)


def _grid(name: str, target: np.ndarray, order: list[Entry]) -> Image.Image:
    """One picture's part of the sheet: its target, titled `name`, then `order`'s paintings."""
    h, w = target.shape[:2]
    k = max(1, math.ceil(SHEET_SIDE / max(w, h)))
    titles = [name]
    for e in order:
        stop = f"\nstopped at epoch {e.stopped_at}" if e.stopped_at is not None else ""
        titles.append(f"#{e.rank} {e.label}\nseed {e.seed} · {score(e)}{stop}")
    lines = max(t.count("\n") for t in titles)
    titles = [t + "\n" * (lines - t.count("\n")) for t in titles]  # one title height for every cell
    cells = [_cell(titles[0], target, k)]
    cells += [_cell(t, np.array(kept(e, target)[-1]), k) for t, e in zip(titles[1:], order)]
    ch, cw = cells[0].shape[:2]
    columns = min(len(cells), max(1, round(math.sqrt(len(cells) * ch / cw))))
    rows = math.ceil(len(cells) / columns)
    image = Image.new("RGB", (columns * (cw + GAP) + GAP, rows * (ch + GAP) + GAP), BACKGROUND)
    for n, cell in enumerate(cells):
        row, col = divmod(n, columns)
        image.paste(Image.fromarray(cell), (GAP + col * (cw + GAP), GAP + row * (ch + GAP)))
    return image


def chart(path: Path, entries: Sequence[Entry], top: int) -> None:
    """A PNG of every trial's PSNR over epochs: the best `top` in colour, named in the legend,
    their hold-out dashed; the rest thin grey beneath them. Written atomically."""
    order = ranked(entries)
    best, rest = order[:top], order[top:]
    named = len({e.picture for e in entries}) > 1
    names = [f"#{e.rank} {e.label} seed {e.seed}" + (f" · {e.picture}" if named else "") for e in best]
    held = [e.holdout or [] for e in best] if any(e.holdout is not None for e in best) else None
    picture = plot.chart(
        *CHART_SIZE,
        [e.psnr for e in best],
        names,
        dashed=held,
        unit="epochs",
        background=[e.psnr for e in rest],
    )
    _save(picture, path)
