"""The one font every caption, title and chart label is drawn in."""

from __future__ import annotations

from functools import lru_cache

from PIL import ImageFont

Font = ImageFont.ImageFont | ImageFont.FreeTypeFont


@lru_cache(maxsize=16)
def font(size: int) -> Font:
    """Pillow's built-in font at `size` px; cached, as text is fitted size by size every frame."""
    return ImageFont.load_default(size=size)


def printable(text: str) -> str:
    """The text with × written x: Pillow's built-in font has no glyph for ×."""
    return text.replace("×", "x")
