"""Painting: a network's picture of the raster, enlarged, hidden patches outlined."""

from __future__ import annotations

import numpy as np
from PIL import Image

from ..io.target import raster
from ..nets.model import Model, predict

MIN_SIDE = 256  # frames' panels are at least this long on their longer side


def picture(model: Model, width: int, height: int, threads: int = 1) -> np.ndarray:
    """The model's picture of a width x height raster: (h, w, 3) uint8."""
    rgb = predict(model, raster(width, height), threads)
    return (np.clip(rgb, 0.0, 1.0) * 255 + 0.5).astype(np.uint8).reshape(height, width, 3)


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
