"""Run settings: presets, user overrides, and checks made before any training."""

from __future__ import annotations

import math
from dataclasses import dataclass, fields, replace
from typing import Any

from ..errors import AnimlearnError
from . import options, spec
from .options import PRESET_NAMES, option
from .schedule import LOG_EVERY, SCHEDULES
from .spec import LR_SCALES
from .values import parse_hidden, parse_holdout, parse_nets, parse_size

MAX_HOLD = 60.0  # seconds; GIF stores a frame's delay in 16 bits of 10 ms
MAX_FRAMES_PER_EPOCH = 1000
MAX_EPOCHS = 1_000_000  # a month of the seed's epochs; more would not fit the frames' list
MIN_FPS = 0.1  # a frame at most 10 s; GIF and WebP store a frame's delay in 16 bits
HALFLIFE_SHARE = 4  # the default half-life, a quarter of the epochs (benchmarks/first_run.py)


NET_HELP = (
    "A network to train, one panel each; repeat for several. SPEC is LAYERS[:OPTION...]: "
    "layers as 4x300 or 256,128; options leaky|relu|tanh|sine, sgd|momentum|adam, "
    "fourier[=N], sigma=S, posenc[=OCTAVES], grid[=LEVELS], cap=N, features=N, "
    "lr=F, batch=N, halflife=EPOCHS, omega=F, lr-scale=fan-in|none. "
    "E.g. --net 4x300 --net 3x256:relu:fourier=256:sigma=10:adam."
)
SHARP = "2x64:relu:grid=8:cap=2^14:features=4:adam:halflife=10"
INSTANT = "2x64:relu:grid=8:adam:halflife=10"


@dataclass(frozen=True)
class Settings:
    """Every option of a render. The presets (see option()'s `presets`):
    quick, a first try of about a minute on a 2-core laptop: 90 epochs at 128 px
    with lr 0.8, eight times the seed's, which learns sooner, halving every quarter of
    the run, which polishes the picture (a constant 0.5 diverged after 250 epochs; on
    five photos, benchmarks/first_run.py, this ends 2.1 dB higher than 80 epochs at a
    constant 0.3, in less time on two threads); seed, the blog's experiment (full size, 4 x 300,
    lr 0.1 scaled per layer as the author's code does, 500 epochs); sharp, the
    sharpest picture per second within the seed network's 272,703 parameters (a
    hashed grid, BENCHMARKS.md); instant, no parameter cap: a dense grid up to the
    picture's resolution memorises it."""

    epochs: int = option(
        90,
        "Training epochs: passes over every pixel.",
        "Training",
        presets={"seed": 500, "sharp": 60, "instant": 40},
    )
    size: int = option(
        128,
        "Scale the picture's longer side to this many px; 0 keeps it.",
        "Training",
        presets={"seed": 0, "sharp": 0, "instant": 0},
        training=True,
    )
    hidden: tuple[int, ...] = option(
        (300, 300, 300, 300),
        "Hidden layer widths.",
        "Networks",
        training=True,
        cli=str,
        parse=parse_hidden,
    )
    nets: tuple[str, ...] = option(
        (),
        NET_HELP,
        "Networks",
        presets={"sharp": (SHARP,), "instant": (INSTANT,)},
        training=True,
        flag="--net",
        cli=list[str],
        parse=parse_nets,
        shown="4x300",
        metavar="SPEC",
    )
    lr: float = option(0.8, "Learning rate.", "Training", presets={"seed": 0.1}, training=True)
    halflife: float | None = option(
        None,
        "Epochs over which the learning rate of SGD networks halves (a --net's halflife= wins); "
        "0 keeps it constant, as the seed did.",
        "Training",
        presets={"seed": 0.0},
        training=True,
        shown="a quarter of --epochs",
    )
    lr_scale: str = option(
        "fan-in",
        "'fan-in': each layer uses lr/sqrt(fan_in+1), as the seed's code; 'none': lr everywhere.",
        "Training",
        training=True,
    )
    seed: int = option(0, "Seed for initial weights and pixel order.", "Training", training=True)
    threads: int | None = option(
        None,
        "Threads that train at once; changes only the speed, never the numbers.",
        "Training",
        shown="every core, where it pays",
    )
    shallow: bool = option(
        False,
        "Also train one hidden layer with as many parameters, shown on the left.",
        "Networks",
        training=True,
        flag="--shallow",
    )
    shallow_width: int | None = option(
        None,
        "Width of the --shallow network's hidden layer.",
        "Networks",
        training=True,
        shown="same parameter count",
    )
    target: bool = option(
        False, "Show the target picture on the right.", "Frames", training=True, flag="--target"
    )
    holdout: float | str = option(
        0.0,
        "Hide this fraction of the picture from training, in square patches outlined on the "
        "frames; or 'every-other': train on pixels [::2, ::2], test on [1::2, 1::2] (Tancik et "
        "al. 2020). PSNR is then reported on trained/hidden pixels.",
        "Training",
        training=True,
        cli=str,
        parse=parse_holdout,
    )
    plot: bool = option(
        False, "Add a PSNR-over-epochs chart under the panels.", "Frames", training=True, flag="--plot"
    )
    caption: bool = option(
        True,
        "Titles and caption on each frame.",
        "Frames",
        training=True,
        flag="--caption/--no-caption",
        shown="caption",
    )
    fps: float = option(25.0, "Frames per second (GIF and WebP: at most 50).", "Output")
    hold: float = option(2.0, "Seconds the last frame stays before the loop restarts.", "Output")
    quality: int = option(
        80, "0-100: higher is larger and closer to the frames (MP4 CRF 21, WebP 80 at 80).", "Output"
    )
    max_size: int | None = option(
        None,
        "Hold each output under SIZE (10MB, 500kB, 2.5MB): lower the quality, then drop frames if "
        "that is not enough, and say so.",
        "Output",
        cli=str,
        parse=parse_size,
        shown="10MB for .gif and .html, none for .mp4 and .webp",
        metavar="SIZE",
    )
    schedule: str = option(
        "every",
        "'every': a frame every --every epochs; 'log': dense early, sparse late.",
        "Frames",
        training=True,
    )
    every: int | None = option(
        None,
        "One frame per N epochs (per N steps with --frames-per-epoch).",
        "Frames",
        training=True,
        shown=f"1; log: {LOG_EVERY}",
    )
    frames_per_epoch: int = option(
        1,
        "Steps per epoch that can get a frame: K gives frames at epoch 1/K, 2/K, ...",
        "Frames",
        training=True,
    )

    @property
    def step_every(self) -> int:
        """One frame per this many schedule steps."""
        if self.every is not None:
            return self.every
        return LOG_EVERY if self.schedule == "log" else 1


