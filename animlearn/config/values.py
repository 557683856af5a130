"""Values from what a user typed: layer widths, hold-outs, network lists, sizes.

Each option's declaration names its parser; a parser takes text or a Python value
and returns the option's value, or raises a one-line AnimlearnError.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

from ..errors import AnimlearnError
from ..io import EVERY_OTHER


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


def parse_holdout(value: float | str) -> float | str:
    """A fraction from 0 to 0.5, or 'every-other'."""
    if value == EVERY_OTHER:
        return value
    try:
        fraction = float(value)
    except (TypeError, ValueError):
        fraction = math.nan
    if not 0 <= fraction <= 0.5 or isinstance(value, bool):
        raise AnimlearnError(
            f"--holdout {value!r}: give a fraction from 0 to 0.5, e.g. 0.1, or {EVERY_OTHER}"
        )
    return fraction


def parse_nets(value: str | Sequence[str]) -> tuple[str, ...]:
    return (value,) if isinstance(value, str) else tuple(value)


SIZE_UNITS = {"": 1, "b": 1, "k": 10**3, "kb": 10**3, "m": 10**6, "mb": 10**6, "g": 10**9, "gb": 10**9}


def parse_size(value: str | int) -> int:
    """'10MB' -> 10,000,000 bytes: decimal units (kB, MB, GB); a bare number is bytes."""
    text = "" if isinstance(value, bool) else str(value)
    found = re.fullmatch(r"\s*(\d+\.?\d*|\.\d+)\s*([kmg]?b?)\s*", text, re.IGNORECASE)
    size = round(float(found[1]) * SIZE_UNITS[found[2].lower()]) if found else 0
    if size < 1:
        raise AnimlearnError(f"--max-size {value!r}: give a size such as 10MB, 500kB or 2.5MB")
    return size
