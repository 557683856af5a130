"""The command line: a thin typer layer over animlearn.render()."""

from __future__ import annotations

import contextlib
import inspect
import os
import signal
import sys
from collections.abc import Iterator
from dataclasses import Field
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from . import __version__
from .config.options import GROUPS, RunOptions, declared, shown_default
from .config.settings import Settings

if TYPE_CHECKING:
    from .api import RenderResult

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
    help="Watch a neural network learn to paint a picture.",
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"animlearn {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version and exit.")
    ] = False,
) -> None:
    """Watch a neural network learn to paint a picture."""


def _fail(message: str, code: int) -> typer.Exit:
    typer.echo(f"animlearn: error: {message}", err=True)
    return typer.Exit(code)


def _note(message: str) -> None:
    typer.echo(f"animlearn: note: {message}", err=True)


@contextlib.contextmanager
def _user_errors() -> Iterator[None]:
    """What every command does with a user's error and with Ctrl-C."""
    from .errors import AnimlearnError

    try:
        yield
    except AnimlearnError as e:
        raise _fail(str(e), 2) from None
    except KeyboardInterrupt:
        typer.echo("animlearn: aborted; no output written", err=True)
        raise typer.Exit(130) from None


OutputOption = Annotated[
    list[Path],
    typer.Option(
        "-o",
        "--output",
        help="Animation to write: .gif, .mp4 or .webp. Repeat for several.",
        rich_help_panel="Output",
    ),
]
IMAGE_HELP = "The picture to learn (JPEG, PNG, GIF, WebP, BMP, TIFF)."
# In --help, the panels follow the data: networks, training, frames, output, runs.
DECLARED = sorted(
    [*declared(Settings), *declared(RunOptions)], key=lambda fk: GROUPS.index(fk[0].metadata["group"])
)
FIELDS = {f.name: f for f, _ in DECLARED}
FPS_HELP, HOLD_HELP, QUALITY_HELP = (FIELDS[k].metadata["help"] for k in ("fps", "hold", "quality"))
# Switches that only turn something on: absent (False) defers to the preset or checkpoint.
ON_ONLY = {f.name for f, kind in DECLARED if kind is bool and "/" not in (f.metadata["flag"] or "/")}


def _sigterm(signum, frame) -> None:
    raise KeyboardInterrupt


def _option(f: Field, kind: type) -> inspect.Parameter:
    """A render flag from its declaration (config/options.py). Every flag defaults
    to None, so an absent one defers to the preset or the checkpoint."""
    meta, on_only = f.metadata, f.name in ON_ONLY
    info = typer.Option(
        *([meta["flag"]] if meta["flag"] else []),
        help=meta["help"],
        show_default=False if on_only else shown_default(f),
        rich_help_panel=meta["group"],
        metavar=meta["metavar"],
    )
    kind = bool if on_only else (meta["cli"] or kind) | None
    default = False if on_only else None
    return inspect.Parameter(f.name, KEYWORD, default=default, annotation=Annotated[kind, info])


def render(image: Path, output: list[Path], **options: Any) -> None:
    """Train a network on IMAGE and write the learning as an animation."""
    # Painting's matrix products get one BLAS thread: training holds the other
    # core, and a second BLAS thread would only take turns with it. (Set before
    # numpy loads; the CLI is the only place that knows it owns the process.)
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    from .api import Interrupted
    from .api import render as run
    from .errors import Diverged
    from .progress import Bar

    signal.signal(signal.SIGTERM, _sigterm)
    options = {k: None if k in ON_ONLY and not v else v for k, v in options.items()}
    with _user_errors(), Bar() as bar:
        try:
            result = run(image, output, on_epoch=bar.update, on_note=_note, **options)
        except Diverged as e:
            r = e.result
            names = ", ".join(map(str, r.outputs))
            written = f"wrote {r.frames} frames to {names}" if r.frames else "nothing written"
            raise _fail(f"{e} ({written})", 1) from None
        except Interrupted as e:
            r = e.result
            written = ", ".join(map(str, r.outputs)) if r.frames else "nothing"
            message = f"interrupted after epoch {r.epochs}; wrote {r.frames} frames to {written}"
            typer.echo(f"animlearn: {message}", err=True)
            raise typer.Exit(130) from None
    _wrote(result.outputs, result.frames)
    if result.log is not None:
        typer.echo(f"wrote {result.log}")
    typer.echo(_scores(result))


