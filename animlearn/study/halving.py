"""Successive halving over specs, as a pure scheduler an executor loop drives.

A spec is judged on all its repeats: its score at a rung is the mean of theirs, and every
repeat of a spec stops at the same epoch. The repeats are whatever trials the driver
groups under one spec: its seeds today, its seeds times its pictures once a study holds
several. Specs are compared at rungs, the grace period times ETA**k (see `rungs`), and
only the best 1/ETA of a rung's specs train on to the next. The executor asks
`next_job()` whenever a worker is free and calls `report()` when a job ends; nothing
here trains, waits or touches files.

What the scheduler knows at a rung is a `Rung` of named sets of specs:

- members: the specs that train to this rung; known once the rung below is decided;
- scores: the specs measured here (every repeat reported; None as soon as one diverged);
- certain: members sure to go on whatever the unmeasured members score;
- cut: members sure to stop here (diverged, or ETA-fold beaten already);
- guessed: specs in the best 1/ETA of those measured so far that are not certain: ASHA's
  guesses, trained on while workers would otherwise idle; a guess decides nothing unless
  the spec turns out to be kept, as its rung's members are still plain halving's;
- kept: the members of the next rung, once every member is measured.

So once every member has reported, the kept specs are the same whatever order the
reports came in. Work is handed out certain promotions first (the furthest rung first:
full results early), then trials not yet started, then guesses (which may be wasted).

A worked example: specs a, b, c, d, e, f with seeds 0 and 1 (a0, a1, ...), 27 epochs,
ETA 3, grace 3. The rungs are 3, 9 and 27 (3 * 3**k up to 27); 6 specs keep 2 at epoch
3, and 2 keep 1 at epoch 9.

1. Two workers start a0 and a1 (no rung has results: every trial starts from scratch).
2. a0 reports 20 dB, a1 22: a is measured at 3 with 21. Nothing is certain yet (five
   members unmeasured, two to keep); no guess either: one spec measured, 1 // 3 = 0.
3. b to f report: scores b 25, c 18, d 30, e 19, and one of f's seeds diverged: f None.
   Every member is measured, so kept = [d, b] (best first), cut = {a, c, e, f}.
4. Certain promotions come first: d0 and d1 train from their epoch-3 checkpoints to 9,
   then b0 and b1. At 9: d 31, b 33: b is kept for 27, d stops at 9, and so do both its
   seeds. b0 and b1 train to 27; then the scheduler is `done`.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from ..errors import AnimlearnError

Record = tuple[str, int, float | None]  # trial id, rung epoch, score (None: diverged)
GRACE_SHARE = 4  # the default grace: a quarter of the epochs (measured: benchmarks/regret.py)


def rungs(epochs: int, eta: int | None, specs: int, grace: int | None = None) -> tuple[int, ...]:
    """The epochs at which specs are compared, ascending, the last being `epochs`.

    ASHA's rungs: the first at `grace` epochs (by default a quarter of `epochs`: earlier,
    networks that start slow, such as Fourier features or a low lr, are cut before they
    overtake), then ETA times further each, while below `epochs` and while halving
    leaves more than one spec to compare. No `eta`: one rung, `epochs`."""
    if not eta:
        return (epochs,)
    if isinstance(eta, bool) or not isinstance(eta, int) or eta < 2:
        raise AnimlearnError(f"--halving {eta!r}: give a whole number, 2 or more (keep the best 1/ETA)")
    if grace is None:
        grace = max(1, epochs // GRACE_SHARE)
    if isinstance(grace, bool) or not isinstance(grace, int) or grace < 1:
        raise AnimlearnError(f"--grace {grace!r}: give a whole number of epochs, 1 or more")
    out, rung, count = [], grace, specs
    while count > 1 and rung < epochs:
        out.append(rung)
        rung, count = rung * eta, count // eta
    return (*out, epochs)


@dataclass(frozen=True)
class Step:
    """Train `trial` from its checkpoint at epoch `start` (0: from scratch) to `stop`, then report."""

    trial: str
    start: int
    stop: int


@dataclass(frozen=True)
class Rung:
    """What is known at one rung; see the module's docstring."""

    members: list[str] | None  # None until the rung below is decided
    scores: dict[str, float | None]
    certain: list[str]  # best first
    cut: set[str]
    guessed: list[str]  # best first
    kept: list[str] | None  # best first; None until every member is measured


