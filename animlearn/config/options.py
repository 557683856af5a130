"""How an option is declared: once, as a dataclass field whose metadata carries its help,
its --help group, its values in the presets, and whether it shapes training.

The CLI builds its flags from these fields and the Python API checks keyword
arguments against them, so a new option is one field plus the code that uses it.
"""

from __future__ import annotations

import typing
from collections.abc import Callable, Collection, Iterator
from dataclasses import Field, dataclass, field, fields
from pathlib import Path
from typing import Any

from .values import parse_nets

# --help panels, in the order they are shown.
GROUPS = ("Networks", "Training", "Frames", "Output", "Runs")
PRESET_NAMES = ("quick", "seed", "sharp", "instant")


def option(
    default: Any,
    help: str,
    group: str,
    *,
    presets: dict[str, Any] | None = None,
    training: bool = False,
    flag: str | None = None,
    cli: type | None = None,
    parse: Callable[[Any], Any] | None = None,
    shown: str | None = None,
    metavar: str | None = None,
) -> Any:
    """A dataclass field declaring one option.

    `training`: it shapes the weights or the frames, so a resumed run keeps the
    checkpoint's value. `flag`: the CLI spelling when it is not --name (e.g. an
    on-only switch '--shallow'). `cli`: the type the CLI reads when it differs
    from the field's (text to be parsed). `parse`: turns what a user gave into
    the field's type. `shown`: the default as --help shows it, when the value
    itself (or None) would not say it.
    """
    assert group in GROUPS, group
    meta = dict(
        help=help,
        group=group,
        presets=presets or {},
        training=training,
        flag=flag,
        cli=cli,
        parse=parse,
        shown=shown,
        metavar=metavar,
    )
    return field(default=default, metadata=meta)


def declared(cls: type) -> Iterator[tuple[Field, type]]:
    """Each option field of a dataclass with its resolved type (None stripped)."""
    hints = typing.get_type_hints(cls)
    for f in fields(cls):
        kinds = [t for t in typing.get_args(hints[f.name]) if t is not type(None)]
        yield f, (kinds[0] if len(kinds) == 1 else hints[f.name])


def resolve(cls: type, values: dict[str, Any], names: Collection[str] | None = None) -> dict[str, Any]:
    """The options of `cls` (only `names`, if given) that a user gave in `values`, each
    through its declaration's `parse`; None means not given and is left out. Every
    command reaches its API function, and every API function passes its keywords
    through here: a value is parsed the same from the command line and from Python."""
    known = {f.name: f for f in fields(cls) if names is None or f.name in names}
    unknown = values.keys() - known.keys()
    if unknown:
        raise TypeError(f"unknown option(s): {', '.join(sorted(unknown))}")
    parsers = {name: f.metadata["parse"] or _same for name, f in known.items()}
    return {name: parsers[name](value) for name, value in values.items() if value is not None}


def _same(value: Any) -> Any:
    return value


def shown_default(f: Field, presets: bool = True) -> str | None:
    """The default as --help shows it, with the presets' own values if the command takes
    --preset; None: nothing to show."""
    meta = f.metadata
    if meta["shown"] is not None:
        text = meta["shown"]
    elif f.default is None or f.default is False or f.default == ():  # 0 is a default to show
        return None
    else:
        text = _text(f.default)
    extra = [f"{name}: {_text(value)}" for name, value in meta["presets"].items() if presets]
    return "; ".join([text, *extra])


def _text(value: Any) -> str:
    if isinstance(value, tuple):
        return ",".join(map(str, value))
    return f"{value:g}" if isinstance(value, float) else str(value)


@dataclass(frozen=True)
class RunOptions:
    """Where a run starts from and what it writes beside its animations."""

    preset: str = option(
        "quick",
        "Starting settings: 'quick' (about a minute), 'seed' (the blog's experiment), "
        "'sharp' (best picture per second in the seed's parameter budget), 'instant' (no budget).",
        "Runs",
    )
    frames: Path | None = option(
        None,
        "Also write every frame as a PNG into this folder, each as soon as it is painted.",
        "Output",
        parse=Path,
    )
    log: Path | None = option(
        None,
        "Write a CSV row per network per frame as it is painted (tail -f follows it): epoch, network, "
        "parameters, loss, PSNR, hold-out PSNR, seconds.",
        "Output",
        parse=Path,
    )
    checkpoint: Path | None = option(
        None, "Save the run here every 30 s and on exit, to --resume later.", "Runs", parse=Path
    )
    resume: Path | None = option(
        None, "Continue a run saved with --checkpoint, up to --epochs.", "Runs", parse=Path
    )


SHARED = ("epochs", "size", "lr", "halflife", "lr_scale", "holdout")  # render's options a sweep takes too
OUTPUT = ("fps", "hold", "quality", "max_size")  # render's options encode takes too


@dataclass(frozen=True)
class StudyOptions:
    """A sweep's own options; it shares epochs, size, lr, halflife, lr_scale and holdout with render."""

    nets: tuple[str, ...] = option(
        (),
        "Networks to try: render's SPEC with shell-like braces, e.g. "
        "'{2,4}x{64,256}:relu:{fourier,posenc}:adam' (8 specs). Repeat for more.",
        "Networks",
        flag="--net",
        cli=list[str],
        parse=parse_nets,
        metavar="PATTERN",
    )
    seeds: int = option(1, "Train every spec with seeds 0 to N-1.", "Training")
    halving: int | None = option(
        None,
        "Successive halving: compare specs (each over all its seeds) at the grace period, then ETA "
        "times later each time, each by where its trend leads, and train on only the best 1/ETA, "
        "plus one. 2 is recommended.",
        "Training",
        metavar="ETA",
    )
    grace: int | None = option(
        None,
        "Epochs every trial trains before halving first judges it (it looks at half of them, "
        "for a trend). Networks that start slow (Fourier features, a low lr) are judged by where "
        "their trend leads, yet a late-crossing one can still be cut.",
        "Training",
        metavar="EPOCHS",
        shown="a tenth of --epochs",
    )
    top: int = option(4, "How many of the best trials race side by side in race.gif and race.mp4.", "Output")
    workers: int | None = option(
        None, "Local worker processes, one core each.", "Runs", shown="the machine's cores"
    )
    scheduler: str | None = option(
        None,
        "Run the trials on a Dask cluster, e.g. tcp://head:8786 (pip install 'animlearn\\[dask]').",
        "Runs",
        metavar="ADDRESS",
    )
    yes: bool = option(False, "Run a sweep of more than 300 trials.", "Runs", flag="--yes")
