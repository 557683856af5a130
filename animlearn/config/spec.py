"""A network's spec: layers, activation, input encoding, optimizer; parsed from
text such as '4x300', '1x45450:lr=0.01' or '3x256:relu:fourier=256:sigma=10:adam'."""

from __future__ import annotations

import math
from dataclasses import dataclass, fields, replace

from ..errors import AnimlearnError

ACTS = ("leaky", "relu", "tanh", "sine")  # hidden-layer activations
ENCODINGS = ("raw", "fourier", "posenc", "grid")
OPTIMIZERS = ("sgd", "momentum", "adam")
LR_SCALES = ("fan-in", "none")

# An encoding's key in a spec, the field holding its count, and what a bare word means.
COUNTS = {"fourier": "frequencies", "posenc": "octaves", "grid": "levels"}
BARE = {"fourier": 256, "posenc": 8, "grid": 8}
SPEC_HELP = "e.g. 4x300, 1x45450:lr=0.01, 3x256:relu:fourier=256:sigma=10:adam, 2x64:relu:grid=8:adam"


@dataclass(frozen=True)
class NetSpec:
    hidden: tuple[int, ...] = (300, 300, 300, 300)
    act: str = "leaky"
    encoding: str = "raw"
    frequencies: int = 256  # Gaussian Fourier features (2 features each)
    sigma: float = 10.0  # their scale, in cycles across the picture
    octaves: int = 8  # positional encoding
    levels: int = 8  # multiresolution grid
    cap: int = 0  # grid: entries a level may have before it is hashed; 0: never
    features: int = 2  # grid: learnable features per entry
    optimizer: str = "sgd"
    lr: float | None = None  # None: the run's --lr for sgd, else the optimizer's default
    lr_scale: str | None = None  # sgd only; None: the run's --lr-scale
    batch: int | None = None  # None: 1 for sgd, else the optimizer's default
    omega: float = 30.0  # sine: SIREN's w0
    halflife: float | None = None  # epochs over which the lr halves; 0: it stays put; None: the run's (sgd)

    def batch_size(self, pixels: int) -> int:
        """Samples per update; by default at least 8 updates per epoch of `pixels`."""
        if self.batch is not None or self.optimizer == "sgd":
            return self.batch or 1
        most = 128 if self.optimizer == "momentum" else 16384 if self.encoding == "grid" else 4096
        return min(most, 1 << max(4, (pixels // 8).bit_length() - 1))

    def learning_rate(self, run_lr: float) -> float:
        if self.lr is not None:
            return self.lr
        if self.optimizer == "sgd":
            return run_lr
        return 0.2 if self.optimizer == "momentum" else adam_rate(self.act, self.encoding)

    def decay(self, run_halflife: float) -> float:
        """Epochs over which the learning rate halves (0: never): the spec's own, else, as
        the run's --lr is sgd's, the run's for sgd."""
        if self.halflife is not None:
            return self.halflife
        return run_halflife if self.optimizer == "sgd" else 0.0

    def _layers(self, times: str, sep: str) -> str:
        depth, width = len(self.hidden), self.hidden[0]
        return f"{depth}{times}{width}" if set(self.hidden) == {width} else sep.join(map(str, self.hidden))

    def text(self) -> str:
        """The shortest spec that parses back to this one."""
        parts = [self._layers("x", ",")]
        default = NetSpec()
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "hidden" or value == getattr(default, f.name):
                continue
            if f.name in ("act", "optimizer"):
                parts.append(value)
            elif f.name == "encoding":
                parts.append(f"{value}={getattr(self, COUNTS[value])}" if value != "raw" else "raw")
            elif f.name in COUNTS.values():
                continue  # written with its encoding
            else:
                parts.append(
                    f"{f.name.replace('_', '-')}={value:g}"
                    if isinstance(value, float)
                    else f"{f.name.replace('_', '-')}={value}"
                )
        return ":".join(parts)

    def label(self) -> str:
        """A panel title: '4 × 300', '3 × 256 relu · fourier 256 σ 10 · adam'."""
        words = [self._layers(" × ", "-") + ("" if self.act == "leaky" else f" {self.act}")]
        if self.encoding == "fourier":
            words.append(f"fourier {self.frequencies} σ {self.sigma:g}")
        elif self.encoding == "posenc":
            words.append(f"posenc {self.octaves}")
        elif self.encoding == "grid":
            words.append(f"grid {self.levels}" + (f" cap {self.cap}" if self.cap else ""))
        if self.optimizer != "sgd":
            words.append(self.optimizer)
        if self.lr is not None:
            words.append(f"lr {self.lr:g}")
        if self.halflife:
            words.append(f"half-life {self.halflife:g}")
        return " · ".join(words)


def adam_rate(act: str, encoding: str) -> float:
    """Adam's default learning rate. Measured every-other on two 512 px photos, 480 steps
    of 4,096 (benchmarks/paper.py): sine at 1e-4 (SIREN's rate) beat 3e-5 and 3e-4 on
    average, and 1e-3, which fell back as it trained; on raw coordinates 3e-3 beat 1e-3 for
    leaky ReLU, ReLU and tanh (by 1.2, 1.1 and 0.2 dB), and leaky ReLU and ReLU were within
    0.4 dB of it at 1e-2; with Fourier features 1e-3 beat 3e-4 and 3e-3. A grid's tables
    learn at 1e-2."""
    if encoding == "grid":
        return 1e-2
    if act == "sine":
        return 1e-4
    return 3e-3 if encoding == "raw" else 1e-3


def _problem(text: str, what: str) -> AnimlearnError:
    return AnimlearnError(f"--net {text!r}: {what}; {SPEC_HELP}")


def _layers(text: str, part: str) -> tuple[int, ...]:
    depth, x, width = part.partition("x")
    if x and depth.isdigit() and width.isdigit() and int(depth) > 0 and int(width) > 0:
        return (int(width),) * int(depth)
    widths = part.split(",")
    if all(w.isdigit() and int(w) > 0 for w in widths):
        return tuple(int(w) for w in widths)
    raise _problem(text, f"{part!r} is not layers; start with DEPTHxWIDTH or widths separated by commas")


def _number(text: str, key: str, value: str, integer: bool) -> float | int:
    try:
        if integer and "^" in value:
            base, _, power = value.partition("^")
            number: float = int(base) ** int(power)
        else:
            number = int(value) if integer else float(value)
    except ValueError:
        number = math.nan
    zero_ok = key in ZERO_OK
    if not math.isfinite(number) or number < 0 or number == 0 and not zero_ok:
        kind = "a whole number" if integer else "a number"
        raise _problem(text, f"{key}={value!r} must be {kind} {'0 or above' if zero_ok else 'above 0'}")
    most = MOST.get(key, 1e9)
    if number > most:
        raise _problem(text, f"{key}={value!r} is past any use; give at most {most:g}")
    return number


INTEGERS = ("cap", "features", "batch")
FLOATS = ("sigma", "lr", "omega", "halflife")
# Beyond these, float32 features carry nothing (2^24 cycles across a picture) or overflow.
MOST = {"posenc": 24, "grid": 24, "sigma": 1e4, "omega": 1e4}
ZERO_OK = ("cap", "halflife")  # 0 means "off": no hashing, a constant learning rate
# Options that change nothing without another: the option, the field and value it needs, in words.
ONLY_WITH = {
    "sigma": ("encoding", "fourier", "Fourier features"),
    "features": ("encoding", "grid", "a grid"),
    "cap": ("encoding", "grid", "a grid"),
    "omega": ("act", "sine", "the sine activation"),
}


def _kind(key: str) -> str:
    """What an option sets, so a spec that sets one thing twice can be refused."""
    if key in ACTS:
        return "activation"
    if key in OPTIMIZERS:
        return "optimizer"
    return "encoding" if key == "raw" or key in BARE else key


def parse(text: str) -> NetSpec:
    """'3x256:relu:fourier=256:adam' -> NetSpec; a one-line AnimlearnError if it is not one,
    or if it would not train as it reads (see `check`)."""
    first, *options = text.strip().split(":")
    spec = NetSpec(hidden=_layers(text, first.strip().lower()))
    given: dict[str, str] = {}  # what each option set -> the option as written
    for option in options:
        key, eq, value = (s.strip() for s in option.strip().lower().partition("="))
        key = key.replace("_", "-")
        if _kind(key) in given:
            raise _problem(text, f"{given[_kind(key)]!r} and {option!r} both set the {_kind(key)}; keep one")
        given[_kind(key)] = option
        if key in ACTS and not eq:
            spec = replace(spec, act=key)
        elif key in OPTIMIZERS and not eq:
            spec = replace(spec, optimizer=key)
        elif key == "raw" and not eq:
            spec = replace(spec, encoding="raw")
        elif key in BARE:
            count = _number(text, key, value, integer=True) if eq else BARE[key]
            spec = replace(spec, encoding=key, **{COUNTS[key]: count})
        elif key in INTEGERS or key in FLOATS:
            if not eq:
                raise _problem(text, f"{key!r} needs a value, as {key}=N")
            spec = replace(spec, **{key: _number(text, key, value, integer=key in INTEGERS)})
        elif key == "lr-scale" and value in LR_SCALES:
            spec = replace(spec, lr_scale=value)
        else:
            raise _problem(text, f"unknown option {option!r}")
    check(text, spec, set(given))
    return spec


def check(text: str, spec: NetSpec, given: set[str]) -> None:
    """Refuse a spec that would train otherwise than it reads: a batch of 1 trains by the
    per-sample SGD kernel, which has no optimizer state and no grid tables to learn."""
    per_sample = spec.batch_size(1) == 1
    if spec.encoding == "grid" and per_sample:
        fix = "add :adam" if spec.optimizer == "sgd" else "give batch=2 or more, or leave batch out"
        raise _problem(text, f"a grid learns its tables with mini-batches; {fix}")
    if spec.optimizer != "sgd" and per_sample:
        why = f"batch=1 trains by per-sample SGD, not {spec.optimizer}"
        raise _problem(text, f"{why}; give batch=2 or more, or leave batch out")
    if spec.lr_scale is not None and spec.optimizer != "sgd":
        raise _problem(text, "lr-scale applies to per-sample sgd only; leave it out")
    for key, (field, value, words) in ONLY_WITH.items():
        if key in given and getattr(spec, field) != value:
            raise _problem(text, f"{key} applies to {words} only; add :{value} or leave {key} out")
    if spec.encoding == "grid" and spec.cap and spec.cap < 4:
        raise _problem(text, "cap must be at least 4 entries, or 0 for no cap")
