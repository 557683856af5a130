"""Run settings: presets, user overrides, and checks made before any training."""

from __future__ import annotations

import math
from dataclasses import dataclass, fields, replace

from ..errors import AnimlearnError
from . import spec as spec_mod
from .schedule import LOG_EVERY, SCHEDULES
from .spec import LR_SCALES

MAX_HOLD = 60.0  # seconds; GIF stores a frame's delay in 16 bits of 10 ms
MAX_FRAMES_PER_EPOCH = 1000


@dataclass(frozen=True)
class Settings:
    epochs: int = 60
    size: int = 128
    hidden: tuple[int, ...] = (300, 300, 300, 300)
    lr: float = 0.1
    lr_scale: str = "fan-in"
    seed: int = 0
    shallow: bool = False
    shallow_width: int | None = None  # None: as many parameters as the deep net
    target: bool = False
    caption: bool = True
    fps: float = 25.0
    hold: float = 2.0  # seconds the last frame stays before the animation loops
    quality: int = 80  # 0-100, higher: larger files closer to the painted frames
    schedule: str = "every"
    every: int | None = None  # None: 1, or LOG_EVERY for the log schedule
    frames_per_epoch: int = 1
    nets: tuple[str, ...] = ()  # network specs, one panel each; none: the deep net of `hidden`
    holdout: float = 0.0  # fraction of the picture hidden from training, in square patches
    plot: bool = False  # a PSNR-over-time strip under the panels

    @property
    def step_every(self) -> int:
        """One frame per this many schedule steps."""
        if self.every is not None:
            return self.every
        return LOG_EVERY if self.schedule == "log" else 1


PRESETS = {
    # A first try: about a minute on a 2-core laptop, a recognisable picture.
    "quick": Settings(),
    # The blog's experiment: full size, 4 x 300, lr 0.1 scaled per layer as the
    # author's code does (unscaled, float32 diverges near epoch 23), 500 epochs.
    "seed": Settings(epochs=500, size=0),
    # The sharpest picture per second within the seed network's 272,703 parameters:
    # a hashed multiresolution grid + 2 x 64 ReLU, Adam (measured in BENCHMARKS.md).
    "sharp": Settings(epochs=60, size=0, nets=("2x64:relu:grid=8:cap=2^14:features=4:adam:halflife=10",)),
    # No parameter cap: a dense grid up to the picture's own resolution memorises it.
    "instant": Settings(epochs=40, size=0, nets=("2x64:relu:grid=8:adam:halflife=10",)),
}


def parse_hidden(text: str | tuple[int, ...] | list[int]) -> tuple[int, ...]:
    """'300,300' -> (300, 300); widths must be positive integers."""
    if not isinstance(text, str):
        widths = tuple(text)
        if not widths or not all(isinstance(w, int) and w > 0 for w in widths):
            raise AnimlearnError(f"hidden={widths!r}: give one or more positive layer widths")
        return widths
    parts = [p.strip() for p in text.split(",")]
    if not all(p.isdigit() and int(p) > 0 for p in parts):
        raise AnimlearnError(
            f"--hidden {text!r}: give positive layer widths separated by commas, e.g. 300,300,300,300"
        )
    return tuple(int(p) for p in parts)


def resolve(preset: str = "quick", **overrides) -> Settings:
    """The preset's settings with every override that is not None, checked."""
    if preset not in PRESETS:
        raise AnimlearnError(f"--preset {preset!r}: unknown preset; use one of {', '.join(PRESETS)}")
    known = {f.name for f in fields(Settings)}
    unknown = set(overrides) - known
    if unknown:
        raise TypeError(f"unknown setting(s): {', '.join(sorted(unknown))}")
    given = {k: v for k, v in overrides.items() if v is not None}
    if "hidden" in given:
        given["hidden"] = parse_hidden(given["hidden"])
    if "nets" in given:
        if isinstance(given["nets"], str):
            given["nets"] = (given["nets"],)
        given["nets"] = tuple(given["nets"])
        if "hidden" in given and given["nets"]:
            raise AnimlearnError("--hidden and --net: give the layers in --net, e.g. --net 4x300")
    settings = replace(PRESETS[preset], **given)
    check(settings)
    return settings


