"""Training: epochs for one or more models, side by side.

Every model sees the same pixels in the same shuffled order each epoch. The
models train side by side, the cores shared out among them: one model alone gets
them all (a large network's per-sample SGD on a team of threads, sgd.py;
mini-batch optimizers, optim.py), two on two cores get one each. The kernels and
BLAS release the GIL. Per-sample SGD runs on features encoded once. An epoch runs
in chunks so a NaN or a stop is seen within it; a stop also releases a team's
barriers at once.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from ..errors import Diverged
from ..nets import encoding
from ..nets.model import Model
from . import available_cores, optim
from .meet import Stop
from .sgd import PerSample

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
        threads: int | None = None,
    ):
        """`threads`: how many the models may use at once (default: every core this
        process may use); it changes only the speed, never the numbers."""
        self.models = models
        self.coords = np.ascontiguousarray(coords, dtype=np.float32)
        self.colours = np.ascontiguousarray(colours, dtype=np.float32)
        self.rng = np.random.default_rng(seed)
        self.stop = Stop()
        self.epochs_done = 0
        # Fixed encodings are computed once; a grid's features change as it learns.
        self.feats = [None if m.enc.learnable else encoding.encode(m.enc, self.coords) for m in models]
        # Side by side, the cores shared out: deep and shallow on one core each trained
        # the hero 8% faster than in turn on both, painting beside them.
        self.cores = threads or available_cores()
        each = max(1, self.cores // len(models))
        self.steppers = [
            PerSample(m.net, each, self.stop) if m.per_sample
            else optim.Stepper(m, f, self.coords, self.colours, each)
            for m, f in zip(models, self.feats)
        ]  # fmt: skip
        # A team's threads wait for each other inside every sample: one that loses its
        # core to other work stalls them all, so painting should not run beside it.
        self.teamed = any(isinstance(s, PerSample) and s.threads > 1 for s in self.steppers)
        self._pool = ThreadPoolExecutor(len(models), thread_name_prefix="train")

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
        for part, (start, stop) in enumerate(zip(bounds[:-1], bounds[1:]), start=1):
            piece = order[start:stop]
            jobs = [self._pool.submit(self._run, k, piece, int(start)) for k in range(len(self.models))]
            try:
                errors = [job.result() for job in jobs]
            except BaseException:
                self.stop.set()  # let the other threads finish their chunk and leave
                for job in jobs:
                    job.exception()
                raise
            if self.stop.is_set():
                raise Stopped
            if part == parts:  # not at the first slice to end at n: with more parts than pixels, several do
                self.epochs_done += 1
            yield [e / (max(1, len(piece)) * self.colours.shape[1]) for e in errors]

    def _run(self, k: int, order: np.ndarray, start: int) -> float:
        """Train model k on `order`, the part of this epoch's order from `start` on."""
        model, stepper = self.models[k], self.steppers[k]
        if isinstance(stepper, PerSample):
            total = self._per_sample(k, stepper, order, start)
        else:
            total = stepper.steps(order, self.stop, self.epochs_done + start / len(self.coords))
        if not np.isfinite(total):
            self.stop.set()
            raise Diverged(
                f"the {model.name} network diverged (NaN or infinite loss) in epoch "
                f"{self.epochs_done + 1}; try a lower "
                + ("--lr or --lr-scale fan-in" if model.per_sample else "lr= in its --net")
            )
        return total

    def _per_sample(self, k: int, stepper: PerSample, order: np.ndarray, start: int) -> float:
        """Chunks fall on multiples of CHUNK within the epoch, each at the rate of its
        start, so where the epoch is cut into parts changes nothing."""
        model, feats, n = self.models[k], self.feats[k], len(self.coords)
        cuts = [start, *range(start - start % CHUNK + CHUNK, start + len(order), CHUNK), start + len(order)]
        total = 0.0
        for a, b in zip(cuts[:-1], cuts[1:]):
            if self.stop.is_set():
                break
            epochs = self.epochs_done + (a - a % CHUNK) / n
            lrs = model.net.lrs * np.float32(model.rate(epochs))
            total += stepper.steps(feats, self.colours, order[a - start : b - start], lrs)
            if not np.isfinite(total):
                break
        return total

    def close(self) -> None:
        self.stop.set()
        self._pool.shutdown(wait=True)
        for stepper in self.steppers:
            stepper.close()
