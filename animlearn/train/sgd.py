"""One network's per-sample SGD on a team of threads (kernels.py, shallow.py).

The calling thread is the team's first member; the others are kept in a pool,
so a kernel call starts them with no new threads. A member that fails raises
the stop word first, so the others leave their barriers instead of waiting.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from ..nets.network import Network
from . import kernels, layers, shallow
from .meet import Stop, team_flags


class Team:
    """`threads` threads that run each call of a kernel together."""

    def __init__(self, threads: int):
        self.threads = threads
        self._pool = ThreadPoolExecutor(threads - 1, thread_name_prefix="team") if threads > 1 else None

    def run(self, member: Callable[[int], float], stop: Stop) -> float:
        """member(0), ..., member(threads - 1) at once; the first one's result."""

        def guarded(me: int) -> float:
            try:
                return member(me)
            except BaseException:
                stop.set()
                raise

        others = [self._pool.submit(guarded, me) for me in range(1, self.threads)] if self._pool else []
        try:
            total = guarded(0)
        finally:
            for job in others:
                job.exception()  # every member has left before anything is raised
        for job in others:
            job.result()
        return total

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True)


def fused(sizes: np.ndarray, act: str) -> bool:
    """Whether the one-sweep kernel for 2 -> n -> 3 leaky ReLU nets applies."""
    return len(sizes) == 3 and sizes[0] == 2 and sizes[2] == 3 and act == "leaky"


class PerSample:
    """Per-sample SGD of `net` on `threads` threads (at most its slices; see kernels.cuts).
    The thread count changes only the speed: the cuts fix the numbers."""

    def __init__(self, net: Network, threads: int, stop: Stop, slices: int | None = None):
        self.net, self.stop = net, stop
        sizes = net.sizes
        self.bounds = kernels.cuts(sizes, slices)
        count = self.bounds.shape[1] - 1
        self.team = Team(max(1, min(threads, count)))
        self.act = layers.ACTS.index(net.act)
        self.fused = fused(sizes, net.act)
        self.acts = np.zeros(int(sizes.sum()), np.float32)
        self.partial = np.zeros(count * int(sizes.sum()), np.float32)
        self.sums = np.zeros((2, count, int(sizes[-1])), np.float32)
        self.flags = team_flags(self.team.threads)

    @property
    def threads(self) -> int:
        return self.team.threads

    def steps(self, X: np.ndarray, Y: np.ndarray, order: np.ndarray, lrs: np.ndarray) -> float:
        """One update per sample of `order`, in order, at per-layer rates `lrs`; the
        summed squared error of the samples before their updates."""
        self.flags[:] = 0
        net, T = self.net, self.team.threads
        shared = (self.bounds, self.acts)
        if self.fused:
            run = lambda me: shallow.sgd_shallow(  # noqa: E731
                net.params, net.sizes, lrs, X, Y, order, *shared, self.sums, self.flags, self.stop.word, me, T
            )
        else:
            omega = np.float32(net.omega)
            run = lambda me: kernels.sgd_deep(  # noqa: E731
                net.params, net.sizes, lrs, X, Y, order, self.act, omega, *shared,
                self.partial, self.sums, self.flags, self.stop.word, me, T,
            )  # fmt: skip
        return self.team.run(run, self.stop)

    def close(self) -> None:
        self.team.close()
