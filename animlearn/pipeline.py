"""render(): target -> networks -> trainer -> painter -> composer -> buffer -> encoders."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from . import checkpoint as checkpoints
from . import encoders, network
from . import settings as settings_mod
from . import target as target_mod
from .buffer import FrameBuffer
from .encoders import pngs
from .encoders.atomic import writable
from .errors import AnimlearnError, Diverged
from .frames import Composer, enlarge, paint, psnr, upscale_factor
from .schedule import epoch_label, frame_steps
from .settings import Settings
from .trainer import Stopped, Trainer

CHECKPOINT_SECONDS = 30.0  # between checkpoint saves; one is also saved on exit


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


class Interrupted(Exception):
    """Training was interrupted; the frames so far were written."""

    def __init__(self, result: RenderResult):
        super().__init__("interrupted")
        self.result = result


def _copy(nets: list[network.Network]) -> list[network.Network]:
    """The networks as they are now, safe from the training threads."""
    return [replace(n, params=n.params.copy()) for n in nets]


def networks(s: Settings) -> tuple[list[network.Network], int]:
    """The run's networks (shallow first, if any) and the seed of its pixel order.

    Each draws from its own seed stream, so the deep network and the order are
    the same whether or not --shallow is on.
    """
    order_seed, deep_seed, shallow_seed = np.random.SeedSequence(s.seed).spawn(3)
    nets = [network.create(s.hidden, s.lr, s.lr_scale, np.random.default_rng(deep_seed))]
    if s.shallow:
        width = s.shallow_width or network.equal_params_width(s.hidden)
        nets.insert(0, network.create((width,), s.lr, s.lr_scale, np.random.default_rng(shallow_seed)))
    return nets, int(order_seed.generate_state(1)[0])


def render(
    image: str | Path,
    output: str | Path | Sequence[str | Path],
    *,
    preset: str = "quick",
    epochs: int | None = None,
    size: int | None = None,
    hidden: str | Sequence[int] | None = None,
    lr: float | None = None,
    lr_scale: str | None = None,
    seed: int | None = None,
    shallow: bool | None = None,
    shallow_width: int | None = None,
    target: bool | None = None,
    caption: bool | None = None,
    fps: float | None = None,
    hold: float | None = None,
    quality: int | None = None,
    schedule: str | None = None,
    every: int | None = None,
    frames_per_epoch: int | None = None,
    frames: str | Path | None = None,
    checkpoint: str | Path | None = None,
    resume: str | Path | None = None,
    on_epoch: Callable[[EpochReport], None] | None = None,
    on_note: Callable[[str], None] | None = None,
) -> RenderResult:
    """Train a network to paint `image` and write the learning as an animation.

    Options left as None come from `preset` ('quick' or 'seed'). With
    `checkpoint`, the run is saved there every CHECKPOINT_SECONDS and on exit;
    `resume` continues a saved run to `epochs`. Raises AnimlearnError for bad
    input, Diverged if a network blows up (after writing the frames so far),
    and Interrupted on Ctrl-C (ditto).
    """
    saved = checkpoints.load(resume) if resume is not None else None
    s = (settings_mod.resumed if saved else settings_mod.resolve)(
        *((saved.settings, saved.epochs_done) if saved else (preset,)),
        epochs=epochs,
        size=size,
        hidden=hidden,
        lr=lr,
        lr_scale=lr_scale,
        seed=seed,
        shallow=shallow,
        shallow_width=shallow_width,
        target=target,
        caption=caption,
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
    checkpoint = Path(checkpoint) if checkpoint is not None else None
    if checkpoint is not None:
        writable(checkpoint)
    tgt = target_mod.load(image, s.size)
    for note in tgt.notes if on_note is not None else []:
        on_note(note)
    digest = checkpoints.digest(tgt.pixels)
    if saved and digest != saved.target_digest:
        raise AnimlearnError(f"{image}: a different picture from the one the checkpoint trained on")

    nets, order_seed = networks(s)
    if saved:
        nets = saved.nets
    names = [net.name for net in nets]

    k = upscale_factor(tgt.width, tgt.height)
    shown = (tgt.width * k, tgt.height * k)
    target_panel = enlarge(tgt.pixels, k)
    composer = Composer(names + (["target"] if s.target else []), *shown, captions=s.caption)

    buffer = FrameBuffer()
    psnrs = list(saved.psnrs) if saved else [float("nan")] * len(nets)
    if saved:
        for frame in checkpoints.frames(resume):
            buffer.append(frame)

    def paint_frame(epoch: str, snapshot: list[network.Network]) -> None:
        panels = []
        for n, net in enumerate(snapshot):
            small = paint(net, tgt.width, tgt.height)
            psnrs[n] = psnr(small, tgt.pixels)
            panels.append(enlarge(small, k))
        if s.target:
            panels.append(target_panel)
        scores = " · ".join(f"{name} {p:.1f} dB" for name, p in zip(names, psnrs))
        # No total in the caption: a resumed, longer run keeps the same frames.
        buffer.append(composer.compose(panels, f"epoch {epoch} · {scores}"))

    trainer = Trainer(nets, tgt.coords, tgt.colours, seed=order_seed)
    if saved:
        trainer.rng.bit_generator.state = saved.rng_state
        trainer.epochs_done = saved.epochs_done
    painter = ThreadPoolExecutor(max_workers=1, thread_name_prefix="paint")
    pending: Future | None = None
    start = time.perf_counter()
    stopped: BaseException | None = None
    per_epoch = s.frames_per_epoch
    wanted = set(frame_steps(s.epochs, per_epoch, s.step_every, s.schedule))
    step = trainer.epochs_done * per_epoch
    state = saved  # what a checkpoint holds: the end of the last finished epoch

    def save_checkpoint() -> None:
        if checkpoint is not None and state is not None:
            painter.submit(lambda: None).result()  # every frame so far is in the buffer
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
                snapshot = _copy(nets)
                if pending is not None:
                    pending.result()  # at most one frame in flight keeps memory bounded
                pending = painter.submit(paint_frame, epoch_label(step, per_epoch), snapshot)
            # slices differ by at most one sample, so their mean is the epoch's
            losses = np.mean(parts, axis=0).tolist()
            if checkpoint is not None:
                rng_state = trainer.rng.bit_generator.state
                state = checkpoints.Checkpoint(
                    s, _copy(nets), rng_state, epoch, psnrs, digest, tgt.width, tgt.height
                )
                if time.monotonic() - last_save > CHECKPOINT_SECONDS:
                    save_checkpoint()
                    last_save = time.monotonic()
            if on_epoch is not None:
                on_epoch(
                    EpochReport(
                        epoch,
                        s.epochs,
                        names,
                        losses,
                        list(psnrs),
                        len(tgt.coords),
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
        names,
        list(psnrs),
        time.perf_counter() - start,
        interrupted=stopped is not None,
        settings=s,
    )
    try:
        if len(buffer):
            for path in paths:
                encoders.write(buffer, path, options)
            if frames_dir is not None:
                pngs.write(buffer, frames_dir)
    finally:
        buffer.close()
    if isinstance(stopped, Diverged):
        stopped.result = result
        raise stopped
    if stopped is not None:
        raise Interrupted(result)
    return result