FIELDS = {f.name: f for f in fields(Settings)}
PRESETS = {
    name: Settings(
        **{k: f.metadata["presets"][name] for k, f in FIELDS.items() if name in f.metadata["presets"]}
    )
    for name in PRESET_NAMES
}
# Options that shape the weights or the frames: a resumed run keeps the checkpoint's.
TRAINING = tuple(k for k, f in FIELDS.items() if f.metadata["training"])


def resolve(preset: str = "quick", **overrides) -> Settings:
    """The preset's settings with every override that is not None, checked."""
    if preset not in PRESETS:
        raise AnimlearnError(f"--preset {preset!r}: unknown preset; use one of {', '.join(PRESETS)}")
    given = _given(overrides)
    if "hidden" in given and given.get("nets"):
        raise AnimlearnError("--hidden and --net: give the layers in --net, e.g. --net 4x300")
    if "hidden" in given:
        given["nets"] = ()  # the user's layers, not a preset's line-up
    settings = replace(PRESETS[preset], **given)
    if settings.halflife is None:
        settings = replace(settings, halflife=settings.epochs / HALFLIFE_SHARE)
    check(settings)
    return settings


def _given(overrides: dict[str, Any]) -> dict[str, Any]:
    """The overrides that are not None, each parsed into its field's type."""
    return options.resolve(Settings, overrides)


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
    if not MIN_FPS <= fps <= 100:
        raise AnimlearnError(f"--fps {fps}: give {MIN_FPS:g} to 100 frames a second")
    _positive("hold", hold, integer=False, zero_ok=True)
    if hold > MAX_HOLD:
        raise AnimlearnError(f"--hold {hold}: at most {MAX_HOLD:g} seconds")
    _positive("quality", quality, integer=True, zero_ok=True)
    if quality > 100:
        raise AnimlearnError(f"--quality {quality}: give 0 to 100 (higher: larger, more faithful)")


def check(s: Settings) -> None:
    _positive("epochs", s.epochs, integer=True)
    if s.epochs > MAX_EPOCHS:
        raise AnimlearnError(f"--epochs {s.epochs}: at most {MAX_EPOCHS:,}")
    _positive("seed", s.seed, integer=True, zero_ok=True)
    _positive("size", s.size, integer=True, zero_ok=True)
    _positive("lr", s.lr, integer=False)
    if s.halflife is not None:
        _positive("halflife", s.halflife, integer=False, zero_ok=True)
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
        if not s.shallow:
            raise AnimlearnError("--shallow-width: sizes --shallow's network; add --shallow or leave it out")
    if s.threads is not None:
        _positive("threads", s.threads, integer=True)
    if s.lr_scale not in LR_SCALES:
        raise AnimlearnError(f"--lr-scale {s.lr_scale!r}: use one of {', '.join(LR_SCALES)}")
    parse_hidden(s.hidden)
    for text in s.nets:
        spec.parse(text)
    parse_holdout(s.holdout)


def from_dict(saved: dict[str, Any]) -> Settings:
    """Settings as a checkpoint's JSON holds them (lists where tuples were)."""
    return Settings(**{k: tuple(v) if isinstance(v, list) else v for k, v in saved.items()})


def _shown(value: Any) -> str:
    """A setting as one would type it: 4x300,2x64 rather than ('4x300', '2x64')."""
    if isinstance(value, tuple):
        return ",".join(map(str, value)) or "(none)"
    return repr(value)


def resumed(saved: Settings, epochs_done: int, epochs: int | None = None, **given: Any) -> Settings:
    """The checkpoint's settings for a resumed run: more epochs, other output
    options; training options may be repeated but not changed."""
    given = _given(given)
    for name in TRAINING:
        value = given.pop(name, None)
        if value is not None and value != getattr(saved, name):
            flag = FIELDS[name].metadata["flag"] or f"--{name.replace('_', '-')}"
            raise AnimlearnError(
                f"{flag} {_shown(value)}: the checkpoint was made with "
                f"{_shown(getattr(saved, name))}; leave it out when resuming"
            )
    epochs = saved.epochs if epochs is None else epochs
    settings = replace(saved, epochs=epochs, **given)
    check(settings)
    if epochs <= epochs_done:
        raise AnimlearnError(
            f"--epochs {epochs}: the checkpoint has already trained {epochs_done}; ask for more to resume"
        )
    return settings