class Halving:
    """Which trial trains to which epoch next; see the module's docstring."""

    def __init__(
        self,
        repeats: Mapping[str, Sequence[str]],
        epochs: int,
        eta: int | None = None,
        grace: int | None = None,
    ) -> None:
        """`repeats`: each spec's trials, in the order they should start."""
        self.specs = tuple(repeats)
        self.repeats = {s: tuple(ts) for s, ts in repeats.items()}
        self.spec_of = {t: s for s, ts in self.repeats.items() for t in ts}
        if len(self.spec_of) != sum(map(len, self.repeats.values())) or not all(self.repeats.values()):
            raise ValueError("every spec needs trials, and a trial belongs to one spec")
        self.rungs = rungs(epochs, eta, len(self.specs), grace)
        self._eta = eta or 1  # only read when there are several rungs, that is with an eta
        self._order = {s: i for i, s in enumerate(self.specs)}
        self._scores: list[dict[str, float | None]] = [{} for _ in self.rungs]  # by trial
        self._running: set[tuple[str, int]] = set()

    @classmethod
    def resume(
        cls,
        repeats: Mapping[str, Sequence[str]],
        epochs: int,
        eta: int | None,
        records: Iterable[Record],
        grace: int | None = None,
    ) -> Halving:
        """The scheduler as it stood after `records`; records of trials or epochs
        this sweep does not have (other settings) are left out."""
        halving = cls(repeats, epochs, eta, grace)
        for trial, epoch, score in records:
            if trial in halving.spec_of and epoch in halving.rungs:
                halving.report(trial, epoch, score)
        return halving

    def report(self, trial: str, epoch: int, score: float | None) -> None:
        """`trial` reached rung `epoch` with `score` (higher is better); None or NaN: it diverged."""
        if trial not in self.spec_of or epoch not in self.rungs:
            raise ValueError(f"no trial {trial!r} or rung {epoch} in this sweep")
        k = self.rungs.index(epoch)
        self._scores[k][trial] = None if score is None or math.isnan(score) else score
        self._running.discard((trial, k))

    def next_job(self) -> Step | None:
        """The next thing to train, or None: wait for a running job (or the sweep is done)."""
        state = self.state()
        below = list(reversed(range(len(self.rungs) - 1)))  # the furthest first: full results early
        sure = [(s, k + 1) for k in below for s in state[k].certain]
        guesses = [(s, k + 1) for k in below for s in state[k].guessed]
        for spec, k in [*sure, *((s, 0) for s in self.specs), *guesses]:
            if self._fate(spec, state) is not None:  # decided: a seed diverged, or beaten already
                continue
            for trial in self.repeats[spec]:
                if trial not in self._scores[k] and (trial, k) not in self._running:
                    self._running.add((trial, k))
                    return Step(trial, self.rungs[k - 1] if k else 0, self.rungs[k])
        return None

    @property
    def done(self) -> bool:
        """Every decision is made; a job still running then is a guess no longer needed."""
        last = self.state()[-1]
        return last.members is not None and all(s in last.scores for s in last.members)

    def members(self, epoch: int) -> list[str] | None:
        """The specs that train to rung `epoch`, in spec order; None until that is known."""
        members = self.state()[self.rungs.index(epoch)].members
        return None if members is None else sorted(members, key=self._order.__getitem__)

    def stopped_at(self, trial: str) -> int | None:
        """The last rung `trial`'s spec was kept for, once no more training is planned for it; else None."""
        return self._fate(self.spec_of[trial], self.state())

    def state(self) -> list[Rung]:
        """Each rung's named sets, from the scores reported so far."""
        out: list[Rung] = []
        members: list[str] | None = list(self.specs)
        for trials in self._scores:
            scores = self._measured(self.specs if members is None else members, trials)
            ranked = sorted(
                (s for s in scores if scores[s] is not None), key=lambda s: (-scores[s], self._order[s])
            )
            if members is None:  # only guesses: the best 1/ETA of those measured so far
                out.append(Rung(None, scores, [], set(), ranked[: len(scores) // self._eta], None))
                continue
            keep = max(1, len(members) // self._eta)
            unmeasured = len(members) - len(scores)
            certain = ranked[: max(0, keep - unmeasured)]
            cut = set(scores) - set(ranked[:keep])
            guessed = ranked[len(certain) : min(len(scores) // self._eta, keep)]
            kept = ranked[:keep] if not unmeasured else None
            out.append(Rung(members, scores, certain, cut, guessed, kept))
            members = kept
        return out

    def _measured(self, specs: Iterable[str], trials: dict[str, float | None]) -> dict[str, float | None]:
        """Those of `specs` measured at a rung whose trials scored `trials`: the mean of their
        repeats once all reported, None as soon as one diverged."""
        out: dict[str, float | None] = {}
        for spec in specs:
            mine = [trials[t] for t in self.repeats[spec] if t in trials]
            if None in mine:
                out[spec] = None
            elif len(mine) == len(self.repeats[spec]):
                out[spec] = statistics.fmean(mine)
        return out

    def _fate(self, spec: str, state: list[Rung]) -> int | None:
        """The rung epoch `spec` stops at, or None while it may still train on."""
        for epoch, rung in zip(self.rungs, state):
            if rung.members is None or spec not in rung.scores:
                return None  # undecided, or waiting to be trained to this rung
            if spec in rung.cut or epoch == self.rungs[-1]:
                return epoch
            if spec not in rung.certain:
                return None
        return None  # not reached: the last rung returns
