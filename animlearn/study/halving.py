"""Successive halving over specs, as a pure scheduler an executor loop drives.

A spec is judged on all its repeats: its score at a rung is the mean of theirs, and every
repeat of a spec stops at the same epoch. The repeats are whatever trials the driver
groups under one spec: its seeds, on every picture of the study. Nothing here trains,
waits or touches files: the executor asks `next_job()` whenever a worker is free and
calls `report()` when a job ends.

The rungs (see `rungs`): a look at half the grace period, where nobody is cut, then the
grace period (by default a tenth of the epochs), then ETA times further each. At a rung
the best ETA-th of its specs plus one train on (n // ETA + 1 of n: one more than plain
halving keeps, as curves cross late), ranked not on their PSNR but on where their trend
leads: the PSNR plus its gain since the rung below, linear in log-epoch, continued to the
last epoch (a curve that falls counts as flat; after Domhan et al. 2015, with the simplest
curve). The goal of mean regret 0.5 dB at 0.4 of a full sweep's cost is not met on
pictures held out (1.16 dB at 0.39). Measured on recorded sweeps: benchmarks/regret.py, BENCHMARKS.md.

What the scheduler knows at a rung is a `Rung` of named sets of specs:

- members: the specs that train to this rung; known once the rung below is decided;
- scores: the specs measured here, judged by their trend (every repeat reported; None as
  soon as one diverged); a spec's score depends on its own results only;
- certain: members sure to go on whatever the unmeasured members score;
- cut: members sure to stop here (diverged, or beaten by enough others already);
- guessed: specs in the best 1/ETA of those measured so far that are not certain: ASHA's
  guesses, trained on while workers would otherwise idle; a guess decides nothing unless
  the spec turns out to be kept, as its rung's members are decided as without guesses;
- kept: the members of the next rung, once every member is measured.

So once every member has reported, the kept specs are the same whatever order the
reports came in. Work is handed out certain promotions first (the furthest rung first:
full results early), then trials not yet started, then guesses (which may be wasted).

A worked example: specs a, b, c, d with seeds 0 and 1 (a0, a1, ...), 32 epochs, ETA 2,
grace 4. The rungs are 2 (the look), 4, 8 and 32; 4 specs keep 3 at epoch 4 and 3 keep 2
at 8, and 2 would keep 2, so 8 is the last cut. Trend to 32: at 4 the gain since 2 counts
log(32/4) / log(4/2) = 3 times over, at 8 the gain since 4 twice.

1. Two workers start a0 and a1 (no rung has results: every trial starts from scratch).
2. At 2, a scores 10 dB (the mean of a0 and a1), b 14, c 12, and one of d's seeds diverged:
   d stops at 2. The look cuts nobody else: a, b and c train on as soon as measured.
3. At 4: a 14, b 15, c 14.5, so a is judged 14 + 3 * 4 = 26, b 15 + 3 * 1 = 18, c 14.5 +
   3 * 2.5 = 22. Of 3 members 2 are kept, [a, c]: b stops at 4, though it leads on PSNR,
   as it had flattened.
4. At 8: a 20 (judged 20 + 2 * 6 = 32), c 21 (judged 34): 2 members keep 2, so both train
   to 32 from their epoch-8 checkpoints; then the scheduler is `done`.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from ..errors import AnimlearnError

Record = tuple[str, int, float | None]  # trial id, rung epoch, score (None: diverged)
GRACE_SHARE = 10  # the default grace: a tenth of the epochs (measured: benchmarks/regret.py)


def kept(members: int, eta: int) -> int:
    """How many of a cut rung's `members` train on: the best ETA-th, plus one."""
    return min(members, members // eta + 1)


def rungs(epochs: int, eta: int | None, specs: int, grace: int | None = None) -> tuple[int, ...]:
    """The epochs at which specs are compared, ascending, the last being `epochs`.

    A look at half the grace period, which cuts nobody but gives the first rung a trend,
    then ASHA's rungs: the first at `grace` epochs (by default a tenth of `epochs`), then
    ETA times further each, while below `epochs` and while a cut there would stop a spec.
    No `eta`: one rung, `epochs`."""
    return _plan(epochs, eta, specs, grace)[0]


def _plan(epochs: int, eta: int | None, specs: int, grace: int | None) -> tuple[tuple[int, ...], int]:
    """`rungs`, and how many of them are looks (0 or 1, the first)."""
    if not eta:
        return (epochs,), 0
    if isinstance(eta, bool) or not isinstance(eta, int) or eta < 2:
        raise AnimlearnError(f"--halving {eta!r}: give a whole number, 2 or more (keep the best 1/ETA, +1)")
    if grace is None:
        grace = max(2, epochs // GRACE_SHARE)
    if isinstance(grace, bool) or not isinstance(grace, int) or grace < 1:
        raise AnimlearnError(f"--grace {grace!r}: give a whole number of epochs, 1 or more")
    out, rung, count = [], grace, specs
    while kept(count, eta) < count and rung < epochs:
        out.append(rung)
        rung, count = rung * eta, kept(count, eta)
    look = [grace // 2] if out and grace >= 2 else []
    return (*look, *out, epochs), len(look)


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
        self.rungs, self._looks = _plan(epochs, eta, len(self.specs), grace)
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
        below: dict[str, float | None] = {}
        for k, trials in enumerate(self._scores):
            measured = self._measured(self.specs if members is None else members, trials)
            scores = {s: self._judged(k, v, below.get(s)) for s, v in measured.items()}
            below = measured
            ranked = sorted(
                (s for s in scores if scores[s] is not None), key=lambda s: (-scores[s], self._order[s])
            )
            if members is None:  # only guesses: the best 1/ETA of those measured so far
                out.append(Rung(None, scores, [], set(), ranked[: len(scores) // self._eta], None))
                continue
            keep = len(members) if k < self._looks else kept(len(members), self._eta)
            unmeasured = len(members) - len(scores)
            certain = ranked[: max(0, keep - unmeasured)]
            cut = set(scores) - set(ranked[:keep])
            guessed = ranked[len(certain) : min(len(scores) // self._eta, keep)]
            chosen = ranked[:keep] if not unmeasured else None
            out.append(Rung(members, scores, certain, cut, guessed, chosen))
            members = chosen
        return out

    def _judged(self, k: int, score: float | None, below: float | None) -> float | None:
        """A spec's score at rung `k` continued to the last epoch by its trend since the rung
        below, linear in log-epoch (a fall counts as flat); at the first and last rung, the score."""
        if score is None or below is None or k == len(self.rungs) - 1:
            return score
        lo, at, end = self.rungs[k - 1], self.rungs[k], self.rungs[-1]
        gain = max(0.0, score - below) if score != below else 0.0  # inf - inf: no gain
        return score + gain * math.log(end / at) / math.log(at / lo)

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
