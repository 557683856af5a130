"""sweep(): many networks on one picture, each trained alone, ranked; on this machine's
cores or on a Dask cluster."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from html import escape
from pathlib import Path
from typing import Any

import numpy as np

from .. import notebook
from ..config import settings, spec
from ..config.options import SHARED, StudyOptions
from ..config.settings import Settings
from ..errors import AnimlearnError
from ..io import checkpoint, target
from . import expand, page, race, results, show
from .driver import PAINTINGS, Plan, Study, SweepReport
from .executors import connect
from .results import Row

STUDY = {f.name for f in fields(StudyOptions)}


@dataclass
class SweepResult:
    folder: Path
    rows: list[Row]  # each trial's final row, best first
    outputs: list[Path]
    seconds: float
    trials: int
    interrupted: bool = False
    restarts: int = field(default=0, repr=False)  # local pools made anew after a worker died

    def _repr_html_(self) -> str:
        """Jupyter shows the leaderboard and the contact sheet."""
        head = "<tr>" + "".join(f"<th>{h}</th>" for h in ("rank", "network", "PSNR dB", "epochs")) + "</tr>"
        body = "".join(
            f"<tr><td>{k}</td><td>{escape(r.label)}</td><td>{_score(r)}</td><td>{r.epochs}</td></tr>"
            for k, r in enumerate(self.rows, start=1)
        )
        sheet = [p for p in self.outputs if p.name == "sheet.png"]
        return f"<table>{head}{body}</table>" + (notebook.html(sheet) if sheet else "")


def _score(r: Row) -> str:
    if r.status == "diverged":
        return "diverged"
    return f"{r.psnr:.2f}" + ("" if r.holdout_psnr is None else f" / {r.holdout_psnr:.2f} hidden")


class SweepInterrupted(Exception):
    """Ctrl-C: the results so far were written."""

    def __init__(self, result: SweepResult):
        super().__init__("interrupted")
        self.result = result


def sweep(
    image: str | Path,
    out_dir: str | Path,
    *,
    on_progress: Callable[[SweepReport], None] | None = None,
    **options: Any,
) -> SweepResult:
    """Train every network that `nets` (render specs with shell-like braces) names, with
    `seeds` seeds each, alone on `image`, and rank them; write results.csv, results.md,
    sheet.png, chart.png, race.gif, race.mp4, index.html and the trials' checkpoints into
    `out_dir`.

    Options: those of StudyOptions (nets, seeds, halving, top, workers, scheduler, yes)
    and render's epochs, size, lr, lr_scale and holdout. Run again into the same folder,
    a sweep trains nothing twice. Raises AnimlearnError for bad input before anything
    trains, and SweepInterrupted on Ctrl-C after writing the results so far."""
    given = {k: options.pop(k) for k in STUDY & set(options)}
    study = StudyOptions(**{k: v for k, v in given.items() if v is not None})
    unknown = set(options) - set(SHARED)
    if unknown:
        raise TypeError(f"sweep() got unknown option(s): {', '.join(sorted(unknown))}")
    plan, count, pixels = _plan(Path(image), Path(out_dir), study, options)
    start = time.perf_counter()
    report = page.Report(plan.folder, pixels, dict(plan.settings, halving=plan.eta or "none"))
    driver = Study(plan, report.progress(on_progress))  # checks --halving and --grace
    workers = connect(study.workers, study.scheduler)
    interrupted = False
    try:
        driver.run(workers)
    except KeyboardInterrupt:
        interrupted = True
    finally:
        workers.close(now=interrupted)
    driver.write()
    ranked = results.rank(driver.final_rows())
    outputs = [plan.folder / results.CSV_NAME, plan.folder / results.MARKDOWN_NAME]
    outputs += _pictures(plan, ranked, study.top, pixels, settings.PRESETS["quick"])
    outputs.append(report.write("interrupted" if interrupted else "done"))
    result = SweepResult(
        plan.folder, ranked, outputs, time.perf_counter() - start, count, interrupted, driver.restarts
    )
    if interrupted:
        raise SweepInterrupted(result)
    return result


def _plan(
    image: Path, folder: Path, study: StudyOptions, options: dict[str, Any]
) -> tuple[Plan, int, np.ndarray]:
    """Everything checked before anything trains: specs, numbers, picture, folder."""
    if not study.nets:
        raise AnimlearnError("no networks given; name some with --net, e.g. --net '{2,4}x64:relu:adam'")
    nets = expand.specs(study.nets)
    s = settings.resolve("quick", **options)
    for name in ("seeds", "top"):
        value = getattr(study, name)
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise AnimlearnError(f"--{name} {value!r}: give a whole number, 1 or more")
    if folder.exists() and not folder.is_dir():
        raise AnimlearnError(f"{folder}: is a file; give a folder for the sweep's results")
    if not folder.parent.is_dir():
        raise AnimlearnError(f"{folder}: folder {folder.parent} does not exist; create it first")
    pixels = target.load(image, s.size)  # a picture we cannot read fails here, not in a worker
    shared = {k: getattr(s, k) for k in SHARED}
    context = dict(shared, picture=checkpoint.digest(pixels.pixels))
    del context["epochs"]
    trials = expand.trials(nets, study.seeds, context)
    expand.confirm(len(trials), study.yes)
    plan = Plan(trials, shared, study.halving, study.grace, image.read_bytes(), image.suffix, folder)
    return plan, len(trials), pixels.pixels


def _pictures(plan: Plan, ranked: list[Row], top: int, pixels: np.ndarray, out: Settings) -> list[Path]:
    """sheet.png, chart.png, race.gif and race.mp4 from what the trials kept; none before any has."""
    entries = []
    for rank, row in enumerate(ranked, start=1):
        folder = plan.folder / "trials" / row.trial
        if not (folder / PAINTINGS).is_file():  # diverged before its first chunk ended
            continue
        scores = checkpoint.read(folder / "trial.ckpt").meta["scores"]
        psnr = [(int(t), v) for t, v in scores["history"][0] if t <= row.epochs]
        held = [(int(t), v) for t, v in scores["held_history"][0] if t <= row.epochs] or None
        stopped = row.stopped_at if row.stopped_at is not None and row.stopped_at < plan.epochs else None
        label = spec.parse(row.spec).label()
        entries.append(show.Entry(label, row.seed, psnr, held, stopped, rank, folder / PAINTINGS))
    if not entries:
        return []
    paths = [plan.folder / name for name in ("sheet.png", "chart.png", "race.gif", "race.mp4")]
    show.sheet(paths[0], pixels, entries)
    show.chart(paths[1], entries, top)
    race.race(paths[2:], pixels, entries, top, out.fps, out.hold, out.quality)
    return paths
