"""The options every animation format takes."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Options:
    fps: float = 25.0
    hold: float = 2.0  # extra seconds on the last frame before the loop restarts
    quality: int = 80  # 0-100; each format maps it onto its own knob
    max_size: int | None = None  # bytes an output is held under; None: the format's default cap
