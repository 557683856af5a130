"""The target picture: load it, orient it, size it, and turn it into training data."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from ..errors import AnimlearnError
from . import EVERY_OTHER

# More pixels than this are scaled down for training, even with --size 0:
# the frames and the epochs of a 24-megapixel photo would not fit a laptop.
MAX_PIXELS = 4_000_000


@dataclass
class Target:
    """A picture as training data: one example per pixel."""

    pixels: np.ndarray  # (h, w, 3) uint8
    notes: list[str] = field(default_factory=list)  # what was done to the picture, for the user

    @property
    def height(self) -> int:
        return self.pixels.shape[0]

    @property
    def width(self) -> int:
        return self.pixels.shape[1]

    @property
    def coords(self) -> np.ndarray:
        """(N, 2) float32 inputs (col/(w-1), row/(h-1)), row-major pixel order."""
        return raster(self.width, self.height)

    @property
    def colours(self) -> np.ndarray:
        """(N, 3) float32 targets RGB/255, in the same order as `coords`."""
        return (self.pixels.reshape(-1, 3) / np.float32(255)).astype(np.float32)


def raster(width: int, height: int) -> np.ndarray:
    """Coordinates of a width x height raster over [0, 1]^2, row-major.

    Any raster of the same picture maps onto the same square, so a network
    trained at one size can be painted at another.
    """
    xs = np.linspace(0, 1, width, dtype=np.float32) if width > 1 else np.zeros(1, np.float32)
    ys = np.linspace(0, 1, height, dtype=np.float32) if height > 1 else np.zeros(1, np.float32)
    cols, rows = np.meshgrid(xs, ys)
    return np.stack([cols.ravel(), rows.ravel()], axis=1)


def open_rgb(path: str | Path, notes: list[str] | None = None) -> Image.Image:
    """Open any picture Pillow reads, EXIF orientation applied, as RGB.

    Transparent areas are composited over white; for a picture with several
    frames (GIF, WebP, TIFF) the first is used, and a note says so.
    """
    path = Path(path)
    notes = [] if notes is None else notes
    if not path.exists():
        raise AnimlearnError(f"{path}: no such file; check the path to the picture")
    if path.is_dir():
        raise AnimlearnError(f"{path}: is a folder; give a picture file")
    try:
        with Image.open(path) as im:
            if getattr(im, "n_frames", 1) > 1:
                notes.append(f"{path.name} has {im.n_frames} frames; using the first")
            im.seek(0)
            if im.format == "JPEG" and im.width * im.height > 4 * MAX_PIXELS:
                im.draft("RGB", (im.width // 2, im.height // 2))  # decode big JPEGs smaller
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
    except Image.DecompressionBombError as e:
        raise AnimlearnError(f"{path}: too many pixels to decode safely; use a smaller picture") from e
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as e:
        raise AnimlearnError(f"{path}: not a readable picture ({_short(e)}); check the file") from e
    return im


def _wide_to_rgb(im: Image.Image) -> Image.Image:
    """16-bit or float grey to 8-bit, scaled by the mode's full range."""
    a = np.asarray(im, dtype=np.float64)
    top = 1.0 if im.mode == "F" else (65535.0 if im.mode.startswith("I;16") or a.max() > 255 else 255.0)
    grey = np.clip(a / top * 255 + 0.5, 0, 255).astype(np.uint8)
    return Image.fromarray(grey).convert("RGB")


def _short(e: BaseException) -> str:
    return str(e).splitlines()[0] if str(e) else type(e).__name__


def fitted(width: int, height: int, size: int) -> tuple[int, int]:
    """(width, height) scaled so the longer side is `size` px, aspect kept."""
    scale = size / max(width, height)
    return max(1, round(width * scale)), max(1, round(height * scale))


def fit(im: Image.Image, size: int) -> Image.Image:
    """Scale so the longer side is `size` px (aspect kept); 0 keeps the picture as is."""
    if size <= 0 or max(im.size) == size:
        return im
    return im.resize(fitted(*im.size, size), Image.Resampling.LANCZOS)


def load(path: str | Path, size: int) -> Target:
    """The picture at `path` as a Target, its longer side `size` px (0: as is),
    never more than MAX_PIXELS pixels."""
    notes: list[str] = []
    im = open_rgb(path, notes)
    width, height = fitted(*im.size, size) if size > 0 else im.size
    large = width * height > MAX_PIXELS  # capped before scaling: a huge --size is never made
    if large:
        what = f"--size {size} is large" if size > max(im.size) else f"{Path(path).name} is large"
        size = int(max(width, height) * (MAX_PIXELS / (width * height)) ** 0.5)
    im = fit(im, size)
    if large:
        notes.append(f"{what}; training at {im.width}×{im.height} ({MAX_PIXELS:,} px at most)")
    return Target(np.asarray(im, dtype=np.uint8).copy(), notes)


@dataclass(frozen=True)
class Holdout:
    """Which pixels the networks learn from, and which are scored as hidden."""

    trained: np.ndarray  # (h, w) bool
    tested: np.ndarray  # (h, w) bool, never trained on
    patches: bool  # square patches, outlined on the frames; every-other's lattice is not


def holdout(width: int, height: int, kind: float | str, rng: np.random.Generator) -> Holdout | None:
    """None for 0. A fraction: square patches an eighth of the shorter side, about that
    much of the picture, hidden. 'every-other': the protocol of Tancik et al. 2020,
    train on pixels [::2, ::2] and test on [1::2, 1::2]."""
    if kind == EVERY_OTHER:
        trained, tested = np.zeros((2, height, width), dtype=bool)
        trained[::2, ::2] = True
        tested[1::2, 1::2] = True
        if not tested.any():
            raise AnimlearnError(
                f"--holdout {kind}: a {width}×{height} picture has no pixel to test; use more"
            )
        return Holdout(trained, tested, patches=False)
    mask = _patches(width, height, float(kind), rng)
    return None if mask is None else Holdout(~mask, mask, patches=True)


def _patches(width: int, height: int, fraction: float, rng: np.random.Generator) -> np.ndarray | None:
    if fraction <= 0:
        return None
    side = max(1, round(min(width, height) / 8))
    mask = np.zeros((height, width), dtype=bool)
    while mask.mean() < fraction:
        x, y = rng.integers(0, width - side + 1), rng.integers(0, height - side + 1)
        mask[y : y + side, x : x + side] = True
    if mask.all():
        raise AnimlearnError(f"--holdout {fraction:g}: hides the whole {width}×{height} picture; give less")
    return mask
