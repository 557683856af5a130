"""The one font every caption, title and chart label is drawn in."""

from __future__ import annotations

from functools import lru_cache
from importlib.resources import files

from PIL import ImageFont

# DejaVu Sans cut down to Latin, Greek and a few symbols (× · σ – …); see typeface/README.md.
FACE = files(__package__).joinpath("typeface", "DejaVuSansAnimlearn.ttf")


@lru_cache(maxsize=16)
def font(size: int) -> ImageFont.FreeTypeFont:
    """The face at `size` px; cached, as text is fitted size by size every frame."""
    with FACE.open("rb") as f:
        return ImageFont.truetype(f, size)
