"""Run: a line-up of networks learning one picture, painted into frames as it trains.

A Run holds the line-up, its trainer, scoreboard, frame schedule, painter and
frame buffer. It is made new or from a checkpoint, trained for some epochs,
snapshotted at the end of any epoch, saved, and closed. render() and a sweep's
trials are short functions over it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from .canvas.buffer import FrameBuffer
from .canvas.metrics import Scoreboard
from .canvas.painter import Painter
from .config.schedule import epoch_label, frame_steps
from .config.settings import Settings
from .io import checkpoint
from .io.target import Target, holdout
from .nets.model import Model, lineup
from .train.trainer import Trainer

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
class Snapshot:
    """A run at the end of an epoch: what a checkpoint holds."""

    models: list[Model]  # copies, safe from further training
    trainer: dict  # Trainer.saved()
    frame_count: int  # frames of the epochs done
    seconds: float  # of training so far


class Run:
    def __init__(
        self,
        settings: Settings,
        target: Target,
        models: list[Model],
        order_seed: int,
        *,
        on_paint: Callable[[float, list[np.ndarray]], None] | None = None,
        on_frame: Callable[[np.ndarray, list[dict]], None] | None = None,
        compose: bool = True,
        cores: int | None = None,
    ):
        """`on_paint(epochs, paintings)` gets each model's picture at every frame's moment;
        without `compose`, those pictures are all a run keeps (a sweep's trials);
        `cores` bounds the training threads (a sweep's trials: 1), else --threads does."""
        s = self.settings = settings
        self.target, self.models = target, models
        hide = np.random.default_rng(np.random.SeedSequence(s.seed, spawn_key=(HOLDOUT_STREAM,)))
        self.holdout = holdout(target.width, target.height, s.holdout, hide)
        self.board = Scoreboard(models, target.pixels, self.holdout)
        self.buffer = FrameBuffer()
        keep = np.flatnonzero(self.holdout.trained.ravel()) if self.holdout is not None else slice(None)
        threads = cores if cores is not None else s.threads
        self.trainer = Trainer(models, target.coords[keep], target.colours[keep], order_seed, threads)
        self.painter = Painter(
            self.board,
            self.buffer,
            self.holdout,
            show_target=s.target,
            captions=s.caption,
            plot=s.plot,
            on_paint=on_paint,
            on_frame=on_frame,
            compose=compose,
            # a team waits while a frame is painted (see train), so painting takes its cores
            threads=self.trainer.cores if self.trainer.teamed else 1,
        )
        self.steps = set(frame_steps(s.epochs, s.frames_per_epoch, s.step_every, s.schedule))
        self.step = 0  # of the schedule's grid, trained so far
        self.frames_made = 0  # painted or being painted
        self.digest = checkpoint.digest(target.pixels)
        self.started = time.perf_counter()

    @classmethod
    def new(cls, settings: Settings, target: Target, **kwargs) -> Run:
        models, order_seed = lineup(settings, target.width, target.height)
        return cls(settings, target, models, order_seed, **kwargs)

    @classmethod
    def restored(
        cls, saved: checkpoint.Saved, frames: Path, settings: Settings, target: Target, **kwargs
    ) -> Run:
        """The run a checkpoint holds, to go on to `settings.epochs`; `frames` is its file."""
        meta = saved.meta
        size = target.width, target.height
        models = [Model.restored(m, a, *size) for m, a in zip(meta["models"], saved.arrays)]
        run = cls(settings, target, models, 0, **kwargs)  # the order's stream is restored below
        run.trainer.restore(meta)
        run.board.restore(meta["scores"])
        for frame in checkpoint.frames(frames):
            run.buffer.append(frame)
        run.step = run.trainer.epochs_done * settings.frames_per_epoch
        run.frames_made = len(run.board.history[0])  # the moments painted and scored
        run.started -= meta["seconds"]
        return run

    @property
    def epochs_done(self) -> int:
        return self.trainer.epochs_done

    @property
    def seconds(self) -> float:
        return time.perf_counter() - self.started

    def train(self, until: int | None = None, on_epoch: Callable[[EpochReport], None] | None = None) -> None:
        """Train up to epoch `until` (the settings' epochs by default), painting the
        scheduled frames. Raises what training raises: Stopped, Diverged, KeyboardInterrupt."""
        per = self.settings.frames_per_epoch
        for epoch in range(self.epochs_done + 1, (until or self.settings.epochs) + 1):
            parts = []
            for part in self.trainer.epoch_parts(per):
                parts.append(part)
                self.step += 1
                if self.step in self.steps:
                    models = [m.copy(moments=False) for m in self.models]
                    self.painter.submit(
                        epoch_label(self.step, per), self.step / per, models, part, self.seconds
                    )
                    self.frames_made += 1
                    if self.trainer.teamed:
                        self.painter.wait()  # on every core, while the team waits
            # slices differ by at most one sample, so their mean is the epoch's
            losses = np.mean(parts, axis=0).tolist()
            if on_epoch is not None:
                report = EpochReport(
                    epoch, self.settings.epochs, self.board.names, losses, list(self.board.psnrs),
                    len(self.trainer.coords), self.seconds,
                )  # fmt: skip
                on_epoch(report)

    def snapshot(self) -> Snapshot:
        """The run now, between epochs (inside on_epoch, or after train() returns)."""
        return Snapshot([m.copy() for m in self.models], self.trainer.saved(), self.frames_made, self.seconds)

    def save(self, path: Path, snap: Snapshot) -> None:
        """Write `snap` with its frames and scores to a checkpoint file."""
        self.painter.wait()  # every frame so far is in the buffer
        models = [m.saved() for m in snap.models]
        meta = {
            "settings": asdict(self.settings),
            "models": [header for header, _ in models],
            "seconds": snap.seconds,
            # Scores of the snapshot's frames only: an interrupted epoch may have
            # painted one more, which the resumed run paints again.
            "scores": self.board.saved(snap.frame_count),
            **snap.trainer,
            "target_digest": self.digest,
            "size": [self.target.width, self.target.height],
        }
        kept = snap.frame_count if self.painter.compose else 0
        checkpoint.write(path, meta, [arrays for _, arrays in models], self.buffer, kept)

    def close(self, wait: bool = True) -> None:
        """Stop training threads and let the painter finish its frame; with `wait`,
        a painting error surfaces here."""
        self.trainer.close()
        try:
            if wait:
                self.painter.wait()
        finally:
            self.painter.close()
