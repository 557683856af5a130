"""The frame buffer: uint8 frames in memory, spilled to a temporary file past a bound."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator

import numpy as np

# Bytes held in memory before spilling to disk. Reading frames back from the
# temporary file costs little beside encoding them, and a three-panel seed run
# (500 frames of 906 x 471, 640 MB) must stay under 400 MB in all.
DEFAULT_LIMIT = 64 * 1024 * 1024


class FrameBuffer:
    """An append-only sequence of same-shaped (h, w, 3) uint8 frames.

    Up to `limit` bytes stay in memory; the rest go to an unnamed temporary
    file, so a long run's memory stays bounded.
    """

    def __init__(self, limit: int = DEFAULT_LIMIT):
        self.limit = limit
        self.shape: tuple[int, ...] | None = None
        self._memory: list[np.ndarray] = []
        self._file = None
        self._spilled = 0

    def __len__(self) -> int:
        return len(self._memory) + self._spilled

    @property
    def spilled(self) -> bool:
        return self._spilled > 0

    def append(self, frame: np.ndarray) -> None:
        frame = np.ascontiguousarray(frame, dtype=np.uint8)
        if self.shape is None:
            self.shape = frame.shape
        elif frame.shape != self.shape:
            raise ValueError(f"frame shape {frame.shape} differs from {self.shape}")
        if (len(self._memory) + 1) * frame.nbytes <= self.limit and not self._spilled:
            self._memory.append(frame)
            return
        if self._file is None:
            self._file = tempfile.TemporaryFile(prefix="animlearn-frames-")
        self._file.seek(0, 2)
        self._file.write(frame.tobytes())
        self._spilled += 1

    def __getitem__(self, index: int) -> np.ndarray:
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(index)
        if index < len(self._memory):
            return self._memory[index]
        size = int(np.prod(self.shape))
        self._file.seek((index - len(self._memory)) * size)
        return np.frombuffer(self._file.read(size), dtype=np.uint8).reshape(self.shape)

    def __iter__(self) -> Iterator[np.ndarray]:
        for index in range(len(self)):
            yield self[index]

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
        self._memory.clear()
        self._spilled = 0
