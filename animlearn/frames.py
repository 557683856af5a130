"""Painting and composing: networks' pictures, panels, titles, caption -> one RGB frame."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from .network import Network, predict
from .target import grid

BACKGROUND = (255, 255, 255)
INK = (40, 40, 40)
GAP = 6  # px between panels
MIN_SIDE = 256  # frames' panels are at least this long on their longer side


def paint(net: Network, width: int, height: int) -> np.ndarray:
    """The network's picture of a width x height raster: (h, w, 3) uint8."""
    rgb = predict(net, grid(width, height))
    return (np.clip(rgb, 0.0, 1.0) * 255 + 0.5).astype(np.uint8).reshape(height, width, 3)


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    """Peak signal-to-noise ratio of two uint8 pictures, in dB."""
    mse = np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2) / 255.0**2
    return float("inf") if mse == 0 else float(10 * np.log10(1.0 / mse))


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


@dataclass
class Composer:
    """Lays panels out in a row, with titles above and a caption below."""

    titles: list[str]
    panel_width: int
    panel_height: int
    captions: bool = True
    font_size: int = 13

    def __post_init__(self) -> None:
        self.font = _font(self.font_size)
        self.text_height = self.font_size + 8 if self.captions else 0
        n = len(self.titles)
        self.width = n * self.panel_width + (n - 1) * GAP
        self.height = self.panel_height + 2 * self.text_height

    def compose(self, panels: list[np.ndarray], caption: str = "") -> np.ndarray:
        """One frame: (height, width, 3) uint8."""
        frame = Image.new("RGB", (self.width, self.height), BACKGROUND)
        draw = ImageDraw.Draw(frame)
        for k, (panel, title) in enumerate(zip(panels, self.titles)):
            x = k * (self.panel_width + GAP)
            frame.paste(Image.fromarray(panel), (x, self.text_height))
            if self.captions:
                self._text(draw, title, x + self.panel_width / 2, self.text_height / 2, self.panel_width)
        if self.captions and caption:
            self._text(draw, caption, self.width / 2, self.height - self.text_height / 2, self.width)
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
