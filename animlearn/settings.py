"""Run settings: presets, user overrides, and checks made before any training."""

from __future__ import annotations

import math
from dataclasses import dataclass, fields, replace

from .errors import AnimlearnError

LR_SCALES = ("fan-in", "none")


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


PRESETS = {
    # A first try: about a minute on a 2-core laptop, a recognisable picture.
    "quick": Settings(),
    # The blog's experiment: full size, 4 x 300, lr 0.1 scaled per layer as the
    # author's code does (unscaled, float32 diverges near epoch 23), 500 epochs.
    "seed": Settings(epochs=500, size=0),
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


def check(s: Settings) -> None:
    _positive("epochs", s.epochs, integer=True)
    _positive("size", s.size, integer=True, zero_ok=True)
    _positive("lr", s.lr, integer=False)
    _positive("fps", s.fps, integer=False)
    if s.fps > 100:
        raise AnimlearnError(f"--fps {s.fps}: at most 100 (GIF frames last at least 10 ms)")
    if s.shallow_width is not None:
        _positive("shallow_width", s.shallow_width, integer=True)
    if s.lr_scale not in LR_SCALES:
        raise AnimlearnError(f"--lr-scale {s.lr_scale!r}: use one of {', '.join(LR_SCALES)}")
    parse_hidden(s.hidden)


TRAINING = ("size", "hidden", "lr", "lr_scale", "seed", "shallow", "shallow_width", "target", "caption")


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
