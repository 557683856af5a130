"""Animated GIF with Pillow: one shared palette, no dithering, loops forever."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
from PIL import Image

from .atomic import replacing

PALETTE_SAMPLES = 16  # frames, spread over the run, that the palette is built from


def palette(frames: Sequence[np.ndarray]) -> Image.Image:
    """A 255-colour palette from frames spread over the whole run.

    One palette for every frame keeps colours from flickering and lets Pillow
    store only what changed; 255 rather than 256 leaves it an index for
    transparency.
    """
    n = len(frames)
    picks = sorted({round(k * (n - 1) / max(1, PALETTE_SAMPLES - 1)) for k in range(PALETTE_SAMPLES)})
    sheet = np.concatenate([frames[k] for k in picks], axis=0)
    return Image.fromarray(sheet).quantize(colors=255, method=Image.Quantize.MEDIANCUT)


def write(frames: Sequence[np.ndarray], path: Path, options) -> None:
    pal = palette(frames)
    duration = max(20, round(1000 / options.fps))
    images = (Image.fromarray(f).quantize(palette=pal, dither=Image.Dither.NONE) for f in frames)
    first = next(images)
    with replacing(path) as tmp:
        first.save(tmp, format="GIF", save_all=True, append_images=images, duration=duration, loop=0)
