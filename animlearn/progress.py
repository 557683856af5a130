"""Rich progress bars on stderr: a render's epochs, a sweep's trials."""

from __future__ import annotations

import math

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from .run import EpochReport
from .study.driver import SweepReport


class _Bar:
    """One task, started on the first report, so an early error prints nothing but itself."""

    def __init__(self, name: str, fields: str) -> None:
        self.progress = Progress(
            TextColumn(name),
            MofNCompleteColumn(),
            BarColumn(),
            TextColumn(fields),
            TimeRemainingColumn(),
            console=Console(stderr=True),
        )
        self.task = None

    def __enter__(self) -> _Bar:
        return self

    def __exit__(self, *exc) -> None:
        if self.task is not None:
            self.progress.stop()

    def _show(self, done: int, total: int, **fields: str) -> None:
        if self.task is None:
            self.progress.start()
            self.task = self.progress.add_task("", total=total, **fields)
        self.progress.update(self.task, completed=done, **fields)


class Bar(_Bar):
    """Epoch/total, loss, PSNR, samples/s and ETA."""

    def __init__(self) -> None:
        fields = "loss {task.fields[loss]}  PSNR {task.fields[psnr]}  {task.fields[rate]} px/s"
        super().__init__("epoch", fields)

    def update(self, r: EpochReport) -> None:
        psnr = " ".join("-" if math.isnan(p) else f"{p:.1f}" for p in r.psnrs)
        loss = " ".join(f"{x:.4f}" for x in r.losses)
        rate = f"{r.epoch * r.samples * len(r.losses) / max(r.seconds, 1e-9):,.0f}"
        self._show(r.epoch, r.epochs, loss=loss, psnr=f"{psnr} dB", rate=rate)


class SweepBar(_Bar):
    """Trials done out of the total, the best so far, and the ETA."""

    def __init__(self) -> None:
        super().__init__("trials", "best {task.fields[best]}")

    def update(self, p: SweepReport) -> None:
        best = "-" if p.best is None else f"{p.best.label} {p.best.score:.2f} dB"
        self._show(p.done, p.total, best=best)