def _positive(name: str, value: float, integer: bool, zero_ok: bool = False) -> None:
    ok = isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
    ok = ok and (value >= 0 if zero_ok else value > 0) and (not integer or float(value).is_integer())
    if not ok:
        kind = "a whole number" if integer else "a number"
        bound = "0 or more" if zero_ok else "above 0"
        raise AnimlearnError(f"--{name.replace('_', '-')} {value!r}: must be {kind} {bound}")


def check_output(fps: float, hold: float, quality: int) -> None:
    """The options every output takes, from `render` or `encode`."""
    _positive("fps", fps, integer=False)
    if fps > 100:
        raise AnimlearnError(f"--fps {fps}: at most 100")
    _positive("hold", hold, integer=False, zero_ok=True)
    if hold > MAX_HOLD:
        raise AnimlearnError(f"--hold {hold}: at most {MAX_HOLD:g} seconds")
    _positive("quality", quality, integer=True, zero_ok=True)
    if quality > 100:
        raise AnimlearnError(f"--quality {quality}: give 0 to 100 (higher: larger, more faithful)")


def check(s: Settings) -> None:
    _positive("epochs", s.epochs, integer=True)
    _positive("size", s.size, integer=True, zero_ok=True)
    _positive("lr", s.lr, integer=False)
    check_output(s.fps, s.hold, s.quality)
    if s.schedule not in SCHEDULES:
        raise AnimlearnError(f"--schedule {s.schedule!r}: use one of {', '.join(SCHEDULES)}")
    if s.every is not None:
        _positive("every", s.every, integer=True)
    _positive("frames_per_epoch", s.frames_per_epoch, integer=True)
    if s.frames_per_epoch > MAX_FRAMES_PER_EPOCH:
        raise AnimlearnError(f"--frames-per-epoch {s.frames_per_epoch}: at most {MAX_FRAMES_PER_EPOCH}")
    if s.shallow_width is not None:
        _positive("shallow_width", s.shallow_width, integer=True)
    if s.lr_scale not in LR_SCALES:
        raise AnimlearnError(f"--lr-scale {s.lr_scale!r}: use one of {', '.join(LR_SCALES)}")
    parse_hidden(s.hidden)
    for text in s.nets:
        spec_mod.parse(text)
    if not (isinstance(s.holdout, int | float) and 0 <= s.holdout <= 0.5):
        raise AnimlearnError(f"--holdout {s.holdout!r}: give a fraction from 0 to 0.5, e.g. 0.1")


# Options that shape the weights or the frames: a resumed run keeps the checkpoint's.
TRAINING = (
    "size",
    "hidden",
    "lr",
    "lr_scale",
    "seed",
    "shallow",
    "shallow_width",
    "target",
    "caption",
    "schedule",
    "every",
    "frames_per_epoch",
    "nets",
    "holdout",
    "plot",
)


def resumed(saved: Settings, epochs_done: int, epochs: int | None, **given) -> Settings:
    """The checkpoint's settings for a resumed run: more epochs, other output
    options; training options may be repeated but not changed."""
    for name in TRAINING:
        value = given.pop(name, None)
        if value is None:
            continue
        if name == "hidden":
            value = parse_hidden(value)
        if value != getattr(saved, name):
            raise AnimlearnError(
                f"--{name.replace('_', '-')} {value!r}: the checkpoint was made with "
                f"{getattr(saved, name)!r}; leave it out when resuming"
            )
    epochs = saved.epochs if epochs is None else epochs
    settings = replace(saved, epochs=epochs, **{k: v for k, v in given.items() if v is not None})
    check(settings)
    if epochs <= epochs_done:
        raise AnimlearnError(
            f"--epochs {epochs}: the checkpoint has already trained {epochs_done}; ask for more to resume"
        )
    return settings
