"""Scores: each model's PSNR on trained and on hidden pixels, over time, and the
rows of the --log file."""

from __future__ import annotations

import math

import numpy as np

from ..io.target import Holdout
from ..nets.model import Model


def psnr(a: np.ndarray, b: np.ndarray, where: np.ndarray | None = None) -> float:
    """Peak signal-to-noise ratio of two uint8 pictures, in dB; over the pixels
    where `where` (h, w) is true, if given (NaN if there are none)."""
    diff = a.astype(np.float64) - b.astype(np.float64)
    if where is not None:
        if not where.any():
            return float("nan")
        diff = diff[where]
    mse = np.mean(diff**2) / 255.0**2
    return float("inf") if mse == 0 else float(10 * np.log10(1.0 / mse))


class Scoreboard:
    """Each model's PSNR history on trained and on held-out pixels, its title and its log rows."""

    def __init__(self, models: list[Model], target: np.ndarray, holdout: Holdout | None):
        self.names = [m.name for m in models]
        self.specs = [m.spec.text() for m in models]
        self.counts = [m.learnable for m in models]
        self.target = target
        self.held_out = None if holdout is None else holdout.tested  # (h, w) bool, or None
        self.trained_on = None if holdout is None else holdout.trained
        self.history: list[list[tuple[float, float]]] = [[] for _ in models]
        self.held_history: list[list[tuple[float, float]]] = [[] for _ in models]
        self.rows: list[dict] = []

    @property
    def psnrs(self) -> list[float]:
        """Each model's latest PSNR on trained pixels (NaN before its first frame)."""
        return [h[-1][1] if h else math.nan for h in self.history]

    @property
    def held(self) -> list[float]:
        """Each model's latest PSNR on hidden pixels (NaN without --holdout)."""
        return [h[-1][1] if h else math.nan for h in self.held_history]

    def score(self, k: int, painted: np.ndarray, x: float) -> None:
        """Model k's painting of the training raster, at x epochs."""
        self.history[k].append((x, psnr(painted, self.target, self.trained_on)))
        if self.held_out is not None:
            self.held_history[k].append((x, psnr(painted, self.target, self.held_out)))

    def titles(self) -> list[str]:
        """Panel titles: the network, then its parameter count and latest PSNR."""
        out = []
        for name, count, p, h in zip(self.names, self.counts, self.psnrs, self.held):
            score = f"{p:.1f} dB" if self.held_out is None else f"{p:.1f} dB, hidden {h:.1f} dB"
            out.append(f"{name}\n{count:,} parameters · {score}")
        return out

    def log(self, epoch: str, losses: list[float], seconds: float) -> list[dict]:
        """The log rows of the frame just scored, one per model, kept in `rows` too."""
        psnrs, held = self.psnrs, self.held
        rows = [
            {
                "epoch": epoch,
                "network": self.specs[k],
                "parameters": self.counts[k],
                "loss": f"{loss:.6g}",
                "psnr": f"{psnrs[k]:.3f}",
                "holdout_psnr": "" if self.held_out is None else f"{held[k]:.3f}",
                "seconds": f"{seconds:.3f}",
            }
            for k, loss in enumerate(losses)
        ]
        self.rows += rows
        return rows

    def saved(self, frames: int) -> dict:
        """What a checkpoint keeps of the first `frames` frames, so a resumed run's
        strip and log go on."""
        return {
            "history": [h[:frames] for h in self.history],
            "held_history": [h[:frames] for h in self.held_history],
            "rows": self.rows[: frames * len(self.names)],
        }

    def restore(self, saved: dict) -> None:
        self.history = [[tuple(p) for p in h] for h in saved["history"]]
        self.held_history = [[tuple(p) for p in h] for h in saved["held_history"]]
        self.rows = list(saved["rows"])
