"""Typer flags built from option declarations (config/options.py): a command's signature
comes from the dataclasses its options are fields of, so each option is declared once."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import Field
from typing import Annotated, Any

import typer

from .config.options import GROUPS, declared, shown_default

KEYWORD = inspect.Parameter.KEYWORD_ONLY


def on_only(f: Field, kind: type) -> bool:
    """A switch that only turns something on (--shallow): absent, it defers to a preset."""
    return kind is bool and "/" not in (f.metadata["flag"] or "/")


def _flag(f: Field, kind: type, presets: bool) -> inspect.Parameter:
    """A flag from its declaration. Every flag defaults to None (an on-only switch to
    False), so an absent one defers to the preset or the checkpoint. The default is
    written into the help, as typer would put a text default in parentheses."""
    meta, switch = f.metadata, on_only(f, kind)
    shown = None if switch else shown_default(f, presets)
    info = typer.Option(
        *([meta["flag"]] if meta["flag"] else []),
        help=meta["help"] + ("" if shown is None else f" \\[default: {shown}]"),  # \[: not a rich tag
        show_default=False,
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
    argument: tuple[str, Any],
    output: Any,
) -> set[str]:
    """Register `run(argument, output, **options)` as a command whose flags are the fields
    of `classes` (each with the names it gives, None: all), in --help panels that follow
    the data; `argument` is the positional argument's name and annotation. Returns the
    names of its on-only switches."""
    fields = [
        (f, kind) for cls, only in classes for f, kind in declared(cls) if only is None or f.name in only
    ]
    fields.sort(key=lambda fk: GROUPS.index(fk[0].metadata["group"]))
    presets = any(f.name == "preset" for f, _ in fields)  # else the presets' values would mislead
    params = [_flag(f, kind, presets) for f, kind in fields]
    groups = [f.metadata["group"] for f, _ in fields]
    at = groups.index("Output") if "Output" in groups else len(params)
    params.insert(at, inspect.Parameter("output", KEYWORD, annotation=output))
    params.insert(0, inspect.Parameter(argument[0], KEYWORD, annotation=argument[1]))
    run.__signature__ = inspect.Signature(params)
    app.command(name)(run)
    return {f.name for f, kind in fields if on_only(f, kind)}


def deferred(options: dict[str, Any], switches: set[str]) -> dict[str, Any]:
    """An absent on-only switch (False) as None: the preset or checkpoint decides."""
    return {k: None if k in switches and not v else v for k, v in options.items()}
