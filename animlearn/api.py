"""render() and paint(): short functions over a Run."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

import numpy as np

from . import encoders, notebook
from .canvas.paint import picture
from .config import settings
from .config.options import RunOptions, resolve
from .config.settings import Settings
from .encoders import pngs, still
from .encoders.options import About, Series
from .errors import AnimlearnError, Diverged
from .io import checkpoint, log, target
from .io.atomic import apart, writable
from .nets import wide
from .nets.model import Model
from .run import EpochReport, Run, Snapshot
from .train import available_cores
from .train.trainer import Stopped

CHECKPOINT_SECONDS = 30.0  # between checkpoint saves; one is also saved on exit


@dataclass
class RenderResult:
    outputs: list[Path]
    frames: int
    epochs: int
    names: list[str]
    psnrs: list[float]  # each network's final PSNR against the target, dB
    seconds: float
    interrupted: bool = False
    settings: Settings | None = field(default=None, repr=False)
    holdout_psnrs: list[float] = field(default_factory=list)  # on hidden pixels, with --holdout
    log: Path | None = None

    def _repr_html_(self) -> str:
        """Jupyter shows a render's animation inline (the IPython display protocol)."""
        return notebook.html(self.outputs)


class Interrupted(Exception):
    """Training was interrupted; the frames so far were written."""

    def __init__(self, result: RenderResult):
        super().__init__("interrupted")
        self.result = result


RUN_OPTIONS = {f.name for f in fields(RunOptions)}


def render(
    image: str | Path,
    output: str | Path | Sequence[str | Path],
    *,
    on_epoch: Callable[[EpochReport], None] | None = None,
    on_note: Callable[[str], None] | None = None,
    **options: Any,
) -> RenderResult:
    """Train networks to paint `image` and write their learning as an animation.

    `options` are the fields of config.settings.Settings (epochs, size, nets,
    lr, holdout, fps, ...; None or absent: the preset's) and of
    config.options.RunOptions (preset, frames, log, checkpoint, resume). `nets`
    are specs such as '4x300' or '3x256:relu:fourier=256:adam', one panel each.
    With `checkpoint`, the run is saved every CHECKPOINT_SECONDS and on exit;
    `resume` continues a saved run to `epochs`. `on_note` hears notes about the
    picture and what an output gave up to stay under its size cap (`max_size`,
    e.g. '10MB'; a GIF is held under 10 MB without it). Raises AnimlearnError for
    bad input and for a cap no output can meet (writing none), Diverged if a
    network blows up (after writing the frames so far), and Interrupted on
    Ctrl-C (ditto).
    """
    given = {k: options.pop(k) for k in RUN_OPTIONS & options.keys()}
    files = RunOptions(**resolve(RunOptions, given))
    saved = checkpoint.read(files.resume) if files.resume is not None else None
    if saved:
        done = saved.meta["epochs_done"]
        s = settings.resumed(settings.from_dict(saved.meta["settings"]), done, **options)
    else:
        s = settings.resolve(files.preset, **options)
    image = Path(image)
    opts = encoders.Options(fps=s.fps, hold=s.hold, quality=s.quality, max_size=s.max_size)
    paths = encoders.check_outputs(output, opts, source=image)
    _check_files(files, image, paths)
    tgt = target.load(image, s.size)
    for note in tgt.notes if on_note is not None else []:
        on_note(note)
    if saved and checkpoint.digest(tgt.pixels) != saved.meta["target_digest"]:
        raise AnimlearnError(f"{image}: a different picture from the one the checkpoint trained on")
    live = Live(files, on_epoch)
    hooks = dict(on_frame=live.frame)
    run = Run.restored(saved, files.resume, s, tgt, **hooks) if saved else Run.new(s, tgt, **hooks)
    stopped = _train(run, files.checkpoint, live)
    result = _result(run, paths, files, stopped)
    _write(run, paths, opts, on_note)
    if isinstance(stopped, Diverged):
        stopped.result = result
        raise stopped
    if stopped is not None:
        raise Interrupted(result)
    return result


def _check_files(files: RunOptions, image: Path, paths: list[Path]) -> None:
    """Refuse, before any training, files that could not be written or would overwrite another."""
    named = [("--frames", files.frames), ("--log", files.log), ("--checkpoint", files.checkpoint)]
    apart([("-o", p) for p in paths] + [(k, p) for k, p in named if p is not None], [("the picture", image)])
    if files.frames is not None and files.frames.exists() and not files.frames.is_dir():
        raise AnimlearnError(f"--frames {files.frames}: is a file; give a folder")
    if files.frames is not None and pngs.holds(files.frames, image):
        raise AnimlearnError(f"--frames {files.frames}: a frame would replace {image}; choose another folder")
    if files.log is not None:
        log.check(files.log)
    if files.checkpoint is not None:
        writable(files.checkpoint)


