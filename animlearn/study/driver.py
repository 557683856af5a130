"""The sweep's driver: hands trials to workers as the halving scheduler asks, and keeps
what comes back on disk (checkpoints, paintings, result rows), so a sweep run again
into the same folder goes on where it stopped and trains nothing twice.

A job trains a trial in chunks of at most a sixth of the epochs: each chunk ends in
a checkpoint, the point an interrupted sweep or a lost worker goes on from.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from ..errors import AnimlearnError
from ..io import checkpoint
from ..io.atomic import replacing
from . import results, show
from .executors import Cluster, Local
from .expand import Trial
from .halving import Halving, Step
from .results import Row
from .worker import Job, Outcome

CHUNKS = 6  # a rung of E epochs trains in chunks of at most E / CHUNKS
PAINTINGS = "paintings.npy"  # in each trial's folder, see show.save_paintings
MAX_LOST = 3  # pools lost in a row, with no job back, before the sweep gives up


@dataclass
class Plan:
    trials: list[Trial]
    settings: dict[str, Any]  # the Settings fields every trial shares: epochs, size, lr, lr_scale, holdout
    eta: int | None  # successive halving's; None: every trial trains to the end
    grace: int | None  # epochs before the first rung can judge a trial; None: a quarter of the epochs
    picture: bytes
    suffix: str
    folder: Path

    @property
    def epochs(self) -> int:
        return self.settings["epochs"]


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
        self.rows = [r for r in results.read(plan.folder) if r.trial in self.trials and r.rung <= plan.epochs]
        repeats: dict[str, list[str]] = {}  # a spec's seeds are judged together, as one
        for t in plan.trials:
            repeats.setdefault(t.spec, []).append(t.id)
        records = results.records(self.rows)
        self.scheduler = Halving.resume(repeats, plan.epochs, plan.eta, records, plan.grace)
        self.chunk = max(1, math.ceil(plan.epochs / CHUNKS))
        self.restarts = 0  # local pools made anew after a worker died
        self.lost = 0  # ... since the last job that came back

    def folder(self, trial: str) -> Path:
        return self.plan.folder / "trials" / trial

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
                except BrokenProcessPool:  # a local worker died: every job in the pool is lost
                    running = self._restart(workers, [step, *running.values()])
                    break
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

    def _job(self, step: Step) -> Job:
        """The next chunk of `step`, from the trial's latest checkpoint at or before its goal."""
        trial = self.trials[step.trial]
        saved = self.folder(trial.id) / "trial.ckpt"
        done = epochs_done(saved)
        start = done if done is not None and done <= step.stop else None
        until = min(step.stop, (start or 0) + self.chunk)
        data = saved.read_bytes() if start else None
        p = self.plan
        return Job(trial.id, trial.spec, trial.seed, p.picture, p.suffix, p.settings, until, data)

    def _measured(self, step: Step) -> Outcome | None:
        """The step's result read from the trial's checkpoint, if that has trained to its
        epoch or past it (a re-run with other epochs moved the rungs): nothing to train."""
        saved = self.folder(step.trial) / "trial.ckpt"
        meta = checkpoint.read(saved).meta if saved.is_file() else None
        if meta is None or meta["epochs_done"] < step.stop:
            return None
        scores = meta["scores"]
        history = [(t, v) for t, v in scores["history"][0] if t <= step.stop]
        held = [(t, v) for t, v in scores["held_history"][0] if t <= step.stop]
        row = next((r for r in scores["rows"] if float(r["epoch"]) == step.stop), None)
        if row is None:  # not painted at that epoch
            return None
        seconds = float(row["seconds"])
        return Outcome(step.trial, step.stop, row["parameters"], history, held, (), b"", seconds)

    def _store(self, outcome: Outcome) -> None:
        """Keep the trial's new checkpoint and the paintings of the epochs it just trained."""
        folder = self.folder(outcome.trial)
        folder.mkdir(parents=True, exist_ok=True)
        stored = folder / PAINTINGS
        # history spans every epoch so far, the new paintings only this job's
        old = (
            show.paintings(stored)[: len(outcome.history) - len(outcome.paintings)]
            if stored.is_file()
            else []
        )
        if len(outcome.paintings):
            show.save_paintings(stored, [*old, *outcome.paintings])
        with replacing(folder / "trial.ckpt") as tmp:
            tmp.write_bytes(outcome.checkpoint)

    def _finish(self, step: Step, outcome: Outcome) -> None:
        """Record the trial's row at the step's rung and tell the scheduler."""
        trial = self.trials[step.trial]
        psnr = outcome.history[-1][1] if outcome.history else None
        held = outcome.held_history[-1][1] if outcome.held_history else None
        status = "diverged" if outcome.diverged else "ok"
        row = Row(
            trial.id, trial.spec, trial.seed, trial.label, outcome.parameters, step.stop, outcome.epochs,
            None, psnr, held, outcome.seconds, status,
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
        """Every row, with where halving stopped each trial as far as it is decided."""
        return [replace(r, stopped_at=self.scheduler.stopped_at(r.trial)) for r in self.rows]

    def write(self) -> None:
        results.write(self.final_rows(), self.plan.folder)


def epochs_done(saved: Path) -> int | None:
    """The epochs a trial's checkpoint holds, or None if it has none."""
    return checkpoint.read(saved).meta["epochs_done"] if saved.is_file() else None
