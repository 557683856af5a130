"""Successive halving for a sweep, as a pure scheduler an executor loop drives.

Trials are compared at rungs, epochs E // ETA**k, and only the best 1/ETA of a rung's
trials train on to the next. The executor asks `next_job()` whenever a worker is free
and calls `report()` when a job ends; nothing here trains, waits or touches files.

Decisions are plain successive halving: a rung's members are the top
max(1, n // ETA) of the n members of the rung below, by score, then trial order;
diverged trials never go on. So once every member has reported, the kept trials are
the same whatever order the reports came in. To keep workers busy the scheduler also
runs ahead, in this order of preference:

1. promotions that are already certain: a trial ranked so high among the reported
   members that the unreported ones could not push it out;
2. trials that have not started;
3. ASHA's guesses: a trial in the top 1/ETA of the trials reported at its rung so far,
   which may yet drop out. Its result is recorded but decides nothing unless the trial
   turns out to be kept; such work comes last because it may be wasted.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ..errors import AnimlearnError

Record = tuple[str, int, float | None]  # trial id, rung epoch, score (None: diverged)


def rungs(epochs: int, eta: int | None, trials: int, grace: int = 1) -> tuple[int, ...]:
    """The epochs at which trials are compared, ascending, the last being `epochs`.

    E // ETA**k, floored: integer arithmetic, so 60 // 27 is exactly 2 with no float
    rounding, a rung never costs more than its share, and with ETA >= 2 the rungs stay
    distinct. It stops at `grace` epochs (ASHA's grace period: early rungs can judge the
    wrong thing, as networks that start slow may overtake later), and once halving would
    leave a single trial: a lower rung would only judge the same field on fewer epochs.
    No `eta`: one rung, `epochs`."""
    if not eta:
        return (epochs,)
    if isinstance(eta, bool) or not isinstance(eta, int) or eta < 2:
        raise AnimlearnError(f"--halving {eta!r}: give a whole number, 2 or more (keep the best 1/ETA)")
    out, count = [epochs], trials
    if isinstance(grace, bool) or not isinstance(grace, int) or grace < 1:
        raise AnimlearnError(f"--grace {grace!r}: give a whole number of epochs, 1 or more")
    while count > 1 and epochs // eta ** len(out) >= grace:
        out.append(epochs // eta ** len(out))
        count = max(1, count // eta)
    return tuple(reversed(out))


@dataclass(frozen=True)
class Step:
    """Train `trial` from its checkpoint at epoch `start` (0: from scratch) to `stop`, then report."""

    trial: str
    start: int
    stop: int


@dataclass(frozen=True)
class _Rung:
    members: list[str] | None  # who trains to this rung; None until the rung below is complete
    ranked: list[str]  # the members (while unknown: anyone) reported here, diverged left out, best first
    reported: int  # how many of them reported here, diverged included
    keep: int  # how many members go on; while the members are unknown, no limit: len(ranked)


class Halving:
    """Which trial trains to which epoch next; see the module's docstring."""

    def __init__(self, trials: Sequence[str], epochs: int, eta: int | None = None, grace: int = 1) -> None:
        if len(set(trials)) != len(trials):
            raise ValueError("trial ids must be distinct")
        self.trials = tuple(trials)
        self.rungs = rungs(epochs, eta, len(self.trials), grace)
        self._eta = eta or 1  # only read when there are several rungs, that is with an eta
        self._order = {t: i for i, t in enumerate(self.trials)}
        self._scores: list[dict[str, float | None]] = [{} for _ in self.rungs]
        self._running: set[tuple[str, int]] = set()

    @classmethod
    def resume(
        cls, trials: Sequence[str], epochs: int, eta: int | None, records: Iterable[Record], grace: int = 1
    ) -> Halving:
        """The scheduler as it stood after `records`; records of trials or epochs
        this sweep does not have (other settings) are left out."""
        halving = cls(trials, epochs, eta, grace)
        for trial, epoch, score in records:
            if trial in halving._order and epoch in halving.rungs:
                halving.report(trial, epoch, score)
        return halving

    def report(self, trial: str, epoch: int, score: float | None) -> None:
        """`trial` reached rung `epoch` with `score` (higher is better); None or NaN: it diverged."""
        if trial not in self._order or epoch not in self.rungs:
            raise ValueError(f"no trial {trial!r} or rung {epoch} in this sweep")
        k = self.rungs.index(epoch)
        self._scores[k][trial] = None if score is None or math.isnan(score) else score
        self._running.discard((trial, k))

    def next_job(self) -> Step | None:
        """The next thing to train, or None: wait for a running job (or the sweep is done)."""
        state = self._state()
        top = len(self.rungs) - 1
        for k in reversed(range(top)):  # the furthest first: full results early
            for t in self._certain(state[k]):
                if self._free(t, k + 1):
                    return self._start(t, k + 1)
        for t in self.trials:
            if self._free(t, 0):
                return self._start(t, 0)
        for k in reversed(range(top)):
            rung = state[k]
            for t in rung.ranked[: min(rung.reported // self._eta, rung.keep)]:
                if self._free(t, k + 1) and self._fate(t, state) is None:
                    return self._start(t, k + 1)
        return None

    @property
    def done(self) -> bool:
        """Every decision is made; a job still running then is a guess no longer needed."""
        last = self._state()[-1]
        return last.members is not None and all(t in self._scores[-1] for t in last.members)

    def kept(self, epoch: int) -> list[str] | None:
        """The trials that train to rung `epoch`, in trial order; None until that is known."""
        members = self._state()[self.rungs.index(epoch)].members
        return None if members is None else sorted(members, key=self._order.__getitem__)

    def stopped_at(self, trial: str) -> int | None:
        """The last rung `trial` was kept for, once no more training is planned for it; else None."""
        return self._fate(trial, self._state())

    def _free(self, trial: str, k: int) -> bool:
        return trial not in self._scores[k] and (trial, k) not in self._running

    def _start(self, trial: str, k: int) -> Step:
        self._running.add((trial, k))
        return Step(trial, self.rungs[k - 1] if k else 0, self.rungs[k])

    def _state(self) -> list[_Rung]:
        state: list[_Rung] = []
        members: list[str] | None = list(self.trials)
        for scores in self._scores:
            reported = [t for t in (members if members is not None else scores) if t in scores]
            ranked = self._ranked(scores, reported)
            keep = max(1, len(members) // self._eta) if members is not None else len(ranked)
            state.append(_Rung(members, ranked, len(reported), keep))
            complete = members is not None and len(reported) == len(members)
            members = ranked[:keep] if complete else None
        return state

    def _ranked(self, scores: dict[str, float | None], trials: list[str]) -> list[str]:
        """Those of `trials` that did not diverge, best first; a tie goes to the earlier trial."""
        ok = [t for t in trials if scores[t] is not None]
        return sorted(ok, key=lambda t: (-scores[t], self._order[t]))

    @staticmethod
    def _certain(rung: _Rung) -> list[str]:
        """Members sure to go on whatever the unreported ones score."""
        if rung.members is None:
            return []
        return rung.ranked[: max(0, rung.keep - (len(rung.members) - rung.reported))]

    def _fate(self, trial: str, state: list[_Rung]) -> int | None:
        """The rung epoch `trial` stops at, or None while it may still train on."""
        for k, rung in enumerate(state):
            if rung.members is None or trial not in self._scores[k]:
                return None  # undecided, or waiting to be trained to this rung
            if trial not in rung.ranked[: rung.keep]:
                return self.rungs[k]  # diverged, or too many beat it
        return self.rungs[-1]  # trained to the end
