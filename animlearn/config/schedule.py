"""Frame schedules: at which moments of training a frame is painted.

Moments lie on a grid of 1/K epoch (K = frames per epoch, 1 by default); step g
of the grid is epoch g/K. A schedule picks grid steps, always ending at the last
one, so the final picture is in every animation.
"""

from __future__ import annotations

from fractions import Fraction

SCHEDULES = ("every", "log")
LOG_EVERY = 5  # --schedule log keeps one step in this many unless --every says otherwise


def frame_steps(epochs: int, frames_per_epoch: int = 1, every: int = 1, schedule: str = "every") -> list[int]:
    """The grid steps (1 .. epochs * frames_per_epoch) that get a frame, ascending.

    'every': every `every`-th step, and the last. 'log': as many frames as
    'every' would give, spaced geometrically: every step at first, ever sparser
    later, since early training changes the picture most.
    """
    total = epochs * frames_per_epoch
    even = list(range(every, total + 1, every))
    if not even or even[-1] != total:
        even.append(total)
    if schedule == "every":
        return even
    return _geometric(total, len(even))


def _geometric(total: int, count: int) -> list[int]:
    """`count` distinct steps from 1 to `total`, each about the same ratio above the last."""
    if count == 1:
        return [total]
    picked = [1]
    for k in range(1, count):
        left = count - k  # steps still to place, this one included
        ratio = (total / picked[-1]) ** (1 / left)
        # at least one step on, and room left for the ones after this
        picked.append(min(max(picked[-1] + 1, round(picked[-1] * ratio)), total - left + 1))
    return picked


def epoch_label(step: int, frames_per_epoch: int) -> str:
    """The epoch a step stands for, as a caption shows it: '12', '0.25', '1.333'."""
    epoch = Fraction(step, frames_per_epoch)
    if epoch.denominator == 1:
        return str(epoch.numerator)
    return f"{float(epoch):.3f}".rstrip("0")