def _scores(result: RenderResult) -> str:
    """The closing line: epochs, seconds, each network's PSNR."""
    held = result.holdout_psnrs or [None] * len(result.psnrs)
    scores = ", ".join(
        f"{n} {p:.1f}" + ("" if h is None else f"/{h:.1f}") + " dB"
        for n, p, h in zip(result.names, result.psnrs, held)
    )
    what = "PSNR on trained/hidden pixels" if result.holdout_psnrs else "PSNR"
    return f"{result.epochs} epochs in {result.seconds:.0f} s; {what} {scores}"


KEYWORD = inspect.Parameter.KEYWORD_ONLY
_params = [_option(f, kind) for f, kind in DECLARED]
_params.insert(
    [f.metadata["group"] for f, _ in DECLARED].index("Output"),
    inspect.Parameter("output", KEYWORD, annotation=OutputOption),
)
_params.insert(
    0, inspect.Parameter("image", KEYWORD, annotation=Annotated[Path, typer.Argument(help=IMAGE_HELP)])
)
render.__signature__ = inspect.Signature(_params)
app.command()(render)


@app.command()
def paint(
    saved: Annotated[Path, typer.Argument(metavar="CHECKPOINT", help="File from render --checkpoint.")],
    output: Annotated[Path, typer.Option("-o", "--output", help="Picture to write: .png, .jpg or .webp.")],
    size: Annotated[int, typer.Option(help="Longer side of the picture, px.")] = 1024,
    net: Annotated[
        str, typer.Option(help="Which network: its panel number from the left, 'shallow' or 'deep'.")
    ] = "deep",
) -> None:
    """Paint a saved network's picture at any resolution."""
    from .api import paint as run

    with _user_errors():
        path = run(saved, output, size=size, net=net)
    typer.echo(f"wrote {path}")


@app.command()
def encode(
    frames: Annotated[
        list[Path], typer.Argument(help="PNG/JPEG frames or folders, GIF/MP4/WebP files; natural name order.")
    ],
    output: OutputOption,
    fps: Annotated[float, typer.Option(help=FPS_HELP)] = 25.0,
    hold: Annotated[float, typer.Option(help=HOLD_HELP)] = 2.0,
    quality: Annotated[int, typer.Option(help=QUALITY_HELP)] = 80,
) -> None:
    """Assemble existing frames (e.g. learned_1.jpg ... learned_500.jpg) into animations."""
    from .assemble import encode as run

    with _user_errors():
        result = run(frames, output, fps=fps, hold=hold, quality=quality)
    _wrote(result.outputs, result.frames)


def _wrote(paths: list[Path], frames: int) -> None:
    for path in paths:
        typer.echo(f"wrote {path} ({frames} frames, {path.stat().st_size / 1e6:.2f} MB)")


def run() -> None:
    """Entry point: usage errors become one line on stderr and exit code 2."""
    usage_error = typer.BadParameter.__mro__[1]  # click's UsageError, wherever typer keeps it
    if len(sys.argv) < 2:
        sys.exit(app())  # no arguments: typer shows the help
    try:
        code = app(standalone_mode=False)
    except usage_error as e:
        command = f"animlearn {e.ctx.info_name} " if e.ctx and e.ctx.parent else "animlearn "
        typer.echo(f"animlearn: error: {e.format_message()} (see '{command}--help')", err=True)
        sys.exit(2)
    except typer.Abort:
        typer.echo("animlearn: aborted", err=True)
        sys.exit(130)
    sys.exit(code if isinstance(code, int) else 0)
