"""Animated WebP with Pillow: lossy, loops forever, one frame decoded at a time."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
from PIL import Image

from .options import Options

MAX_FPS: float | None = 50  # browsers play frames shorter than 20 ms at 100 ms
METHOD = 4  # libwebp's effort, 0-6: 4 is its own default, a fair size for the time


class _Sequence(Image.Image):
    """The frames as one multi-frame image that makes a frame only when seeked.

    Pillow's WebP writer lists its `append_images` before encoding; handing it one
    lazy sequence instead keeps a single RGB frame in memory, not all of them.
    """

    def __init__(self, frames: Sequence[np.ndarray]):
        super().__init__()
        self._frames = frames
        self.n_frames = len(frames)
        self._index = -1
        self.seek(0)

    def seek(self, index: int) -> None:
        if index != self._index:
            frame = Image.fromarray(np.ascontiguousarray(self._frames[index]))
            self.im, self._mode, self._size = frame.im, frame.mode, frame.size
            self._index = index

    def tell(self) -> int:
        return self._index


def write(frames: Sequence[np.ndarray], path: Path, options: Options) -> None:
    step = 1000 / options.fps  # Pillow rounds the running sum, so no drift
    durations = [step] * len(frames)
    durations[-1] += 1000 * options.hold
    _Sequence(frames).save(
        path,
        format="WEBP",
        save_all=True,
        duration=durations,
        loop=0,
        quality=options.quality,
        method=METHOD,
    )
