"""sweep(): many networks on one picture or several, each trained alone, ranked; on this
machine's cores or on a Dask cluster."""

from __future__ import annotations

import contextlib
import signal
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, fields
from html import escape
from pathlib import Path
from typing import Any

import numpy as np

from .. import notebook
from ..config import settings, spec
from ..config.options import SHARED, StudyOptions, resolve
from ..config.settings import Settings
from ..errors import AnimlearnError
from ..io import checkpoint, target
from ..io.atomic import writable
from ..nets import model
from . import expand, folder, halving, page, race, results, show
from .driver import Picture, Plan, Study, SweepReport
from .executors import connect
from .folder import TrialFolder
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
    retries: int = field(default=0, repr=False)  # jobs run again after their worker died

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
    if r.status != "ok":
        return r.status
    return f"{r.psnr:.2f}" + ("" if r.holdout_psnr is None else f" / {r.holdout_psnr:.2f} hidden")


class SweepInterrupted(Exception):
    """Ctrl-C: the results so far were written, and the pictures drawn before it."""

    def __init__(self, result: SweepResult):
        super().__init__("interrupted")
        self.result = result


def sweep(
    images: str | Path | Sequence[str | Path],
    out_dir: str | Path,
    *,
    on_progress: Callable[[SweepReport], None] | None = None,
    **options: Any,
) -> SweepResult:
    """Train every network that `nets` (render specs with shell-like braces) names, with
    `seeds` seeds each, alone on each of `images` (one picture or several), and rank them
    by their mean over seeds and pictures; write results.csv, results.md, sheet.png,
    chart.png, race.gif, race.mp4, index.html and the trials' checkpoints into `out_dir`.

    Options: those of StudyOptions (nets, seeds, halving, grace, top, workers, scheduler, yes)
    and render's epochs, size, lr, halflife, lr_scale and holdout. Run again into the same folder,
    a sweep trains nothing twice. Raises AnimlearnError for bad input, another study in
    `out_dir` or a sweep writing it, before anything is touched; SweepInterrupted on
    Ctrl-C, after writing the results so far (see folder.py for what a folder holds)."""
    given = {k: options.pop(k) for k in STUDY & set(options)}
    study = StudyOptions(**resolve(StudyOptions, given))
    unknown = set(options) - set(SHARED)
    if unknown:
        raise TypeError(f"sweep() got unknown option(s): {', '.join(sorted(unknown))}")
    paths = [images] if isinstance(images, (str, Path)) else list(images)
    plan, count = _plan([Path(p) for p in paths], Path(out_dir), study, options)
    start = time.perf_counter()
    workers = connect(study.workers, study.scheduler)
    schedule = dict(epochs=plan.epochs, halving=plan.eta, grace=plan.grace)
    outputs: list[Path] = []
    try:
        with folder.claimed(plan.folder, plan.study, schedule), Interrupts() as stop:
            report = page.Report(plan.folder, plan.targets, dict(plan.settings, halving=plan.eta or "none"))
            driver = Study(plan, report.progress(on_progress))
            try:
                driver.run(workers)
            except KeyboardInterrupt:  # from a signal, which `stop` counted, or raised by on_progress
                stop.count = stop.count or 1
            finally:
                with stop.held():
                    workers.close()
                    driver.write()
            outputs += [plan.folder / results.CSV_NAME, plan.folder / results.MARKDOWN_NAME]
            ranked = results.rank(driver.final_rows())
            if not stop.count:  # after a Ctrl-C the same command draws the pictures
                _draw(plan, ranked, study.top, settings.PRESETS["quick"], outputs, stop)
            with stop.held():
                outputs.append(report.write("interrupted" if stop.count else "done"))
    finally:
        workers.close()
    seconds = time.perf_counter() - start
    result = SweepResult(plan.folder, ranked, outputs, seconds, count, bool(stop.count), driver.retried)
    if stop.count:
        raise SweepInterrupted(result)
    return result


class Interrupts:
    """Ctrl-C and SIGTERM during a sweep. The first raises KeyboardInterrupt where the sweep
    is, unless it is `held()` (ending the workers, writing the results): then the sweep
    sees it in `count` when that is done. Later ones are only counted: the sweep is
    already stopping. Only the main thread receives signals; elsewhere this does nothing."""

    SIGNALS = (signal.SIGINT, signal.SIGTERM)

    def __init__(self) -> None:
        self.count, self.holding = 0, False
        self.kept: dict[int, Any] = {}

    def _caught(self, number: int, frame: Any) -> None:
        self.count += 1
        if self.count == 1 and not self.holding:
            raise KeyboardInterrupt

    def __enter__(self) -> Interrupts:
        if threading.current_thread() is threading.main_thread():
            self.kept = {sig: signal.getsignal(sig) for sig in self.SIGNALS}
            for sig in self.SIGNALS:
                if self.kept[sig] is not signal.SIG_IGN:
                    signal.signal(sig, self._caught)
        return self

    def __exit__(self, *exc: object) -> None:
        for sig, handler in self.kept.items():
            signal.signal(sig, handler)

    @contextlib.contextmanager
    def held(self) -> Iterator[None]:
        self.holding = True
        try:
            yield
        finally:
            self.holding = False


