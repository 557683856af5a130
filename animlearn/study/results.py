"""A sweep's results: one row per trial per rung, the ranking, and the files
results.csv (every row, read back to resume) and results.md (a leaderboard to paste).

Specs are compared at the same epoch: a spec's leaderboard line is the mean of every one
of its trials (its seeds, on every picture of the study) at the furthest rung all of them
reached (halving stops a spec's trials together), and lines rank by that epoch, then by
score: hold-out PSNR when there is one, else PSNR. With several pictures, each picture's
mean over the seeds is a column of its own. A spec with a diverged trial ranks last: no
spec ranks on its lucky seed. The spread is the sample standard deviation (n - 1) over
the trials: a study of 3 to 5 seeds is what it is usually quoted from. Trials rank
within their spec's place."""

from __future__ import annotations

import csv
import math
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
    picture: str = ""  # the picture's name in the study

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
    out = []
    for mine in _by(rows, "trial").values():
        stop = next((r.stopped_at for r in mine if r.stopped_at is not None), None)
        at_stop = [r for r in mine if r.rung == stop]
        out.append(at_stop[0] if at_stop else max(mine, key=lambda r: r.rung))
    return out


def _by(rows: Iterable[Row], name: str) -> dict[str, list[Row]]:
    out: dict[str, list[Row]] = {}
    for r in rows:
        out.setdefault(getattr(r, name), []).append(r)
    return out


def best_first(score: float | None) -> tuple[int, float]:
    """A sort key: numbers high to low (inf first), then NaN, then None (diverged)."""
    if score is None:
        return (2, 0.0)
    return (1, 0.0) if math.isnan(score) else (0, -score)


def rank(rows: Iterable[Row]) -> list[Row]:
    """Each trial's final row, best first: by its spec's place on the leaderboard (a seed
    ranks no higher than its spec), then by its own score; exact ties go by seed, then picture."""
    rows = list(rows)
    place = {s.spec: k for k, s in enumerate(summarise(rows))}
    return sorted(finals(rows), key=lambda r: (place[r.spec], best_first(r.score), r.seed, r.picture))


@dataclass(frozen=True)
class Spread:
    mean: float
    std: float | None  # sample standard deviation; None for a single value, or with inf or NaN among them

    def text(self) -> str:
        return f"{self.mean:.2f}" if self.std is None else f"{self.mean:.2f} ± {self.std:.2f}"


def spread(values: list[float]) -> Spread:
    """Mean and sample standard deviation (n - 1) of one or more values; a perfect fit's
    inf makes the mean inf and a NaN makes it NaN, with no spread."""
    mean = statistics.fmean(values)
    finite = all(map(math.isfinite, values))
    return Spread(mean, statistics.stdev(values) if len(values) > 1 and finite else None)


@dataclass(frozen=True)
class Summary:
    """A spec over its trials (seeds, times pictures) at one epoch, as a leaderboard line."""

    spec: str
    parameters: int
    epochs: int  # the rung every seed reached: where the spec is compared with others
    seeds: int  # trials measured at `epochs`: seeds, times pictures
    trials: int  # trials run
    diverged: int  # trials that diverged by `epochs`
    psnr: Spread | None  # over every seed measured; None if one diverged
    holdout_psnr: Spread | None
    seconds: float  # mean training time of the seeds measured
    pictures: dict[str, Spread | None]  # each picture's score over its seeds (None: one diverged)

    @property
    def score(self) -> float | None:
        best = self.holdout_psnr or self.psnr
        return None if best is None else best.mean

    def key(self) -> tuple:
        """Furthest epoch first, every seed measured before some, then mean score."""
        return (self.score is None, -self.epochs, self.seeds < self.trials, best_first(self.score), self.spec)


