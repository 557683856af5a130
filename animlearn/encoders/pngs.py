"""Every frame as a PNG in a folder, named so that sorting the names gives time order."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
from PIL import Image

from ..io.atomic import replacing


def name(index: int, count: int) -> str:
    return f"frame_{index:0{max(5, len(str(count)))}d}.png"


def write(frames: Sequence[np.ndarray], folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for k, frame in enumerate(frames, start=1):
        with replacing(folder / name(k, len(frames))) as tmp:
            Image.fromarray(frame).save(tmp, format="PNG")
