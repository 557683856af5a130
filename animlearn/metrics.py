"""Scores: each model's PSNR on trained and on hidden pixels, over time, and the
rows of the --log file."""

from __future__ import annotations

import math

import numpy as np

from .frames import psnr
from .model import Model


class Scoreboard:
    def __init__(self, models: list[Model], target: np.ndarray, hidden: np.ndarray | None):
        self.names = [m.name for m in models]
        self.specs = [m.spec.text() for m in models]
        self.counts = [m.learnable for m in models]
        self.target = target
        self.hidden = hidden  # (h, w) bool: pixels never trained on, or None
        self.trained = None if hidden is None else ~hidden
        self.psnrs = [math.nan] * len(models)  # latest, on trained pixels
        self.held = [math.nan] * len(models)  # latest, on hidden pixels
        self.history: list[list[tuple[float, float]]] = [[] for _ in models]
        self.held_history: list[list[tuple[float, float]]] = [[] for _ in models]
        self.rows: list[dict] = []

    def score(self, k: int, painted: np.ndarray, x: float) -> None:
        """Model k's painting of the training raster, at x epochs."""
        self.psnrs[k] = psnr(painted, self.target, self.trained)
        self.history[k].append((x, self.psnrs[k]))
        if self.hidden is not None:
            self.held[k] = psnr(painted, self.target, self.hidden)
            self.held_history[k].append((x, self.held[k]))

    def titles(self) -> list[str]:
        """Panel titles: the network, then its parameter count and latest PSNR."""
        out = []
        for name, count, p, h in zip(self.names, self.counts, self.psnrs, self.held):
            score = f"{p:.1f} dB" if self.hidden is None else f"{p:.1f} dB, hidden {h:.1f} dB"
            out.append(f"{name}\n{count:,} parameters · {score}")
        return out

    def log(self, epoch: str, losses: list[float], seconds: float) -> None:
        for k, loss in enumerate(losses):
            self.rows.append(
                {
                    "epoch": epoch,
                    "network": self.specs[k],
                    "parameters": self.counts[k],
                    "loss": f"{loss:.6g}",
                    "psnr": f"{self.psnrs[k]:.3f}",
                    "holdout_psnr": "" if self.hidden is None else f"{self.held[k]:.3f}",
                    "seconds": f"{seconds:.3f}",
                }
            )

    def state(self) -> dict:
        """What a checkpoint keeps, so a resumed run's strip and log go on."""
        return {"history": self.history, "held_history": self.held_history, "rows": self.rows}

    def restore(self, state: dict) -> None:
        self.history = [[tuple(p) for p in h] for h in state["history"]]
        self.held_history = [[tuple(p) for p in h] for h in state["held_history"]]
        self.rows = list(state["rows"])
        for k, h in enumerate(self.history):
            self.psnrs[k] = h[-1][1] if h else math.nan
        for k, h in enumerate(self.held_history):
            self.held[k] = h[-1][1] if h else math.nan
