"""A rich progress bar fed by render()'s per-epoch reports."""

from __future__ import annotations

import math

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from .run import EpochReport
from .study.driver import Progress as StudyProgress


class Bar:
    """Epoch/total, loss, PSNR, samples/s and ETA, on stderr."""

    def __init__(self) -> None:
        self.progress = Progress(
            TextColumn("epoch"),
            MofNCompleteColumn(),
            BarColumn(),
            TextColumn("loss {task.fields[loss]}  PSNR {task.fields[psnr]}  {task.fields[rate]} px/s"),
            TimeRemainingColumn(),
            console=Console(stderr=True),
            transient=False,
        )
        self.task = None

    def __enter__(self) -> Bar:
        return self

    def __exit__(self, *exc) -> None:
        if self.task is not None:
            self.progress.stop()

    def update(self, r: EpochReport) -> None:
        # Started on the first report, so an early error prints nothing but itself.
        if self.task is None:
            self.progress.start()
            self.task = self.progress.add_task("train", total=r.epochs, loss="", psnr="", rate="")
        psnr = " ".join("-" if math.isnan(p) else f"{p:.1f}" for p in r.psnrs)
        loss = " ".join(f"{x:.4f}" for x in r.losses)
        rate = f"{r.epoch * r.samples * len(r.losses) / max(r.seconds, 1e-9):,.0f}"
        self.progress.update(self.task, completed=r.epoch, loss=loss, psnr=f"{psnr} dB", rate=rate)


class SweepBar:
    """Trials done out of the total, the best so far, and the ETA, on stderr."""

    def __init__(self) -> None:
        self.progress = Progress(
            TextColumn("trials"),
            MofNCompleteColumn(),
            BarColumn(),
            TextColumn("best {task.fields[best]}"),
            TimeRemainingColumn(),
            console=Console(stderr=True),
        )
        self.task = None

    def __enter__(self) -> SweepBar:
        return self

    def __exit__(self, *exc) -> None:
        if self.task is not None:
            self.progress.stop()

    def update(self, p: StudyProgress) -> None:
        if self.task is None:
            self.progress.start()
            self.task = self.progress.add_task("sweep", total=p.total, best="")
        best = "-" if p.best is None else f"{p.best.label} {p.best.score:.2f} dB"
        self.progress.update(self.task, completed=p.done, best=best)
