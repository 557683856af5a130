"""The command line: a thin typer layer over animlearn.render, sweep, paint and encode."""

from __future__ import annotations

import contextlib
import os
import signal
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

try:  # click's UsageError: recent typer carries its own copy of click; older typer runs on click
    from typer._click.exceptions import UsageError
except ImportError:
    from click.exceptions import UsageError

from . import __version__
from .config.options import OUTPUT, SHARED, RunOptions, StudyOptions
from .config.settings import Settings
from .flags import command, deferred

if TYPE_CHECKING:
    from .api import RenderResult
    from .study.results import Row, Summary
    from .study.sweep import SweepResult


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
        help="Animation to write: .gif, .mp4, .webp, or .html (a player page). Repeat for several.",
        rich_help_panel="Output",
    ),
]
IMAGE_HELP = "The picture to learn (JPEG, PNG, GIF, WebP, BMP, TIFF)."
IMAGE = ("image", Annotated[Path, typer.Argument(help=IMAGE_HELP)])


def _sigterm(signum, frame) -> None:
    raise KeyboardInterrupt


def _stopped() -> None:
    """Interrupted, and what was made is written: a later Ctrl-C must not kill the exit
    (Python resets its signal handlers as it ends, all but the ignored ones)."""
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, signal.SIG_IGN)


def render_command(image: Path, output: list[Path], **options: Any) -> None:
    """Train a network on IMAGE and write the learning as an animation."""
    # Painting's matrix products get one BLAS thread: training holds the other
    # core, and a second BLAS thread would only take turns with it. (A team that
    # trains on every core waits instead, and the painter splits the rows over
    # threads of its own.) Set before numpy loads; the CLI knows it owns the process.
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    from .api import Interrupted, render
    from .errors import Diverged
    from .progress import Bar

    signal.signal(signal.SIGTERM, _sigterm)
    options = deferred(options, RENDER_SWITCHES)
    with _user_errors(), Bar() as bar:
        try:
            result = render(image, output, on_epoch=bar.update, on_note=_note, **options)
        except Diverged as e:
            r = e.result
            names = ", ".join(map(str, r.outputs))
            written = f"wrote {r.frames} frames to {names}" if r.frames else "nothing written"
            raise _fail(f"{e} ({written})", 1) from None
        except Interrupted as e:
            _stopped()
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


RENDER_SWITCHES = command(
    app, "render", render_command, [(Settings, None), (RunOptions, None)], IMAGE, OutputOption
)


def sweep_command(images: list[Path], output: Path, **options: Any) -> None:
    """Train many networks on one picture or several, each alone, rank them, and write the study
    (a web page, a leaderboard, pictures) into a folder."""
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # the driver only draws; workers train
    from .progress import SweepBar
    from .study.sweep import SweepInterrupted, sweep

    signal.signal(signal.SIGTERM, _sigterm)
    with _user_errors(), SweepBar() as bar:
        try:
            result = sweep(images, output, on_progress=bar.update, **deferred(options, {"yes"}))
        except SweepInterrupted as e:
            _stopped()
            r = e.result
            wrote = ", ".join(p.name for p in r.outputs)  # only what was written before the Ctrl-C
            done = f"{len(r.rows)} of {r.trials} trials measured"
            typer.echo(
                f"animlearn: interrupted; wrote {wrote} ({done}) to {output}; run it again to go on", err=True
            )
            raise typer.Exit(130) from None
    typer.echo(leaderboard(result))


def leaderboard(result: SweepResult, shown: int = 5) -> str:
    """The closing lines: the best trials (networks, over several pictures), and where everything went."""
    from .study import results

    lines = [f"{result.trials} trials in {result.seconds:.0f} s; best:"]
    if results.pictures(result.rows):
        lines += [_network(k, s) for k, s in enumerate(results.summarise(result.rows)[:shown], start=1)]
    else:
        lines += [_trial(k, r) for k, r in enumerate(result.rows[:shown], start=1)]
    return "\n".join([*lines, *(f"wrote {p}" for p in result.outputs)])


def _trial(k: int, r: Row) -> str:
    held = "" if r.holdout_psnr is None else f", hidden {r.holdout_psnr:.2f} dB"
    return f"  {k}. {r.label}  " + (r.status if r.status != "ok" else f"{r.psnr:.2f} dB{held}")


def _network(k: int, s: Summary) -> str:
    """A spec's mean over its trials, and each picture's."""
    if s.score is None:
        return f"  {k}. {s.spec}  diverged"
    each = ", ".join(f"{name} {v.mean:.2f}" for name, v in s.pictures.items() if v is not None)
    return f"  {k}. {s.spec}  {s.score:.2f} dB ({each})"


FolderOption = Annotated[
    Path,
    typer.Option("-o", "--output", help="Folder for the study (made if missing).", rich_help_panel="Output"),
]
IMAGES_HELP = "The pictures to learn; with several, networks rank by their mean over them."
IMAGES = ("images", Annotated[list[Path], typer.Argument(metavar="IMAGE", help=IMAGES_HELP)])
command(app, "sweep", sweep_command, [(StudyOptions, None), (Settings, SHARED)], IMAGES, FolderOption)


@app.command("paint")
def paint_command(
    saved: Annotated[Path, typer.Argument(metavar="CHECKPOINT", help="File from render --checkpoint.")],
    output: Annotated[Path, typer.Option("-o", "--output", help="Picture: .png, .jpg, .webp, .bmp or .tif.")],
    size: Annotated[int, typer.Option(help="Longer side of the picture, px.")] = 1024,
    net: Annotated[
        str, typer.Option(help="Which network: its panel number from the left, 'shallow' or 'deep'.")
    ] = "deep",
) -> None:
    """Paint a saved network's picture at any resolution."""
    from .api import paint

    with _user_errors():
        path = paint(saved, output, size=size, net=net)
    typer.echo(f"wrote {path}")


def encode_command(frames: list[Path], output: list[Path], **options: Any) -> None:
    """Assemble existing frames (e.g. learned_1.jpg ... learned_500.jpg) into animations."""
    from .assemble import encode

    with _user_errors():
        result = encode(frames, output, on_note=_note, **options)
    _wrote(result.outputs, result.frames)


FRAMES_HELP = "PNG/JPEG frames or folders, GIF/MP4/WebP files; natural name order."
FRAMES = ("frames", Annotated[list[Path], typer.Argument(help=FRAMES_HELP)])
command(app, "encode", encode_command, [(Settings, OUTPUT)], FRAMES, OutputOption)


def _wrote(paths: list[Path], frames: int) -> None:
    for path in paths:
        typer.echo(f"wrote {path} ({frames} frames, {path.stat().st_size / 1e6:.2f} MB)")


def run() -> None:
    """Entry point: usage errors become one line on stderr and exit code 2."""
    if len(sys.argv) < 2:
        sys.exit(app())  # no arguments: typer shows the help
    try:
        code = app(standalone_mode=False)
    except UsageError as e:
        command = f"animlearn {e.ctx.info_name} " if e.ctx and e.ctx.parent else "animlearn "
        typer.echo(f"animlearn: error: {e.format_message()} (see '{command}--help')", err=True)
        sys.exit(2)
    except typer.Abort:
        typer.echo("animlearn: aborted", err=True)
        sys.exit(130)
    sys.exit(code if isinstance(code, int) else 0)
