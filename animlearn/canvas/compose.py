"""Painting and composing: networks' pictures, panels, titles, caption -> one RGB frame."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from ..io.target import grid
from ..nets.model import Model, predict

BACKGROUND = (255, 255, 255)
INK = (40, 40, 40)
GAP = 6  # px between panels
MIN_SIDE = 256  # frames' panels are at least this long on their longer side


def paint(model: Model, width: int, height: int) -> np.ndarray:
    """The model's picture of a width x height raster: (h, w, 3) uint8."""
    rgb = predict(model, grid(width, height))
    return (np.clip(rgb, 0.0, 1.0) * 255 + 0.5).astype(np.uint8).reshape(height, width, 3)


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


def _erode(mask: np.ndarray) -> np.ndarray:
    """Pixels of `mask` whose four neighbours are all in it too."""
    m = np.pad(mask, 1)
    return mask & m[:-2, 1:-1] & m[2:, 1:-1] & m[1:-1, :-2] & m[1:-1, 2:]


def outline(picture: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """The picture with the border of the masked (h, w) region drawn white, then
    black inside it, so hidden patches show on light and dark paintings alike."""
    once = _erode(mask)
    out = picture.copy()
    out[mask & ~once] = 255
    out[once & ~_erode(once)] = 0
    return out


def upscale_factor(width: int, height: int) -> int:
    """Integer factor that brings the longer side to at least MIN_SIDE px."""
    return max(1, -(-MIN_SIDE // max(width, height)))


def enlarge(picture: np.ndarray, k: int) -> np.ndarray:
    """Scale a picture up k times, smoothly (painting at k times the size
    would cost k^2 forward passes per frame)."""
    if k == 1:
        return picture
    h, w = picture.shape[:2]
    return np.asarray(Image.fromarray(picture).resize((w * k, h * k), Image.Resampling.BICUBIC))


def _font(size: int) -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    return ImageFont.load_default(size=size)


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
        self.font = _font(self.font_size)
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
        text = text.replace("×", "x")  # Pillow's built-in font has no glyph for ×
        size = self.font_size
        font = self.font
        while size > 7 and draw.textlength(text, font=font) > room - 4:
            size -= 1
            font = _font(size)
        draw.text((cx, cy), text, fill=INK, font=font, anchor="mm")
