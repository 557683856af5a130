"""animlearn: watch a neural network learn to paint a picture."""

from __future__ import annotations

from typing import TYPE_CHECKING

__version__ = "0.1.0"

if TYPE_CHECKING:
    from .api import paint, render
    from .assemble import encode
    from .study.sweep import sweep


def __getattr__(name: str):
    # Lazy, so `animlearn --help` does not pay for numba and numpy.
    if name in ("render", "paint"):
        from . import api

        return getattr(api, name)
    if name == "encode":
        from .assemble import encode

        return encode
    if name == "sweep":
        from .study.sweep import sweep

        return sweep
    raise AttributeError(name)


__all__ = ["encode", "paint", "render", "sweep", "__version__"]
