"""A sweep's results: one row per trial per rung, the ranking, and the files
results.csv (every row, read back to resume) and results.md (a leaderboard to paste).

Trials rank by the furthest rung they were kept for (halving already judged those
that stopped earlier), then by score: hold-out PSNR when there is one, else PSNR;
diverged trials come last. A spec's leaderboard line averages its seeds at the
furthest epoch any of them was kept for; the spread is the sample standard deviation
(n - 1) over those seeds: a study of 3 to 5 seeds is what it is usually quoted from."""

from __future__ import annotations

import csv
import statistics
from collections.abc import Iterable
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Literal

from ..errors import AnimlearnError
from ..io.atomic import replacing

Status = Literal["ok", "diverged", "failed"]  # failed: its worker died on every try
STATUSES = ("ok", "diverged", "failed")
CSV_NAME, MARKDOWN_NAME = "results.csv", "results.md"


@dataclass(frozen=True)
class Row:
    """One trial measured at one rung."""

    trial: str  # the trial's id
    spec: str  # canonical spec text
    seed: int
    label: str
    parameters: int
    rung: int  # the epoch this job trained towards
    epochs: int  # epochs trained: the rung, or fewer if it diverged on the way
    stopped_at: int | None  # the rung its halving ended at (the scheduler's), None while undecided
    psnr: float | None  # on the pixels it trained on; None if it diverged before a score
    holdout_psnr: float | None  # on the hidden pixels; None without a hold-out
    seconds: float  # training time so far, over all its rungs
    status: Status
    note: str = ""  # why it diverged or failed

    @property
    def score(self) -> float | None:
        """What ranks it, higher is better; None if it diverged or failed."""
        if self.status != "ok":
            return None
        return self.holdout_psnr if self.holdout_psnr is not None else self.psnr


COLUMNS = tuple(f.name for f in fields(Row))


def records(rows: Iterable[Row]) -> list[tuple[str, int, float | None]]:
    """(trial, rung, score) for every row: what `Halving.resume` takes."""
    return [(r.trial, r.rung, r.score) for r in rows]


def finals(rows: Iterable[Row]) -> list[Row]:
    """Each trial's row at the rung it stopped at (while undecided: its furthest), in first-seen order."""
    by_trial: dict[str, list[Row]] = {}
    for r in rows:
        by_trial.setdefault(r.trial, []).append(r)
    out = []
    for mine in by_trial.values():
        stop = next((r.stopped_at for r in mine if r.stopped_at is not None), None)
        at_stop = [r for r in mine if r.rung == stop]
        out.append(at_stop[0] if at_stop else max(mine, key=lambda r: r.rung))
    return out


def rank(rows: Iterable[Row]) -> list[Row]:
    """Each trial's final row, best first; exact ties go by seed, then spec text."""

    def key(r: Row) -> tuple:
        score = r.score
        return (score is None, -r.rung, -(score or 0.0), r.seed, r.spec)

    return sorted(finals(rows), key=key)


@dataclass(frozen=True)
class Spread:
    mean: float
    std: float | None  # sample standard deviation; None for a single value

    def text(self) -> str:
        return f"{self.mean:.2f}" if self.std is None else f"{self.mean:.2f} ± {self.std:.2f}"


def spread(values: list[float]) -> Spread:
    """Mean and sample standard deviation (n - 1) of one or more values."""
    return Spread(statistics.fmean(values), statistics.stdev(values) if len(values) > 1 else None)


@dataclass(frozen=True)
class Summary:
    """A spec over its seeds, as a leaderboard line."""

    spec: str
    parameters: int
    epochs: int  # the furthest rung a seed was kept for; with every seed diverged, the most trained
    seeds: int  # seeds counted: kept for `epochs` without diverging (0: all diverged)
    trials: int  # seeds run
    psnr: Spread | None
    holdout_psnr: Spread | None
    seconds: float  # mean training time of the counted seeds (of all, if all diverged)

    @property
    def score(self) -> float | None:
        best = self.holdout_psnr or self.psnr
        return None if best is None else best.mean


def _summary(mine: list[Row]) -> Summary:
    ok = [r for r in mine if r.status == "ok"]
    if not ok:
        most = max(r.epochs for r in mine)
        seconds = statistics.fmean(r.seconds for r in mine)
        return Summary(mine[0].spec, mine[0].parameters, most, 0, len(mine), None, None, seconds)
    furthest = max(r.rung for r in ok)
    counted = [r for r in ok if r.rung == furthest]
    hidden = [r.holdout_psnr for r in counted if r.holdout_psnr is not None]
    return Summary(
        spec=mine[0].spec,
        parameters=mine[0].parameters,
        epochs=furthest,
        seeds=len(counted),
        trials=len(mine),
        psnr=spread([r.psnr for r in counted if r.psnr is not None]),
        holdout_psnr=spread(hidden) if hidden else None,
        seconds=statistics.fmean(r.seconds for r in counted),
    )


