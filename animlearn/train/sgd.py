"""One network's per-sample SGD on a team of threads (kernels.py, shallow.py).

The calling thread is the team's first member; the others are kept in a pool,
so a kernel call starts them with no new threads. A member that fails raises
the stop word first, so the others leave their barriers instead of waiting.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial

import numpy as np

from ..nets import wide
from ..nets.network import Network
from . import kernels, layers, shallow
from .meet import LINE, Stop, team_flags, team_zeros, unit_starts

PROBE = 16  # calls after the lead changes until the other way is timed afresh
PROBE_MAX = 256  # while the lead holds, the wait doubles up to this many calls


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


class PerSample:
    """Per-sample SGD of `net` on `threads` threads (at most its slices; see kernels.cuts).
    The thread count changes only the speed: the cuts fix the numbers. So each call
    can run on the team or on one thread, whichever has lately been faster: when other
    work takes the cores, a team's threads wait for each other and one thread wins."""

    def __init__(self, net: Network, threads: int, stop: Stop, slices: int | None = None):
        self.net, self.stop = net, stop
        sizes = net.sizes
        self.bounds = kernels.cuts(sizes, slices)
        count = self.bounds.shape[1] - 1
        self.team = Team(max(1, min(threads, count)))
        self.act = layers.ACTS.index(net.act)
        self.fused = wide.applies(sizes, net.act)  # the one-sweep kernel's shape
        room = int(unit_starts(sizes)[-1])  # every layer and slice on lines of its own
        self.acts = team_zeros(room)
        self.shares = team_zeros(count * room)
        self.sums = team_zeros(2, count, -(-int(sizes[-1]) // LINE) * LINE)
        self.flags = team_flags(self.team.threads)
        self.rates: dict[int, float | None] = {self.team.threads: None, 1: None}  # samples/s, lately
        self.calls = 0
        self.lead, self.due, self.every = 0, 0, PROBE  # the faster way; when and how often to probe
        self.warm: set[int] = set()

    @property
    def threads(self) -> int:
        return self.team.threads

    def steps(self, X: np.ndarray, Y: np.ndarray, order: np.ndarray, lrs: np.ndarray) -> float:
        """One update per sample of `order`, in order, at per-layer rates `lrs`; the
        summed squared error of the samples before their updates."""
        self.flags[:] = 0
        threads = self._choose()
        member = partial(self._member, X, Y, order, lrs, threads)
        start = time.perf_counter()
        total = self.team.run(member, self.stop) if threads > 1 else member(0)
        if len(order) >= 256 and threads in self.warm:  # long enough to time, and not a first call
            rate = len(order) / max(time.perf_counter() - start, 1e-9)
            old = self.rates[threads]
            self.rates[threads] = rate if old is None else 0.5 * (old + rate)
        self.warm.add(threads)  # a first call may compile the kernel or start the threads
        return total

    def _choose(self) -> int:
        """The thread count that has lately been faster, but now and then the other:
        PROBE calls after the lead changes, then twice as long each time it holds, up
        to PROBE_MAX (a probe of the slower way costs its share). Each is timed first,
        the team first."""
        self.calls += 1
        if self.team.threads == 1:
            return 1
        untimed = [threads for threads, rate in self.rates.items() if rate is None]
        if untimed:
            return untimed[0]
        best = max(self.rates, key=self.rates.get)
        if best != self.lead:
            self.lead, self.every, self.due = best, PROBE, self.calls + PROBE
        if self.calls < self.due:
            return best
        self.every = min(2 * self.every, PROBE_MAX)
        self.due = self.calls + self.every
        return 1 if best > 1 else self.team.threads

    def _member(self, X, Y, order, lrs, threads: int, me: int) -> float:
        net, stop = self.net, self.stop.word
        if self.fused:
            team = (self.bounds, self.acts, self.sums, self.flags, stop, me, threads)
            return shallow.sgd_shallow(net.params, net.sizes, lrs, X, Y, order, *team)
        team = (self.bounds, self.acts, self.shares, self.sums, self.flags, stop, me, threads)
        omega = np.float32(net.omega)
        return kernels.sgd_deep(net.params, net.sizes, lrs, X, Y, order, self.act, omega, *team)

    def close(self) -> None:
        self.team.close()
