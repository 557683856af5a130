"""render(): target -> networks -> trainer -> painter -> composer -> buffer -> encoders."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

from . import encoders, network
from . import settings as settings_mod
from . import target as target_mod
from .buffer import FrameBuffer
from .encoders import pngs
from .errors import AnimlearnError, Diverged
from .frames import Composer, enlarge, paint, psnr, upscale_factor
from .schedule import epoch_label, frame_steps
from .settings import Settings
from .trainer import Stopped, Trainer


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
    on_epoch: Callable[[EpochReport], None] | None = None,
) -> RenderResult:
    """Train a network to paint `image` and write the learning as an animation.

    Options left as None come from `preset` ('quick' or 'seed'). Raises
    AnimlearnError for bad input, Diverged if a network blows up (after writing
    the frames so far), and Interrupted on Ctrl-C (ditto).
    """
    s = settings_mod.resolve(
        preset,
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
    tgt = target_mod.load(image, s.size)

    order_seed, deep_seed, shallow_seed = np.random.SeedSequence(s.seed).spawn(3)
    nets = [network.create(s.hidden, s.lr, s.lr_scale, np.random.default_rng(deep_seed))]
    if s.shallow:
        width = s.shallow_width or network.equal_params_width(s.hidden)
        nets.insert(0, network.create((width,), s.lr, s.lr_scale, np.random.default_rng(shallow_seed)))
    names = [net.name for net in nets]

    k = upscale_factor(tgt.width, tgt.height)
    shown = (tgt.width * k, tgt.height * k)
    target_panel = enlarge(tgt.pixels, k)
    composer = Composer(names + (["target"] if s.target else []), *shown, captions=s.caption)

    buffer = FrameBuffer()
    psnrs = [float("nan")] * len(nets)

    def paint_frame(epoch: str, snapshot: list[network.Network]) -> None:
        panels = []
        for n, net in enumerate(snapshot):
            small = paint(net, tgt.width, tgt.height)
            psnrs[n] = psnr(small, tgt.pixels)
            panels.append(enlarge(small, k))
        if s.target:
            panels.append(target_panel)
        scores = " · ".join(f"{name} {p:.1f} dB" for name, p in zip(names, psnrs))
        buffer.append(composer.compose(panels, f"epoch {epoch}/{s.epochs} · {scores}"))

    trainer = Trainer(nets, tgt.coords, tgt.colours, seed=int(order_seed.generate_state(1)[0]))
    painter = ThreadPoolExecutor(max_workers=1, thread_name_prefix="paint")
    pending: Future | None = None
    start = time.perf_counter()
    stopped: BaseException | None = None
    per_epoch = s.frames_per_epoch
    wanted = set(frame_steps(s.epochs, per_epoch, s.step_every, s.schedule))
    step = 0
    # Painting's matrix products get one BLAS thread: training holds the other
    # core, and a second BLAS thread would only take turns with it.
    blas = threadpool_limits(limits=1, user_api="blas")
    try:
        for epoch in range(1, s.epochs + 1):
            parts = []
            for part in trainer.epoch_parts(per_epoch):
                parts.append(part)
                step += 1
                if step not in wanted:
                    continue
                snapshot = [network.Network(n.hidden, n.params.copy(), n.lrs) for n in nets]
                if pending is not None:
                    pending.result()  # at most one frame in flight keeps memory bounded
                pending = painter.submit(paint_frame, epoch_label(step, per_epoch), snapshot)
            # slices differ by at most one sample, so their mean is the epoch's
            losses = np.mean(parts, axis=0).tolist()
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
        painter.shutdown(wait=True)
        blas.restore_original_limits()

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
        raise stopped
    if stopped is not None:
        raise Interrupted(result)
    return result
