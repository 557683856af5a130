"""Training: epochs for one or more models, side by side.

Every model sees the same pixels in the same shuffled order each epoch. Each
trains in its own thread; the kernels and BLAS release the GIL, so two models
use two cores. Per-sample SGD runs the Numba kernel on features encoded once;
mini-batch optimizers run in optim.py. An epoch runs in chunks so a stop
request or a NaN is seen within it.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from ..errors import Diverged
from ..nets import encoding
from ..nets.model import Model
from . import kernels, optim

CHUNK = 2048  # samples per kernel call: small enough to stop promptly


class Stopped(Exception):
    """Training was asked to stop part-way through an epoch."""


class Trainer:
    """Trains `models` on (coords, colours), an epoch per pass over `epoch_parts()`."""

    def __init__(
        self,
        models: list[Model],
        coords: np.ndarray,
        colours: np.ndarray,
        seed: int,
        cores: int | None = None,
    ):
        """`cores`: how many the models may share (default: all this process may use);
        it changes only the speed, never the numbers."""
        self.models = models
        self.coords = np.ascontiguousarray(coords, dtype=np.float32)
        self.colours = np.ascontiguousarray(colours, dtype=np.float32)
        self.rng = np.random.default_rng(seed)
        self.stop = threading.Event()
        self.epochs_done = 0
        self._pool = ThreadPoolExecutor(max_workers=max(1, len(models)), thread_name_prefix="train")
        # Fixed encodings are computed once; a grid's features change as it learns.
        self.feats = [None if m.enc.learnable else encoding.encode(m.enc, self.coords) for m in models]
        if cores is None:
            cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
        threads = max(1, cores // len(models))
        self.steppers = [
            None if m.per_sample else optim.Stepper(m, f, self.coords, self.colours, threads)
            for m, f in zip(models, self.feats)
        ]

    def saved(self) -> dict:
        """Where training stands: epochs done and the shuffling stream's state."""
        return {"epochs_done": self.epochs_done, "rng_state": self.rng.bit_generator.state}

    def restore(self, saved: dict) -> None:
        self.epochs_done = saved["epochs_done"]
        self.rng.bit_generator.state = saved["rng_state"]

    def epoch_parts(self, parts: int) -> Iterator[list[float]]:
        """Train every network one epoch in `parts` near-equal slices of one shuffled
        order, yielding after each slice each network's mean squared error per
        channel over that slice, so frames can be painted inside an epoch.

        The updates do not depend on `parts`: only the pauses do. The epoch
        counts as done once the last slice is trained.
        """
        n = len(self.coords)
        order = self.rng.permutation(n).astype(np.int64)
        bounds = np.linspace(0, n, parts + 1).round().astype(np.int64)
        for start, stop in zip(bounds[:-1], bounds[1:]):
            piece = order[start:stop]
            at = self.epochs_done + start / n  # epochs trained before this slice
            jobs = [self._pool.submit(self._run, k, piece, at) for k in range(len(self.models))]
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

    def _run(self, k: int, order: np.ndarray, at: float) -> float:
        model = self.models[k]
        if self.steppers[k] is not None:
            total = self.steppers[k].steps(order, self.stop, at)
        else:
            total = self._per_sample(model, self.feats[k], order, at)
        if not np.isfinite(total):
            self.stop.set()
            raise Diverged(
                f"the {model.name} network diverged (NaN or infinite loss) in epoch "
                f"{self.epochs_done + 1}; try a lower "
                + ("--lr or --lr-scale fan-in" if model.per_sample else "lr= in its --net")
            )
        return total

    def _per_sample(self, model: Model, feats: np.ndarray, order: np.ndarray, at: float) -> float:
        net = model.net
        sizes = net.sizes
        acts = np.zeros(int(sizes.sum()), np.float32)
        delta = np.zeros(int(sizes.max()), np.float32)
        grad = np.zeros(int(sizes.max()), np.float32)
        act, omega = kernels.ACTS.index(net.act), np.float32(net.omega)
        total = 0.0
        for start in range(0, len(order), CHUNK):
            if self.stop.is_set():
                break
            lrs = net.lrs * np.float32(model.spec.rate(1.0, at + start / len(self.coords)))
            total += kernels.sgd_steps(
                net.params,
                sizes,
                lrs,
                feats,
                self.colours,
                order[start : start + CHUNK],
                acts,
                delta,
                grad,
                act,
                omega,
            )
            if not np.isfinite(total):
                break
        return total

    def close(self) -> None:
        self.stop.set()
        self._pool.shutdown(wait=True)
        for stepper in self.steppers:
            if stepper is not None:
                stepper.close()
