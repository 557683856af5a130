"""animlearn: watch a neural network learn to paint a picture."""

from __future__ import annotations

from typing import TYPE_CHECKING

__version__ = "0.1.0"

if TYPE_CHECKING:
    from .painting import paint
    from .pipeline import render


def __getattr__(name: str):
    # Lazy, so `animlearn --help` does not pay for numba and numpy.
    if name == "render":
        from .pipeline import render

        return render
    if name == "paint":
        from .painting import paint

        return paint
    raise AttributeError(name)


__all__ = ["paint", "render", "__version__"]