def _summary(mine: list[Row]) -> Summary:
    """`mine`: every row of one spec. Its seeds are compared at the furthest rung all of
    them reached (halving stops a spec's seeds together; the rest is a sweep in progress)."""
    trials = _by(mine, "trial")
    epochs = min(r.rung for r in finals(mine))
    at = [r for rows in trials.values() for r in rows if r.rung == epochs]
    ok = [r for r in at if r.status == "ok"]
    hidden = [r.holdout_psnr for r in ok if r.holdout_psnr is not None]
    clean = len(ok) == len(at)
    pictures = {
        name: spread([r.score for r in there]) if all(r.score is not None for r in there) else None
        for name, there in _by(at, "picture").items()
    }
    return Summary(
        spec=mine[0].spec,
        parameters=mine[0].parameters,
        epochs=max(r.epochs for r in at) if not ok else epochs,
        seeds=len(at),
        trials=len(trials),
        diverged=len(at) - len(ok),
        psnr=spread([r.psnr for r in ok if r.psnr is not None]) if clean else None,
        holdout_psnr=spread(hidden) if clean and hidden else None,
        seconds=statistics.fmean(r.seconds for r in at),
        pictures=pictures,
    )


def summarise(rows: Iterable[Row]) -> list[Summary]:
    """One line per spec, best first: furthest epoch, then mean score; diverged last."""
    return sorted((_summary(mine) for mine in _by(rows, "spec").values()), key=Summary.key)


def _epochs(s: Summary, word: str = "diverged") -> str:
    """`word`: what befell the trials that did not finish (diverged, or failed)."""
    runs = "seeds" if len(s.pictures) < 2 else "trials"
    if s.diverged == s.seeds:
        return f"{word} by {s.epochs}"
    if s.diverged:
        return f"{s.epochs} ({s.diverged} of {s.seeds} {runs} {word})"
    return f"{s.epochs}" + ("" if s.seeds == s.trials else f" ({s.seeds} of {s.trials} {runs} so far)")


def pictures(rows: Iterable[Row]) -> list[str]:
    """The study's pictures by name, in first-seen order, if it has several; else none."""
    names = list(dict.fromkeys(r.picture for r in rows))
    return names if len(names) > 1 else []


def markdown(rows: Iterable[Row]) -> str:
    """A GitHub-flavoured Markdown leaderboard with a line saying how to read it, and why
    each failed trial failed."""
    rows = list(rows)
    lines, names = summarise(rows), pictures(rows)
    hidden = any(s.holdout_psnr for s in lines)
    head = ["rank", "network", "parameters", "PSNR trained (dB)"] + ["PSNR hidden (dB)"] * hidden
    head += [f"{name} (dB)" for name in names] + ["epochs", "seconds"]
    out = [
        "| " + " | ".join(head) + " |",
        "|" + "|".join("---" if h == "network" else "---:" for h in head) + "|",
    ]
    failed = {r.spec for r in finals(rows) if r.status == "failed"}
    for n, s in enumerate(lines, 1):
        word = "failed" if s.spec in failed else "diverged"
        cells = [str(n), f"`{s.spec}`", f"{s.parameters:,}", _text(s.psnr, word)]
        if hidden:
            cells.append(_text(s.holdout_psnr, word))
        cells += [_text(s.pictures.get(name), word) for name in names]
        cells += [_epochs(s, word), f"{s.seconds:.1f}"]
        out.append("| " + " | ".join(cells) + " |")
    by = "hidden-pixel PSNR" if hidden else "PSNR"
    every = "every seed on every picture" if names else "every seed"
    note = (
        f"Ranked by the furthest epoch reached, then {by}; mean ± sample standard deviation over "
        f"{every} at that epoch (a spec with a diverged seed ranks last); seconds of training per trial."
    )
    if names:
        note += f" A picture's column: the {by} of its seeds there."
    text = "\n".join(out) + "\n\n" + note + "\n"
    failures = [
        f"- `{r.spec}` seed {r.seed}{f' on {r.picture}' if names else ''} failed: {r.note}"
        for r in finals(rows)
        if r.status == "failed"
    ]
    return text + "".join(f"\n{line}" for line in failures) + ("\n" if failures else "")


def _text(s: Spread | None, word: str) -> str:
    return s.text() if s else word


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
        picture=values.get("picture", ""),
    )


def read(folder: Path) -> list[Row]:
    """The rows of `folder`'s results.csv, to resume a sweep; none if there is no such file."""
    path = folder / CSV_NAME
    if not path.exists():
        return []
    try:
        with open(path, newline="") as f:
            table = csv.DictReader(f)
            if tuple(table.fieldnames or ()) not in (COLUMNS, COLUMNS[:-1]):  # older: no picture
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
