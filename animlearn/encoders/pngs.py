"""Every frame as a PNG in a folder, named so that sorting the names gives time order."""

from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np
from PIL import Image

from ..errors import AnimlearnError
from ..io.atomic import replacing


def name(index: int, count: int) -> str:
    return f"frame_{index:0{max(5, len(str(count)))}d}.png"


def holds(folder: Path, path: Path) -> bool:
    """Whether a frame written to `folder` could replace `path`."""
    named = re.fullmatch(r"frame_\d{5,}\.png", path.name) is not None
    return named and os.path.realpath(path.parent) == os.path.realpath(folder)


class Folder:
    """Frames added one at a time, as they are painted, each file written whole
    (to a temporary file, then renamed). `count`: how many frames the run makes,
    for the width of the numbers in the names."""

    def __init__(self, folder: Path, count: int):
        self.folder, self.count, self.added = folder, count, 0
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise self._unwritable(e) from e

    def _unwritable(self, e: OSError) -> AnimlearnError:
        return AnimlearnError(
            f"--frames {self.folder}: could not write ({e.strerror or e}); choose another folder"
        )

    def add(self, frame: np.ndarray) -> None:
        self.added += 1
        try:
            with replacing(self.folder / name(self.added, self.count)) as tmp:
                Image.fromarray(frame).save(tmp, format="PNG")
        except OSError as e:
            raise self._unwritable(e) from e
