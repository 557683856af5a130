"""A metrics log as CSV: one row per network per frame."""

from __future__ import annotations

import csv
from pathlib import Path

from ..errors import AnimlearnError
from .atomic import replacing, writable

COLUMNS = ("epoch", "network", "parameters", "loss", "psnr", "holdout_psnr", "seconds")


def check(path: Path) -> Path:
    if path.suffix.lower() != ".csv":
        raise AnimlearnError(f"--log {path}: give a .csv file name, e.g. --log run.csv")
    writable(path)
    return path


def write(rows: list[dict], path: Path) -> None:
    try:
        with replacing(path) as tmp, open(tmp, "w", newline="") as f:
            out = csv.DictWriter(f, COLUMNS, lineterminator="\n")
            out.writeheader()
            out.writerows(rows)
    except OSError as e:
        raise AnimlearnError(f"{path}: could not write ({e.strerror or e}); choose another folder") from e
