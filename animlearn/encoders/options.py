"""The options every animation format takes, and what the frames show for the formats that say it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace


@dataclass(frozen=True)
class Series:
    """One line of a chart: (epoch, dB) points."""

    name: str
    points: tuple[tuple[float, float], ...]
    dashed: bool = False  # scores on the hidden pixels


@dataclass(frozen=True)
class About:
    """What the frames are, for a format that can show it beside them (the HTML player);
    the others ignore it. Plain data: the encoders need know nothing of training."""

    moments: tuple[float, ...]  # each frame's epoch
    labels: tuple[str, ...]  # ... as the captions name it: '12', '0.25'
    series: tuple[Series, ...] = ()  # every score, not only the frames'
    settings: tuple[tuple[str, str], ...] = ()  # (name, value) of the run's settings
    title: str = ""

    def picked(self, picks: Sequence[int]) -> About:
        """The same for the frames at `picks` only (fit.py's dropped frames)."""
        return replace(
            self, moments=tuple(self.moments[k] for k in picks), labels=tuple(self.labels[k] for k in picks)
        )


@dataclass(frozen=True)
class Options:
    fps: float = 25.0
    hold: float = 2.0  # extra seconds on the last frame before the loop restarts
    quality: int = 80  # 0-100; each format maps it onto its own knob
    max_size: int | None = None  # bytes an output is held under; None: the format's default cap
    about: About | None = None  # None: frames made elsewhere (animlearn encode)
