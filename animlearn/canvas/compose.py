"""Composing: panels, their titles, a chart and a caption -> one RGB frame."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw

from .fonts import font

BACKGROUND = (255, 255, 255)
INK = (40, 40, 40)
GAP = 6  # px between panels


def columns(n: int) -> int:
    """Panels per row: one row up to four, then a near-square grid."""
    return n if n <= 4 else math.ceil(n / math.ceil(n / 4))


@dataclass
class Composer:
    """Lays panels out in a row (a grid when there are many), each with its title
    above (one or more lines); then an optional strip and a caption below."""

    titles: list[str]
    panel_width: int
    panel_height: int
    captions: bool = True
    font_size: int = 13
    strip_height: int = 0

    def __post_init__(self) -> None:
        self.line_height = self.font_size + 4
        lines = max(t.count("\n") + 1 for t in self.titles)
        self.title_height = lines * self.line_height + 4 if self.captions else 0
        self.caption_height = self.font_size + 8 if self.captions else 0
        self.columns = columns(len(self.titles))
        rows = math.ceil(len(self.titles) / self.columns)
        self.cell_height = self.title_height + self.panel_height
        self.width = self.columns * self.panel_width + (self.columns - 1) * GAP
        self.strip_top = rows * self.cell_height + (rows - 1) * GAP
        self.height = self.strip_top + self.strip_height + self.caption_height

    def compose(
        self,
        panels: list[np.ndarray],
        caption: str = "",
        strip: np.ndarray | None = None,
        titles: list[str] | None = None,
    ) -> np.ndarray:
        """One frame: (height, width, 3) uint8; `strip` is (strip_height, width, 3);
        `titles` replace the first panels' titles for this frame (same line count)."""
        titles = (titles or []) + self.titles[len(titles or []) :]
        frame = Image.new("RGB", (self.width, self.height), BACKGROUND)
        draw = ImageDraw.Draw(frame)
        for k, (panel, title) in enumerate(zip(panels, titles)):
            row, col = divmod(k, self.columns)
            x, y = col * (self.panel_width + GAP), row * (self.cell_height + GAP)
            frame.paste(Image.fromarray(panel), (x, y + self.title_height))
            if self.captions:
                for n, line in enumerate(title.split("\n")):
                    cy = y + 2 + (n + 0.5) * self.line_height
                    self._text(draw, line, x + self.panel_width / 2, cy, self.panel_width)
        if strip is not None:
            frame.paste(Image.fromarray(strip), (0, self.strip_top))
        if self.captions and caption:
            self._text(draw, caption, self.width / 2, self.height - self.caption_height / 2, self.width)
        return np.asarray(frame)

    def _text(self, draw: ImageDraw.ImageDraw, text: str, cx: float, cy: float, room: float) -> None:
        """Centred text, shrunk to fit `room` px if it must."""
        size = self.font_size
        while size > 7 and draw.textlength(text, font=font(size)) > room - 4:
            size -= 1
        draw.text((cx, cy), text, fill=INK, font=font(size), anchor="mm")
