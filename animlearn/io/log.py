"""A metrics log as CSV: one row per network per frame, written as the run goes."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from ..errors import AnimlearnError
from .atomic import replacing, writable

COLUMNS = ("epoch", "network", "parameters", "loss", "psnr", "holdout_psnr", "seconds")


def check(path: Path) -> Path:
    if path.suffix.lower() != ".csv":
        raise AnimlearnError(f"--log {path}: give a .csv file name, e.g. --log run.csv")
    writable(path)
    return path


def _line(values: list) -> bytes:
    text = io.StringIO()
    csv.writer(text, lineterminator="\n").writerow(values)
    return text.getvalue().encode("utf-8")


def _unwritable(path: Path, e: OSError) -> AnimlearnError:
    return AnimlearnError(f"{path}: could not write ({e.strerror or e}); choose another folder")


class Log:
    """The log file, open while a run trains, so `tail -f` follows it.

    It starts, atomically, as the header and the rows so far (a resumed run's);
    each later row is appended as one whole line in one write, so an interruption
    never leaves half a row.
    """

    def __init__(self, path: Path, rows: list[dict]):
        self.path = path
        try:
            with replacing(path) as tmp:
                tmp.write_bytes(b"".join(map(_line, [list(COLUMNS), *map(self._values, rows)])))
            self._file = open(path, "ab", buffering=0)  # unbuffered: a write is a line on disk
        except OSError as e:
            raise _unwritable(path, e) from e

    @staticmethod
    def _values(row: dict) -> list:
        return [row[c] for c in COLUMNS]

    def append(self, rows: list[dict]) -> None:
        try:
            for row in rows:
                self._file.write(_line(self._values(row)))
        except OSError as e:
            raise _unwritable(self.path, e) from e

    def close(self) -> None:
        self._file.close()
