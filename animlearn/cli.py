"""The command line: a thin typer layer over animlearn.render()."""

from __future__ import annotations

import contextlib
import os
import signal
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

import typer

from . import __version__

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
    typer.Option("-o", "--output", help="Animation to write: .gif, .mp4 or .webp. Repeat for several."),
]
FPS_HELP = "Frames per second (GIF and WebP: at most 50)."
HOLD_HELP = "Seconds the last frame stays before the loop restarts."
QUALITY_HELP = "0-100: higher is larger and closer to the frames (MP4 CRF 19, WebP 80 at 80)."


def _sigterm(signum, frame) -> None:
    raise KeyboardInterrupt


@app.command()
def render(
    image: Annotated[Path, typer.Argument(help="The picture to learn (JPEG, PNG, GIF, WebP, BMP, TIFF).")],
    output: OutputOption,
    preset: Annotated[
        str,
        typer.Option(
            help="Starting settings: 'quick' (about a minute), 'seed' (the blog's experiment), "
            "'sharp' (best picture per second in the seed's parameter budget), 'instant' (no budget)."
        ),
    ] = "quick",
    epochs: Annotated[
        int | None,
        typer.Option(help="Training epochs, one frame each.", show_default="60; seed: 500; instant: 40"),
    ] = None,
    size: Annotated[
        int | None,
        typer.Option(
            help="Scale the picture's longer side to this many px; 0 keeps it.",
            show_default="128; seed, sharp, instant: 0",
        ),
    ] = None,
    hidden: Annotated[
        str | None, typer.Option(help="Hidden layer widths.", show_default="300,300,300,300")
    ] = None,
    net: Annotated[
        list[str] | None,
        typer.Option(
            "--net",
            metavar="SPEC",
            help="A network to train, one panel each; repeat for several. SPEC is LAYERS[:OPTION...]: "
            "layers as 4x300 or 256,128; options leaky|relu|tanh|sine, sgd|momentum|adam, "
            "fourier[=N], sigma=S, posenc[=OCTAVES], grid[=LEVELS], cap=N, features=N, "
            "lr=F, batch=N, halflife=EPOCHS, omega=F, lr-scale=fan-in|none. "
            "E.g. --net 4x300 --net 3x256:relu:fourier=256:sigma=10:adam.",
            show_default="4x300",
        ),
    ] = None,
    lr: Annotated[float | None, typer.Option(help="Learning rate.", show_default="0.1")] = None,
    lr_scale: Annotated[
        str | None,
        typer.Option(
            help="'fan-in': each layer uses lr/sqrt(fan_in+1), as the seed's code; 'none': lr everywhere.",
            show_default="fan-in",
        ),
    ] = None,
    seed: Annotated[
        int | None, typer.Option(help="Seed for initial weights and pixel order.", show_default="0")
    ] = None,
    shallow: Annotated[
        bool,
        typer.Option(
            "--shallow", help="Also train one hidden layer with as many parameters, shown on the left."
        ),
    ] = False,
    shallow_width: Annotated[
        int | None,
        typer.Option(
            help="Width of the --shallow network's hidden layer.", show_default="same parameter count"
        ),
    ] = None,
    target: Annotated[bool, typer.Option("--target", help="Show the target picture on the right.")] = False,
    holdout: Annotated[
        float | None,
        typer.Option(
            help="Hide this fraction of the picture from training, in square patches outlined on the "
            "frames; PSNR is then reported on trained/hidden pixels.",
            show_default="0",
        ),
    ] = None,
    plot: Annotated[
        bool, typer.Option("--plot", help="Add a PSNR-over-epochs chart under the panels.")
    ] = False,
    caption: Annotated[
        bool | None,
        typer.Option(
            "--caption/--no-caption", help="Titles and caption on each frame.", show_default="caption"
        ),
    ] = None,
    # Output and schedule options default to None: a preset or a checkpoint fills them.
    fps: Annotated[float | None, typer.Option(help=FPS_HELP, show_default="25")] = None,
    hold: Annotated[float | None, typer.Option(help=HOLD_HELP, show_default="2")] = None,
    quality: Annotated[int | None, typer.Option(help=QUALITY_HELP, show_default="80")] = None,
    schedule: Annotated[
        str | None,
        typer.Option(
            help="'every': a frame every --every epochs; 'log': dense early, sparse late.",
            show_default="every",
        ),
    ] = None,
    every: Annotated[
        int | None,
        typer.Option(
            help="One frame per N epochs (per N steps with --frames-per-epoch).", show_default="1; log: 5"
        ),
    ] = None,
    frames_per_epoch: Annotated[
        int | None,
        typer.Option(
            help="Steps per epoch that can get a frame: K gives frames at epoch 1/K, 2/K, ...",
            show_default="1",
        ),
    ] = None,
    frames: Annotated[
        Path | None,
        typer.Option(help="Also write every frame as a PNG into this folder.", show_default=False),
    ] = None,
    log: Annotated[
        Path | None,
        typer.Option(
            help="Write a CSV row per network per frame: epoch, network, parameters, loss, PSNR, "
            "hold-out PSNR, seconds.",
            show_default=False,
        ),
    ] = None,
    checkpoint: Annotated[
        Path | None,
        typer.Option(help="Save the run here every 30 s and on exit, to --resume later.", show_default=False),
    ] = None,
    resume: Annotated[
        Path | None,
        typer.Option(help="Continue a run saved with --checkpoint, up to --epochs.", show_default=False),
    ] = None,
) -> None:
    """Train a network on IMAGE and write the learning as an animation."""
    # Painting's matrix products get one BLAS thread: training holds the other
    # core, and a second BLAS thread would only take turns with it. (Set before
    # numpy loads; the CLI is the only place that knows it owns the process.)
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    from .errors import Diverged
    from .pipeline import Interrupted
    from .pipeline import render as run
    from .progress import Bar

    signal.signal(signal.SIGTERM, _sigterm)
    with _user_errors(), Bar() as bar:
        try:
            result = run(
                image,
                output,
                preset=preset,
                epochs=epochs,
                size=size,
                hidden=hidden,
                nets=net or None,
                lr=lr,
                lr_scale=lr_scale,
                seed=seed,
                shallow=shallow or None,  # an absent flag defers to the preset or checkpoint
                shallow_width=shallow_width,
                target=target or None,
                holdout=holdout,
                caption=caption,
                plot=plot or None,
                fps=fps,
                hold=hold,
                quality=quality,
                schedule=schedule,
                every=every,
                frames_per_epoch=frames_per_epoch,
                frames=frames,
                log=log,
                checkpoint=checkpoint,
                resume=resume,
                on_epoch=bar.update,
                on_note=_note,
            )
        except Diverged as e:
            r = e.result
            written = (
                f"wrote {r.frames} frames to {', '.join(map(str, r.outputs))}"
                if r.frames
                else "nothing written"
            )
            raise _fail(f"{e} ({written})", 1) from None
        except Interrupted as e:
            r = e.result
            written = ", ".join(map(str, r.outputs)) if r.frames else "nothing"
            typer.echo(
                f"animlearn: interrupted after epoch {r.epochs}; wrote {r.frames} frames to {written}",
                err=True,
            )
            raise typer.Exit(130) from None
    _wrote(result.outputs, result.frames)
    if result.log is not None:
        typer.echo(f"wrote {result.log}")
    held = result.holdout_psnrs or [None] * len(result.psnrs)
    scores = ", ".join(
        f"{n} {p:.1f}" + ("" if h is None else f"/{h:.1f}") + " dB"
        for n, p, h in zip(result.names, result.psnrs, held)
    )
    what = "PSNR on trained/hidden pixels" if result.holdout_psnrs else "PSNR"
    typer.echo(f"{result.epochs} epochs in {result.seconds:.0f} s; {what} {scores}")


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
    from .painting import paint as run

    with _user_errors():
        path = run(saved, output, size=size, net=net)
    typer.echo(f"wrote {path}")


@app.command()
def encode(
    frames: Annotated[
        list[Path], typer.Argument(help="PNG/JPEG frames, or folders of them; taken in natural name order.")
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