def summarise(rows: Iterable[Row]) -> list[Summary]:
    """One line per spec, best first: furthest epoch kept, then mean score; all-diverged last."""
    by_spec: dict[str, list[Row]] = {}
    for r in finals(rows):
        by_spec.setdefault(r.spec, []).append(r)
    lines = [_summary(mine) for mine in by_spec.values()]
    return sorted(lines, key=lambda s: (s.score is None, -s.epochs, -(s.score or 0.0), s.spec))


def markdown(rows: Iterable[Row]) -> str:
    """A GitHub-flavoured Markdown leaderboard with a line saying how to read it, and why
    each failed trial failed."""
    rows = list(rows)
    lines = summarise(rows)
    hidden = any(s.holdout_psnr for s in lines)
    head = ["rank", "network", "parameters", "PSNR trained (dB)"] + ["PSNR hidden (dB)"] * hidden
    head += ["epochs", "seconds"]
    out = [
        "| " + " | ".join(head) + " |",
        "|" + "|".join("---" if h == "network" else "---:" for h in head) + "|",
    ]
    failed = {r.spec for r in finals(rows) if r.status == "failed"}
    for n, s in enumerate(lines, 1):
        word = "failed" if s.spec in failed else "diverged"
        cells = [str(n), f"`{s.spec}`", f"{s.parameters:,}", s.psnr.text() if s.psnr else word]
        if hidden:
            cells.append(s.holdout_psnr.text() if s.holdout_psnr else word)
        seeds = "" if s.seeds == s.trials else f" ({s.seeds} of {s.trials} seeds)"
        epochs = f"{s.epochs}{seeds}" if s.seeds else f"{word} by {s.epochs}"
        cells += [epochs, f"{s.seconds:.1f}"]
        out.append("| " + " | ".join(cells) + " |")
    by = "hidden-pixel PSNR" if hidden else "PSNR"
    note = (
        f"Ranked by the furthest epoch reached, then {by}; mean ± sample standard deviation over "
        "the seeds that reached it; seconds of training per seed."
    )
    text = "\n".join(out) + "\n\n" + note + "\n"
    failures = [f"- `{r.spec}` seed {r.seed} failed: {r.note}" for r in finals(rows) if r.status == "failed"]
    return text + "".join(f"\n{line}" for line in failures) + ("\n" if failures else "")


def _cell(value: object) -> object:
    return "" if value is None else value


def write(rows: list[Row], folder: Path) -> None:
    """results.csv and results.md in `folder`, each replaced whole or not at all."""
    path = folder / CSV_NAME
    try:
        with replacing(path) as tmp, open(tmp, "w", newline="") as f:
            out = csv.writer(f, lineterminator="\n")
            out.writerow(COLUMNS)
            out.writerows([_cell(getattr(r, c)) for c in COLUMNS] for r in rows)
        path = folder / MARKDOWN_NAME
        with replacing(path) as tmp:
            tmp.write_text(markdown(rows))
    except OSError as e:
        raise AnimlearnError(f"{path}: could not write ({e.strerror or e}); choose another -o folder") from e


def _row(values: dict[str, str]) -> Row:
    def number(name: str, kind: type) -> float | int | None:
        return kind(values[name]) if values[name] != "" else None

    status = values["status"]
    if status not in STATUSES:
        raise ValueError(f"status {status!r}")
    return Row(
        trial=values["trial"],
        spec=values["spec"],
        seed=int(values["seed"]),
        label=values["label"],
        parameters=int(values["parameters"]),
        rung=int(values["rung"]),
        epochs=int(values["epochs"]),
        stopped_at=number("stopped_at", int),
        psnr=number("psnr", float),
        holdout_psnr=number("holdout_psnr", float),
        seconds=float(values["seconds"]),
        status=status,
        note=values["note"],
    )


def read(folder: Path) -> list[Row]:
    """The rows of `folder`'s results.csv, to resume a sweep; none if there is no such file."""
    path = folder / CSV_NAME
    if not path.exists():
        return []
    try:
        with open(path, newline="") as f:
            table = csv.DictReader(f)
            if tuple(table.fieldnames or ()) != COLUMNS:
                raise AnimlearnError(
                    f"{path}: not a sweep's results; move it away or choose another -o folder"
                )
            return [_row(values) for values in table]
    except (ValueError, TypeError, csv.Error) as e:
        raise AnimlearnError(
            f"{path}: line {table.line_num}: {e}; fix or move the file to start the sweep afresh"
        ) from None
    except OSError as e:
        raise AnimlearnError(f"{path}: could not read ({e.strerror or e})") from e