def _plan(images: list[Path], out: Path, study: StudyOptions, options: dict[str, Any]) -> tuple[Plan, int]:
    """Everything checked before anything trains: specs, numbers, pictures, folder."""
    if not study.nets:
        raise AnimlearnError("no networks given; name some with --net, e.g. --net '{2,4}x64:relu:adam'")
    nets = expand.specs(study.nets)
    if options.get("halflife") is None:  # a longer study decays at its first pace, as render's --resume
        options = dict(options, halflife=folder.recorded(out, "halflife"))
    s = settings.resolve("quick", **options)
    for name in ("seeds", "top"):
        value = getattr(study, name)
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise AnimlearnError(f"--{name} {value!r}: give a whole number, 1 or more")
    if out.exists() and not out.is_dir():
        raise AnimlearnError(f"{out}: is a file; give a folder for the sweep's results")
    if not out.parent.is_dir():
        raise AnimlearnError(f"{out}: folder {out.parent} does not exist; create it first")
    writable(out / results.CSV_NAME if out.is_dir() else out)  # a real try, in the folder that will hold it
    pictures = _load(images, s.size)  # a picture we cannot read fails here, not in a worker
    for p in pictures.values():  # and one too small for the hold-out
        target.holdout(p.pixels.shape[1], p.pixels.shape[0], s.holdout, np.random.default_rng(0))
    shared = {k: getattr(s, k) for k in SHARED}
    context = {k: v for k, v in shared.items() if k != "epochs"}
    contexts = {name: dict(context, picture=p.digest) for name, p in pictures.items()}
    expand.confirm(len(nets) * study.seeds * len(contexts), study.yes)  # before the list is made
    trials = expand.trials(nets, study.seeds, contexts)
    halving.rungs(s.epochs, study.halving, len(nets), study.grace)  # checks --halving and --grace
    digests = sorted(p.digest for p in pictures.values())  # the same pictures in any order: one study
    record = dict(context, picture=digests[0] if len(digests) == 1 else digests)  # as study.json holds it
    record.update(nets=[n.text() for n in nets], seeds=study.seeds)
    folder.check(out, record)
    sizes = {  # a grid's tables depend on the picture's size
        (n.text(), name): model.parameters(n, p.pixels.shape[1], p.pixels.shape[0])
        for n in nets
        for name, p in pictures.items()
    }
    plan = Plan(trials, shared, study.halving, study.grace, pictures, out, record, sizes)
    return plan, len(trials)


def _load(images: list[Path], size: int) -> dict[str, Picture]:
    """Each picture read at the study's size and named for its file, the names made unique."""
    if not images:
        raise AnimlearnError("no picture given; name one or more, e.g. animlearn sweep a.jpg b.jpg -o study/")
    out: dict[str, Picture] = {}
    for path in images:
        loaded = target.load(path, size)
        digest = checkpoint.digest(loaded.pixels)
        twin = next((p for p in out.values() if p.digest == digest), None)
        if twin is not None:
            raise AnimlearnError(f"{path}: the same picture as {twin.name!r}; give each picture once")
        name, n = path.stem, 1
        while name in out:
            n += 1
            name = f"{path.stem}-{n}"
        out[name] = Picture(name, path.read_bytes(), path.suffix, digest, loaded.pixels)
    return out


def _draw(
    plan: Plan, ranked: list[Row], top: int, out: Settings, written: list[Path], stop: Interrupts
) -> None:
    """sheet.png, chart.png, race.gif and race.mp4 from what the trials kept, none before any
    has, each added to `written` once it is; a Ctrl-C (counted in `stop`) ends them."""
    entries = _entries(plan, ranked)
    if not entries:
        return
    sheet, chart, gif, mp4 = (
        plan.folder / name for name in ("sheet.png", "chart.png", "race.gif", "race.mp4")
    )
    try:
        show.sheet(sheet, plan.targets, entries)
        written.append(sheet)
        show.chart(chart, entries, top)
        written.append(chart)
        race.race([gif, mp4], plan.targets, entries, top, out.fps, out.hold, out.quality)
        written += [gif, mp4]
    except (KeyboardInterrupt, Exception):
        # Ctrl-C; a terminal's reaches the MP4 encoder's ffmpeg too, which may fail first. Each
        # file is whole or absent: they are written beside and renamed.
        if not stop.count:
            raise


def _entries(plan: Plan, ranked: list[Row]) -> list[show.Entry]:
    """The ranked trials as the pictures show them, those with nothing kept left out."""
    entries = []
    for rank, row in enumerate(ranked, start=1):
        digest = plan.pictures[row.picture].digest
        trial = TrialFolder(plan.folder, row.trial, row.spec, row.seed, digest)
        meta = trial.saved()
        if meta is None:  # diverged or failed before its first chunk ended
            continue
        scores = meta["scores"]
        psnr = [(int(t), v) for t, v in scores["history"][0] if t <= row.epochs]
        held = [(int(t), v) for t, v in scores["held_history"][0] if t <= row.epochs] or None
        stopped = row.stopped_at if row.stopped_at is not None and row.stopped_at < plan.epochs else None
        label = spec.parse(row.spec).label()
        path = trial.paintings_path
        entries.append(show.Entry(label, row.seed, psnr, held, stopped, rank, path, row.picture))
    return entries
