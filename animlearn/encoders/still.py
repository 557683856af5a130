"""One picture (PNG, JPEG, WebP, BMP or TIFF) with Pillow, written atomically."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from ..errors import AnimlearnError
from ..io.atomic import replacing

FORMATS = {
    ".png": "PNG",
    ".jpg": "JPEG",
    ".jpeg": "JPEG",
    ".webp": "WEBP",
    ".bmp": "BMP",
    ".tif": "TIFF",
    ".tiff": "TIFF",
}


def check(path: Path) -> Path:
    if path.suffix.lower() not in FORMATS:
        raise AnimlearnError(
            f"{path}: unknown picture format {path.suffix or '(no extension)'!r};"
            " use .png, .jpg, .webp, .bmp or .tif"
        )
    return path


def write(picture: np.ndarray, path: Path) -> None:
    fmt = FORMATS[check(path).suffix.lower()]
    options = {"quality": 95} if fmt in ("JPEG", "WEBP") else {}
    with replacing(path) as tmp:
        Image.fromarray(picture).save(tmp, format=fmt, **options)
