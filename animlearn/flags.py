"""Typer flags built from option declarations (config/options.py): a command's signature
comes from the dataclasses its options are fields of, so each option is declared once."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import Field
from pathlib import Path
from typing import Annotated, Any

import typer

from .config.options import GROUPS, declared, shown_default

KEYWORD = inspect.Parameter.KEYWORD_ONLY


def on_only(f: Field, kind: type) -> bool:
    """A switch that only turns something on (--shallow): absent, it defers to a preset."""
    return kind is bool and "/" not in (f.metadata["flag"] or "/")


def _flag(f: Field, kind: type) -> inspect.Parameter:
    """A flag from its declaration. Every flag defaults to None (an on-only switch to
    False), so an absent one defers to the preset or the checkpoint."""
    meta, switch = f.metadata, on_only(f, kind)
    info = typer.Option(
        *([meta["flag"]] if meta["flag"] else []),
        help=meta["help"],
        show_default=False if switch else shown_default(f),
        rich_help_panel=meta["group"],
        metavar=meta["metavar"],
    )
    kind = bool if switch else (meta["cli"] or kind) | None
    return inspect.Parameter(
        f.name, KEYWORD, default=False if switch else None, annotation=Annotated[kind, info]
    )


def command(
    app: typer.Typer,
    name: str,
    run: Callable[..., None],
    classes: list[tuple[type, tuple[str, ...] | None]],
    image_help: str,
    output: Any,
) -> set[str]:
    """Register `run(image, output, **options)` as a command whose flags are the fields of
    `classes` (each with the names it gives, None: all), in --help panels that follow the
    data. Returns the names of its on-only switches."""
    fields = [
        (f, kind) for cls, only in classes for f, kind in declared(cls) if only is None or f.name in only
    ]
    fields.sort(key=lambda fk: GROUPS.index(fk[0].metadata["group"]))
    params = [_flag(f, kind) for f, kind in fields]
    groups = [f.metadata["group"] for f, _ in fields]
    at = groups.index("Output") if "Output" in groups else len(params)
    params.insert(at, inspect.Parameter("output", KEYWORD, annotation=output))
    image = Annotated[Path, typer.Argument(help=image_help)]
    params.insert(0, inspect.Parameter("image", KEYWORD, annotation=image))
    run.__signature__ = inspect.Signature(params)
    app.command(name)(run)
    return {f.name for f, kind in fields if on_only(f, kind)}


def deferred(options: dict[str, Any], switches: set[str]) -> dict[str, Any]:
    """An absent on-only switch (False) as None: the preset or checkpoint decides."""
    return {k: None if k in switches and not v else v for k, v in options.items()}
