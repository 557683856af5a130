"""The target picture: load it, orient it, size it, and turn it into training data."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from .errors import AnimlearnError


@dataclass
class Target:
    """A picture as training data: one example per pixel."""

    pixels: np.ndarray  # (h, w, 3) uint8

    @property
    def height(self) -> int:
        return self.pixels.shape[0]

    @property
    def width(self) -> int:
        return self.pixels.shape[1]

    @property
    def coords(self) -> np.ndarray:
        """(N, 2) float32 inputs (col/(w-1), row/(h-1)), row-major pixel order."""
        return grid(self.width, self.height)

    @property
    def colours(self) -> np.ndarray:
        """(N, 3) float32 targets RGB/255, in the same order as `coords`."""
        return (self.pixels.reshape(-1, 3) / np.float32(255)).astype(np.float32)


def grid(width: int, height: int) -> np.ndarray:
    """Coordinates of a width x height raster over [0, 1]^2, row-major.

    Any raster of the same picture maps onto the same square, so a network
    trained at one size can be painted at another.
    """
    xs = np.linspace(0, 1, width, dtype=np.float32) if width > 1 else np.zeros(1, np.float32)
    ys = np.linspace(0, 1, height, dtype=np.float32) if height > 1 else np.zeros(1, np.float32)
    cols, rows = np.meshgrid(xs, ys)
    return np.stack([cols.ravel(), rows.ravel()], axis=1)


def open_rgb(path: str | Path) -> Image.Image:
    """Open any picture Pillow reads, EXIF orientation applied, as RGB."""
    path = Path(path)
    if not path.exists():
        raise AnimlearnError(f"{path}: no such file; check the path to the picture")
    if path.is_dir():
        raise AnimlearnError(f"{path}: is a folder; give a picture file")
    try:
        with Image.open(path) as im:
            im.seek(0)
            im = ImageOps.exif_transpose(im)
            if im.mode in ("RGBA", "LA", "PA") or (im.mode == "P" and "transparency" in im.info):
                # Transparent areas become white: the background the frames use.
                rgba = im.convert("RGBA")
                im = Image.new("RGB", rgba.size, (255, 255, 255))
                im.paste(rgba, mask=rgba.getchannel("A"))
            elif im.mode.startswith("I;16") or im.mode in ("I", "F"):
                im = _wide_to_rgb(im)
            else:
                im = im.convert("RGB")
            im.load()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as e:
        raise AnimlearnError(f"{path}: not a readable picture ({_short(e)})") from e
    except Image.DecompressionBombError as e:
        raise AnimlearnError(f"{path}: too many pixels for a safe decode ({_short(e)})") from e
    return im


def _wide_to_rgb(im: Image.Image) -> Image.Image:
    """16-bit or float grey to 8-bit, scaled by the mode's full range."""
    a = np.asarray(im, dtype=np.float64)
    top = 1.0 if im.mode == "F" else (65535.0 if im.mode.startswith("I;16") or a.max() > 255 else 255.0)
    grey = np.clip(a / top * 255 + 0.5, 0, 255).astype(np.uint8)
    return Image.fromarray(grey).convert("RGB")


def _short(e: BaseException) -> str:
    return str(e).splitlines()[0] if str(e) else type(e).__name__


def fit(im: Image.Image, size: int) -> Image.Image:
    """Scale so the longer side is `size` px (aspect kept); 0 keeps the picture as is."""
    if size <= 0 or max(im.size) == size:
        return im
    w, h = im.size
    scale = size / max(w, h)
    new = (max(1, round(w * scale)), max(1, round(h * scale)))
    return im.resize(new, Image.Resampling.LANCZOS)


def load(path: str | Path, size: int) -> Target:
    """The picture at `path` as a Target, its longer side `size` px (0: as is)."""
    return Target(np.asarray(fit(open_rgb(path), size), dtype=np.uint8).copy())
