"""render(): target -> models -> trainer -> painter -> composer -> buffer -> encoders."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from . import encoders, notebook
from .canvas.buffer import FrameBuffer
from .canvas.compose import Composer, enlarge, outline, paint, upscale_factor
from .canvas.metrics import Scoreboard
from .canvas.plot import strip as chart
from .config import settings as settings_mod
from .config.schedule import epoch_label, frame_steps
from .config.settings import Settings
from .encoders import pngs
from .errors import AnimlearnError, Diverged
from .io import checkpoint as checkpoints
from .io import log as table
from .io import target as target_mod
from .io.atomic import writable
from .nets import model as model_mod
from .nets.model import Model
from .train.trainer import Stopped, Trainer

CHECKPOINT_SECONDS = 30.0  # between checkpoint saves; one is also saved on exit
STRIP_HEIGHT = 120  # px of the --plot strip
HOLDOUT_STREAM = 1000  # the hidden patches' own seed stream


@dataclass
class EpochReport:
    """What a progress display needs after each epoch."""

    epoch: int
    epochs: int
    names: list[str]
    losses: list[float]  # mean squared error per channel over the epoch
    psnrs: list[float]  # dB, of the latest painted frame (may trail by an epoch)
    samples: int  # pixels trained per network this epoch
    seconds: float  # since training started


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


def render(
    image: str | Path,
    output: str | Path | Sequence[str | Path],
    *,
    preset: str = "quick",
    epochs: int | None = None,
    size: int | None = None,
    hidden: str | Sequence[int] | None = None,
    nets: str | Sequence[str] | None = None,
    lr: float | None = None,
    lr_scale: str | None = None,
    seed: int | None = None,
    shallow: bool | None = None,
    shallow_width: int | None = None,
    target: bool | None = None,
    holdout: float | None = None,
    caption: bool | None = None,
    plot: bool | None = None,
    fps: float | None = None,
    hold: float | None = None,
    quality: int | None = None,
    schedule: str | None = None,
    every: int | None = None,
    frames_per_epoch: int | None = None,
    frames: str | Path | None = None,
    log: str | Path | None = None,
    checkpoint: str | Path | None = None,
    resume: str | Path | None = None,
    on_epoch: Callable[[EpochReport], None] | None = None,
    on_note: Callable[[str], None] | None = None,
) -> RenderResult:
    """Train networks to paint `image` and write their learning as an animation.

    `nets` are specs such as '4x300' or '3x256:relu:fourier=256:adam' (see
    spec.py), one panel each. Options left as None come from `preset` (see
    settings.PRESETS). With `checkpoint`, the run is saved there every
    CHECKPOINT_SECONDS and on exit; `resume` continues a saved run to `epochs`.
    `log` names a CSV file that gets a row per network per frame. Raises
    AnimlearnError for bad input, Diverged if a network blows up (after writing
    the frames so far), and Interrupted on Ctrl-C (ditto).
    """
    saved = checkpoints.load(resume) if resume is not None else None
    s = (settings_mod.resumed if saved else settings_mod.resolve)(
        *((saved.settings, saved.epochs_done) if saved else (preset,)),
        epochs=epochs,
        size=size,
        hidden=hidden,
        nets=nets,
        lr=lr,
        lr_scale=lr_scale,
        seed=seed,
        shallow=shallow,
        shallow_width=shallow_width,
        target=target,
        holdout=holdout,
        caption=caption,
        plot=plot,
        fps=fps,
        hold=hold,
        quality=quality,
        schedule=schedule,
        every=every,
        frames_per_epoch=frames_per_epoch,
    )
    image = Path(image)
    options = encoders.Options(fps=s.fps, hold=s.hold, quality=s.quality)
    paths = encoders.check_outputs(output, options, source=image)
    frames_dir = Path(frames) if frames is not None else None
    if frames_dir is not None and frames_dir.exists() and not frames_dir.is_dir():
        raise AnimlearnError(f"--frames {frames_dir}: is a file; give a folder")
    log_path = table.check(Path(log)) if log is not None else None
    checkpoint = Path(checkpoint) if checkpoint is not None else None
    if checkpoint is not None:
        writable(checkpoint)
    tgt = target_mod.load(image, s.size)
    for note in tgt.notes if on_note is not None else []:
        on_note(note)
    digest = checkpoints.digest(tgt.pixels)
    if saved and digest != saved.target_digest:
        raise AnimlearnError(f"{image}: a different picture from the one the checkpoint trained on")

    models, order_seed = model_mod.lineup(s, tgt.width, tgt.height)
    if saved:
        models = saved.models
    hide_rng = np.random.default_rng(np.random.SeedSequence(s.seed, spawn_key=(HOLDOUT_STREAM,)))
    hidden_mask = target_mod.holdout(tgt.width, tgt.height, s.holdout, hide_rng)
    board = Scoreboard(models, tgt.pixels, hidden_mask)
    if saved:
        board.restore(saved.scores)

    k = upscale_factor(tgt.width, tgt.height)
    shown = (tgt.width * k, tgt.height * k)
    big_mask = None if hidden_mask is None else np.kron(hidden_mask, np.ones((k, k), bool))
    target_panel = enlarge(tgt.pixels, k)
    if big_mask is not None:
        target_panel = outline(target_panel, big_mask)
    titles = board.titles() + (["target"] if s.target else [])
    composer = Composer(titles, *shown, captions=s.caption, strip_height=STRIP_HEIGHT if s.plot else 0)

    buffer = FrameBuffer()
    if saved:
        for frame in checkpoints.frames(resume):
            buffer.append(frame)

    def paint_frame(epoch: str, x: float, snapshot: list[Model], losses: list[float], seconds: float) -> None:
        panels = []
        for n, m in enumerate(snapshot):
            small = paint(m, tgt.width, tgt.height)
            board.score(n, small, x)
            panel = enlarge(small, k)
            panels.append(panel if big_mask is None else outline(panel, big_mask))
        if s.target:
            panels.append(target_panel)
        strip = None
        if s.plot:
            dashed = board.held_history if hidden_mask is not None else None
            # The axis grows with the run (no fixed total), so a resumed run's frames match.
            strip = chart(composer.width, STRIP_HEIGHT, board.history, board.names, None, dashed, "epochs")
        # No total in the caption: a resumed, longer run keeps the same frames.
        buffer.append(composer.compose(panels, f"epoch {epoch}", strip, board.titles()))
        board.log(epoch, losses, seconds)

    keep = np.flatnonzero(~hidden_mask.ravel()) if hidden_mask is not None else slice(None)
    trainer = Trainer(models, tgt.coords[keep], tgt.colours[keep], seed=order_seed)
    if saved:
        trainer.rng.bit_generator.state = saved.rng_state
        trainer.epochs_done = saved.epochs_done
    painter = ThreadPoolExecutor(max_workers=1, thread_name_prefix="paint")
    pending: Future | None = None
    start = time.perf_counter() - (saved.seconds if saved else 0.0)
    stopped: BaseException | None = None
    per_epoch = s.frames_per_epoch
    wanted = set(frame_steps(s.epochs, per_epoch, s.step_every, s.schedule))
    step = trainer.epochs_done * per_epoch
    state = saved  # what a checkpoint holds: the end of the last finished epoch
    frames_made = len(buffer)  # painted or being painted

    def save_checkpoint() -> None:
        if checkpoint is not None and state is not None:
            painter.submit(lambda: None).result()  # every frame so far is in the buffer
            # Frames and scores of the state's epochs only: an interrupted epoch may
            # have painted one more, which the resumed run paints again.
            state.scores = board.state(state.frame_count)
            checkpoints.save(checkpoint, state, buffer)

    last_save = time.monotonic()
    try:
        for epoch in range(trainer.epochs_done + 1, s.epochs + 1):
            parts = []
            for part in trainer.epoch_parts(per_epoch):
                parts.append(part)
                step += 1
                if step not in wanted:
                    continue
                snapshot = [m.copy(state=False) for m in models]
                if pending is not None:
                    pending.result()  # at most one frame in flight keeps memory bounded
                label = epoch_label(step, per_epoch)
                seconds = time.perf_counter() - start
                pending = painter.submit(paint_frame, label, step / per_epoch, snapshot, part, seconds)
                frames_made += 1
            # slices differ by at most one sample, so their mean is the epoch's
            losses = np.mean(parts, axis=0).tolist()
            if checkpoint is not None:
                state = checkpoints.Checkpoint(
                    s,
                    [m.copy() for m in models],
                    trainer.rng.bit_generator.state,
                    epoch,
                    digest,
                    tgt.width,
                    tgt.height,
                    frame_count=frames_made,
                    seconds=time.perf_counter() - start,
                )
                if time.monotonic() - last_save > CHECKPOINT_SECONDS:
                    save_checkpoint()
                    last_save = time.monotonic()
            if on_epoch is not None:
                on_epoch(
                    EpochReport(
                        epoch,
                        s.epochs,
                        board.names,
                        losses,
                        list(board.psnrs),
                        len(trainer.coords),
                        time.perf_counter() - start,
                    )
                )
    except (KeyboardInterrupt, Stopped, Diverged) as e:
        stopped = e
    finally:
        trainer.close()
        if pending is not None and not isinstance(stopped, KeyboardInterrupt):
            pending.result()
        if not isinstance(stopped, Diverged):  # keep the last good checkpoint
            save_checkpoint()
        painter.shutdown(wait=True)

    result = RenderResult(
        paths,
        len(buffer),
        trainer.epochs_done,
        board.names,
        list(board.psnrs),
        time.perf_counter() - start,
        interrupted=stopped is not None,
        settings=s,
        holdout_psnrs=list(board.held) if hidden_mask is not None else [],
        log=log_path,
    )
    try:
        if len(buffer):
            for path in paths:
                encoders.write(buffer, path, options)
            if frames_dir is not None:
                pngs.write(buffer, frames_dir)
            if log_path is not None:
                table.write(board.rows, log_path)
    finally:
        buffer.close()
    if isinstance(stopped, Diverged):
        stopped.result = result
        raise stopped
    if stopped is not None:
        raise Interrupted(result)
    return result
