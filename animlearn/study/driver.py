"""The sweep's driver: hands trials to workers as the halving scheduler asks, and keeps
what comes back on disk (checkpoints, paintings, result rows), so a sweep run again
into the same folder goes on where it stopped and trains nothing twice.

A job trains a trial for a chunk of at most ceil(E/6) epochs, E the sweep's epochs
(the same for every rung), or to the end of its rung if that comes first: each chunk
ends in a checkpoint, the point an interrupted sweep or a lost worker goes on from. A job whose
worker died runs again from there, up to the executor's retries; then its trial is
recorded as failed, with the reason, and the sweep goes on without it. A failed trial
is tried again when the sweep is run again.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import AnimlearnError
from . import results
from .executors import Cluster, Local
from .expand import Trial
from .folder import TrialFolder
from .halving import Halving, Step
from .results import Row
from .worker import Job, Outcome

CHUNKS = 6  # a chunk is at most ceil(E / CHUNKS) epochs, E the sweep's (not a rung's)
MAX_LOST = 3  # pools lost in a row, with no job back, before the sweep gives up


@dataclass(frozen=True)
class Picture:
    """One of the study's pictures, as workers get it and the pages show it."""

    name: str  # the file's name without its extension, made unique within the study
    data: bytes  # the file's bytes
    suffix: str  # its extension, so the reader knows the format
    digest: str  # of its pixels at the study's size: what the trials' checkpoints record
    pixels: np.ndarray  # (h, w, 3) uint8 at the study's size


@dataclass
class Plan:
    trials: list[Trial]
    settings: dict[str, Any]  # the Settings fields every trial shares (options.SHARED)
    eta: int | None  # successive halving's; None: every trial trains to the end
    grace: int | None  # epochs before the first rung can judge a trial; None: a tenth (at least 2)
    pictures: dict[str, Picture]
    folder: Path
    study: dict[str, Any]  # what study.json records: the pictures' digests, the line-up, the settings
    parameters: dict[tuple[str, str], int]  # each spec's on each picture, for a trial that failed early

    @property
    def epochs(self) -> int:
        return self.settings["epochs"]

    @property
    def targets(self) -> dict[str, np.ndarray]:
        """Each picture's pixels at the study's size, by name."""
        return {name: p.pixels for name, p in self.pictures.items()}


@dataclass
class SweepReport:
    """What a progress display needs after each trial's rung."""

    row: Row  # the rung just measured
    done: int  # trials whose last rung is measured
    total: int
    best: Row | None  # the leader so far


