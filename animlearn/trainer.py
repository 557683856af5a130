"""Training: per-sample SGD epochs for one or more networks, side by side.

Every network sees the same pixels in the same shuffled order each epoch. Each
trains in its own thread; the kernels release the GIL, so two networks use two
cores. An epoch runs in chunks so a stop request or a NaN is seen within it.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from . import kernels
from .errors import Diverged
from .network import Network

CHUNK = 2048  # samples per kernel call: small enough to stop promptly


class Stopped(Exception):
    """Training was asked to stop part-way through an epoch."""


class Trainer:
    """Trains `nets` on (coords, colours), one epoch per call to `epoch()`."""

    def __init__(self, nets: list[Network], coords: np.ndarray, colours: np.ndarray, seed: int):
        self.nets = nets
        self.coords = np.ascontiguousarray(coords, dtype=np.float32)
        self.colours = np.ascontiguousarray(colours, dtype=np.float32)
        self.rng = np.random.default_rng(seed)
        self.stop = threading.Event()
        self.epochs_done = 0
        self._pool = ThreadPoolExecutor(max_workers=max(1, len(nets)), thread_name_prefix="train")

    def epoch(self) -> list[float]:
        """Train every network one epoch; returns each one's mean squared error
        per channel over the epoch (measured before each update)."""
        *_, losses = self.epoch_parts(1)
        return losses

    def epoch_parts(self, parts: int) -> Iterator[list[float]]:
        """Train every network one epoch in `parts` near-equal slices of one shuffled
        order, yielding after each slice each network's mean squared error per
        channel over that slice, so frames can be painted inside an epoch.

        The updates are the same as `epoch()`'s: only the pauses differ. The epoch
        counts as done once the last slice is trained.
        """
        n = len(self.coords)
        order = self.rng.permutation(n).astype(np.int64)
        bounds = np.linspace(0, n, parts + 1).round().astype(np.int64)
        for start, stop in zip(bounds[:-1], bounds[1:]):
            piece = order[start:stop]
            jobs = [self._pool.submit(self._run, net, piece) for net in self.nets]
            try:
                errors = [job.result() for job in jobs]
            except BaseException:
                self.stop.set()  # let the other threads finish their chunk and leave
                for job in jobs:
                    job.exception()
                raise
            if self.stop.is_set():
                raise Stopped
            if stop == n:
                self.epochs_done += 1
            yield [e / (max(1, len(piece)) * self.colours.shape[1]) for e in errors]

    def _run(self, net: Network, order: np.ndarray) -> float:
        sizes = net.sizes
        acts = np.zeros(int(sizes.sum()), np.float32)
        delta = np.zeros(int(sizes.max()), np.float32)
        grad = np.zeros(int(sizes.max()), np.float32)
        act, omega = kernels.ACTS.index(net.act), np.float32(net.omega)
        total = 0.0
        for start in range(0, len(order), CHUNK):
            if self.stop.is_set():
                break
            total += kernels.sgd_steps(
                net.params,
                sizes,
                net.lrs,
                self.coords,
                self.colours,
                order[start : start + CHUNK],
                acts,
                delta,
                grad,
                act,
                omega,
            )
            if not np.isfinite(total):
                self.stop.set()
                raise Diverged(
                    f"the {net.name} network diverged (NaN or infinite loss) in epoch "
                    f"{self.epochs_done + 1}; try a lower --lr or --lr-scale fan-in"
                )
        return total

    def close(self) -> None:
        self.stop.set()
        self._pool.shutdown(wait=True)