class Live:
    """What a render writes and shows while it trains: each frame as a PNG (--frames),
    each log row (--log) and, in Jupyter, a progress line with the latest frame.
    `frame()` is the painter's on_frame, on its thread; `epoch()` passes each
    report on to the caller's on_epoch."""

    def __init__(self, files: RunOptions, on_epoch: Callable[[EpochReport], None] | None):
        self.files, self.on_epoch = files, on_epoch
        self.folder: pngs.Folder | None = None
        self.log: log.Log | None = None
        self.view = notebook.live_view()

    def start(self, run: Run) -> None:
        """Before training: write what the run holds already (a resumed run's frames and rows)."""
        if self.files.frames is not None:
            self.folder = pngs.Folder(self.files.frames, len(run.steps))
            for frame in run.buffer:
                self.folder.add(frame)
        if self.files.log is not None:
            self.log = log.Log(self.files.log, run.board.rows)

    def frame(self, frame: np.ndarray, rows: list[dict]) -> None:
        if self.folder is not None:
            self.folder.add(frame)
        if self.log is not None:
            self.log.append(rows)
        if self.view is not None:
            self.view.frame(frame)

    def epoch(self, report: EpochReport) -> None:
        if self.view is not None:
            self.view.epoch(report)
        if self.on_epoch is not None:
            self.on_epoch(report)

    def close(self) -> None:
        """After training: close the log; the live view shows where training ended."""
        if self.log is not None:
            self.log.close()
        if self.view is not None:
            self.view.show()


class Autosave:
    """Keeps the latest end-of-epoch snapshot; saves it now and then, and at the end."""

    def __init__(self, run: Run, path: Path, on_epoch: Callable[[EpochReport], None] | None):
        self.run, self.path, self.on_epoch = run, path, on_epoch
        self.last: Snapshot | None = run.snapshot() if run.epochs_done else None
        self.saved_at = time.monotonic()

    def __call__(self, report: EpochReport) -> None:
        self.last = self.run.snapshot()
        if time.monotonic() - self.saved_at > CHECKPOINT_SECONDS:
            self.save()
        if self.on_epoch is not None:
            self.on_epoch(report)

    def save(self) -> None:
        if self.last is not None:
            self.run.save(self.path, self.last)
            self.saved_at = time.monotonic()


def _train(run: Run, path: Path | None, live: Live) -> BaseException | None:
    """Train to the end or to a stop, then save the last good checkpoint; what stopped it, if anything."""
    autosave: Autosave | None = None
    stopped: BaseException | None = None
    try:
        live.start(run)
        autosave = Autosave(run, path, live.epoch) if path is not None else None
        run.train(on_epoch=autosave or live.epoch)
    except (KeyboardInterrupt, Stopped, Diverged) as e:
        stopped = e
    finally:
        try:
            run.close(wait=not isinstance(stopped, KeyboardInterrupt))
        finally:
            live.close()  # after the painter's last frame
        if autosave is not None and not isinstance(stopped, Diverged):  # keep the last good one
            autosave.save()
    return stopped


def _result(run: Run, paths: list[Path], files: RunOptions, stopped: BaseException | None) -> RenderResult:
    board = run.board
    return RenderResult(
        paths,
        len(run.buffer),
        run.epochs_done,
        board.names,
        list(board.psnrs),
        run.seconds,
        interrupted=stopped is not None,
        settings=run.settings,
        holdout_psnrs=list(board.held) if run.holdout is not None else [],
        log=files.log,
    )


def _write(
    run: Run, paths: list[Path], opts: encoders.Options, on_note: Callable[[str], None] | None
) -> None:
    """The animations; the frames and the log were written as they came."""
    try:
        if len(run.buffer):
            encoders.write_all(run.buffer, paths, replace(opts, about=_about(run)), on_note)
    finally:
        run.buffer.close()


def _about(run: Run) -> About:
    """What the frames show, for the HTML player: each frame's epoch, every score, the settings."""
    board, names = run.board, len(run.board.names)
    labels = tuple(row["epoch"] for row in board.rows[::names])[: len(run.buffer)]
    series = []
    for name, trained, held in zip(board.names, board.history, board.held_history):
        series.append(Series(name, tuple(trained)))
        if held:
            series.append(Series(f"{name}, hidden pixels", tuple(held), dashed=True))
    shown = (f for f in fields(Settings) if getattr(run.settings, f.name) not in (None, ()))
    settings = tuple((f.name.replace("_", "-"), _shown(getattr(run.settings, f.name))) for f in shown)
    moments = tuple(t for t, _ in board.history[0])[: len(run.buffer)]
    return About(moments, labels, tuple(series), settings, "animlearn: " + ", ".join(board.names))


def _shown(value: Any) -> str:
    return ", ".join(map(str, value)) if isinstance(value, tuple) else str(value)


def paint(saved: str | Path, output: str | Path, *, size: int = 1024, net: str = "deep") -> Path:
    """Paint one of the checkpoint's networks so that the longer side is `size` px,
    with the training picture's aspect; returns the path written. `net` is a panel
    number counted from 1 on the left, 'shallow' (the --shallow network) or 'deep'
    (the first other one)."""
    output = still.check(Path(output))
    writable(output)
    if not isinstance(size, int) or isinstance(size, bool) or not 1 <= size <= 8192:
        raise AnimlearnError(f"--size {size!r}: must be a whole number from 1 to 8192")
    cp = checkpoint.read(saved)
    width, height = cp.meta["size"]
    models = [Model.restored(m, a, width, height) for m, a in zip(cp.meta["models"], cp.arrays)]
    names = {"shallow": 0, "deep": 1} if cp.meta["settings"]["shallow"] else {"deep": 0}
    index = int(net) - 1 if net.isdigit() else names.get(net)
    if index is None or not 0 <= index < len(models):
        have = ", ".join(f"{k} ({m.name})" for k, m in enumerate(models, start=1))
        raise AnimlearnError(f"--net {net!r}: not in this checkpoint; give a panel number: {have}")
    chosen = models[index]
    # nets/wide.py's kernel paints on our threads; numpy's products bring BLAS's own
    threads = available_cores() if wide.applies(chosen.net.sizes, chosen.net.act) else 1
    still.write(picture(chosen, *target.fitted(width, height, size), threads), output)
    return output