class Study:
    def __init__(self, plan: Plan, on_progress: Callable[[SweepReport], None] | None = None):
        self.plan, self.on_progress = plan, on_progress
        self.trials = {t.id: t for t in plan.trials}
        kept = [r for r in results.read(plan.folder) if r.trial in self.trials and r.rung <= plan.epochs]
        named = [replace(r, picture=self.trials[r.trial].picture) for r in kept]  # a file may be renamed
        self.rows = [r for r in named if r.status != "failed"]  # a failed trial is tried again
        repeats: dict[str, list[str]] = {}  # a spec's seeds and pictures are judged together, as one
        for t in plan.trials:
            repeats.setdefault(t.spec, []).append(t.id)
        records = results.records(self.rows)
        self.scheduler = Halving.resume(repeats, plan.epochs, plan.eta, records, plan.grace)
        self.chunk = max(1, math.ceil(plan.epochs / CHUNKS))
        self.restarts = 0  # local pools made anew after all their workers died
        self.lost = 0  # ... since the last job that came back
        self.deaths: Counter[str] = Counter()  # each trial's jobs whose worker died
        self.retried = 0  # jobs run again after their worker died

    def folder(self, trial: str) -> TrialFolder:
        t = self.trials[trial]
        return TrialFolder(self.plan.folder, t.id, t.spec, t.seed, self.plan.pictures[t.picture].digest)

    def run(self, workers: Local | Cluster) -> None:
        """Until the scheduler has decided everything; Ctrl-C stops it between any two results."""
        self.plan.folder.mkdir(exist_ok=True)  # only now: bad input or no scheduler leaves nothing behind
        running: dict[Future, Step] = {}
        while True:
            while len(running) < workers.workers and (step := self.scheduler.next_job()) is not None:
                if (measured := self._measured(step)) is not None:
                    self._finish(step, measured)
                else:
                    running[workers.submit(self._job(step))] = step
            if not running:
                return
            finished, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in finished:
                step = running.pop(future)
                try:
                    outcome = future.result()
                except BrokenProcessPool:  # every local worker died, none running a job: a new pool
                    running = self._restart(workers, [step, *running.values()])
                    break
                except Exception as e:
                    if (why := workers.died(e)) is None:
                        raise
                    if self._retry(step, why, workers.retries):
                        running[workers.submit(self._job(step))] = step
                    continue
                self.lost = 0
                if not outcome.diverged:
                    self._store(outcome)
                if outcome.epochs < step.stop and not outcome.diverged:
                    running[workers.submit(self._job(step))] = step  # the rung's next chunk
                else:
                    self._finish(step, outcome)

    def _restart(self, workers: Local | Cluster, steps: list[Step]) -> dict[Future, Step]:
        self.restarts += 1
        self.lost += 1
        if self.lost > MAX_LOST:
            raise AnimlearnError(
                f"the local workers died {self.lost} times in a row without finishing a job; if this is a "
                "script, call animlearn.sweep() under `if __name__ == '__main__':` (workers re-import it)"
            )
        workers.restart()
        return {workers.submit(self._job(step)): step for step in steps}

    def _retry(self, step: Step, why: str, retries: int) -> bool:
        """The step's worker died: True to run it again, else its trial is recorded as failed."""
        self.deaths[step.trial] += 1
        tries = self.deaths[step.trial]
        if tries <= retries:
            self.retried += 1
            return True
        meta = self.folder(step.trial).saved()
        done = _outcome(meta, step.trial, meta["epochs_done"]) if meta else None
        t = self.trials[step.trial]
        lost = Outcome(step.trial, 0, self.plan.parameters[t.spec, t.picture], [], [], (), b"", 0.0)
        self._finish(step, done or lost, failed=why if tries == 1 else f"{why}; {tries} tries")
        return False

    def _job(self, step: Step) -> Job:
        """The next chunk of `step`, from the trial's latest checkpoint at or before its goal."""
        trial = self.trials[step.trial]
        folder = self.folder(trial.id)
        done = folder.epochs()
        start = done if done is not None and done <= step.stop else None
        until = min(step.stop, (start or 0) + self.chunk)
        data = folder.checkpoint.read_bytes() if start else None
        p = self.plan.pictures[trial.picture]
        return Job(trial.id, trial.spec, trial.seed, p.data, p.suffix, self.plan.settings, until, data)

    def _measured(self, step: Step) -> Outcome | None:
        """The step's result read from the trial's checkpoint, if that has trained to its
        epoch or past it (a re-run with other epochs moved the rungs): nothing to train."""
        meta = self.folder(step.trial).saved()
        if meta is None or meta["epochs_done"] < step.stop:
            return None
        return _outcome(meta, step.trial, step.stop)

    def _store(self, outcome: Outcome) -> None:
        """Keep the trial's new checkpoint and the paintings of the epochs it just trained."""
        self.folder(outcome.trial).store(outcome.epochs, outcome.paintings, outcome.checkpoint)

    def _finish(self, step: Step, outcome: Outcome, failed: str = "") -> None:
        """Record the trial's row at the step's rung and tell the scheduler."""
        trial = self.trials[step.trial]
        psnr = outcome.history[-1][1] if outcome.history else None
        held = outcome.held_history[-1][1] if outcome.held_history else None
        status = "failed" if failed else "diverged" if outcome.diverged else "ok"
        row = Row(
            trial.id, trial.spec, trial.seed, trial.label, outcome.parameters, step.stop, outcome.epochs,
            None, psnr, held, outcome.seconds, status, failed or outcome.diverged, trial.picture,
        )  # fmt: skip
        self.rows = [r for r in self.rows if (r.trial, r.rung) != (row.trial, row.rung)] + [row]
        self.scheduler.report(step.trial, step.stop, row.score)
        self.write()
        if self.on_progress is not None:
            ranked = results.rank(self.final_rows())
            best = ranked[0] if ranked and ranked[0].score is not None else None
            self.on_progress(SweepReport(row, self.finished(), len(self.trials), best))

    def finished(self) -> int:
        """Trials measured at the rung halving stopped them at (the last one, without halving)."""
        measured = {(r.trial, r.rung) for r in self.rows}
        return sum((t, self.scheduler.stopped_at(t)) in measured for t in self.trials)

    def final_rows(self) -> list[Row]:
        """Every row, with where halving stopped each trial as far as it is decided, in the
        trials' order (seed, picture, spec), then by rung: the same file whatever order they ended in."""
        order = {t: k for k, t in enumerate(self.trials)}
        rows = sorted(self.rows, key=lambda r: (order[r.trial], r.rung))
        return [replace(r, stopped_at=self.scheduler.stopped_at(r.trial)) for r in rows]

    def write(self) -> None:
        results.write(self.final_rows(), self.plan.folder)


def _outcome(meta: dict, trial: str, epoch: int) -> Outcome | None:
    """A trial's scores at `epoch` from its checkpoint's header; None if it was not painted then."""
    scores = meta["scores"]
    history = [(t, v) for t, v in scores["history"][0] if t <= epoch]
    held = [(t, v) for t, v in scores["held_history"][0] if t <= epoch]
    row = next((r for r in scores["rows"] if float(r["epoch"]) == epoch), None)
    if row is None:
        return None
    return Outcome(trial, epoch, row["parameters"], history, held, (), b"", float(row["seconds"]))
