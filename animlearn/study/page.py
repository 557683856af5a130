"""index.html: a study as one page that opens from disk, offline, and can be zipped or
hosted with its folder.

It holds the leaderboard (a row per spec, its parts as columns, sortable), every
trial's learning curve linked to its spec's row, every trial's last painting to
compare two by two (or against the target), the race, and what mattered. The numbers
are results.csv's, read back from the file the driver has just written; the curves are
the trials' checkpointed scores; the paintings are embedded as small WebP data URIs.

The page is rewritten after every result while the sweep runs (and reloads itself in
the reader's browser), and once more, final, when it ends. Each trial's curve and
painting are read again only when its files change, so a rewrite costs little.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from html import escape
from pathlib import Path
from typing import Any

import numpy as np

from ..encoders import web
from ..encoders.options import Series
from ..errors import AnimlearnError
from ..io import checkpoint
from ..io.atomic import replacing
from . import mattered, results
from .folder import CHECKPOINT, PAINTINGS
from .pagescript import SCRIPT, STYLE
from .results import Row
from .show import paintings

NAME = "index.html"
RELOAD = 10  # s between reloads of a page whose study is running
QUALITY = 80  # WebP quality of the embedded paintings
CURVES = (900, 320)  # px
RACES = ("race.mp4", "race.gif")  # the first found is embedded


class Report:
    """A study folder's index.html, kept up to date."""

    def __init__(self, folder: Path, targets: dict[str, np.ndarray], settings: dict):
        """`targets`: the study's pictures by name, at the size the trials learn them."""
        self.folder, self.settings = folder, settings
        self.targets = {name: web.picture_uri(pixels, QUALITY) for name, pixels in targets.items()}
        self.cached: dict[Path, tuple[int, object]] = {}  # a file's mtime and what was read from it

    def progress(self, hear: Callable | None) -> Callable:
        """An on_progress for the driver: the page rewritten, then `hear` told."""

        def heard(report: object) -> None:
            self.write("running")
            if hear is not None:
                hear(report)

        return heard

    def write(self, status: str) -> Path:
        """The page for the folder's results now; `status`: running, done or interrupted."""
        rows = results.read(self.folder)
        path = self.folder / NAME
        try:
            with replacing(path) as tmp:
                tmp.write_text(self.page(rows, status), encoding="utf-8")
        except OSError as e:
            raise AnimlearnError(f"{path}: could not write ({e.strerror or e}); free some space") from e
        return path

    def _read(self, path: Path, read: Callable[[Path], Any]) -> Any:
        """`read(path)`, again only if the file changed since the last time; None if there is none."""
        try:
            stamp = path.stat().st_mtime_ns
        except FileNotFoundError:
            return None
        if path not in self.cached or self.cached[path][0] != stamp:
            self.cached[path] = (stamp, read(path))
        return self.cached[path][1]

    def curve(self, trial: str) -> list[tuple[float, float]]:
        """The trial's score after each epoch it trained (hidden pixels' with a hold-out)."""
        scores = self._read(self.folder / "trials" / trial / CHECKPOINT, _scores)
        if scores is None:
            return []
        return [(t, v) for t, v in scores["held_history"][0] or scores["history"][0]]

    def painting(self, trial: str) -> str | None:
        """The trial's latest painting as a data URI; None before it has one."""
        return self._read(self.folder / "trials" / trial / PAINTINGS, _last)

    def page(self, rows: list[Row], status: str) -> str:
        lr, epochs = self.settings["lr"], self.settings["epochs"]
        hidden = any(r.holdout_psnr is not None for r in rows)
        metric = "PSNR on hidden pixels" if hidden else "PSNR"
        ranked = results.rank(rows)
        best = ranked[0] if ranked else None
        reload = RELOAD if status == "running" else 0
        on = f" on {len(self.targets)} pictures" if len(self.targets) > 1 else ""
        a, b = (best.trial, self._target(best.picture)) if best else ("", "target")
        parts = [
            web.head(f"animlearn study: {len(ranked)} trials{on}", STYLE, None),
            f'<body data-reload="{reload}" data-a="{escape(a)}" data-b="{escape(b)}">',
            f"<h1>A study of {len(ranked)} trials{on}</h1>{_status(status, ranked, epochs)}",
            f"<h2>Leaderboard</h2>{board(rows, lr, epochs, status)}",
            f"<h2>Learning curves</h2><p>{metric} after each epoch, a line per trial; hover or "
            "click a line or a row to light the other.</p>",
            self.curves(ranked, metric),
            "<h2>Last paintings</h2><p>Click one, then another, to compare them (the target too).</p>",
            self.thumbs(ranked),
            _compare(),
            _race(self.folder),
            "<h2>What mattered</h2>",
            mattered.html(mattered.mattered(rows, lr), epochs, metric),
            _settings(self.settings),
            f"<script>{SCRIPT}</script></body></html>\n",
        ]
        return "\n".join(parts)

    def curves(self, ranked: list[Row], metric: str) -> str:
        series = [Series(r.label, tuple(self.curve(r.trial))) for r in ranked]
        if not any(s.points for s in series):
            return "<p>No scores yet.</p>"
        a = web.axes(series, *CURVES)
        keys = [r.spec for r in ranked]
        return f'<div id="curves">{web.chart(series, a, ["#7a8ca0"] * len(series), keys)}</div>'

    def _target(self, picture: str) -> str:
        """The id of a picture's target among the thumbnails."""
        return f"target:{picture}" if len(self.targets) > 1 else "target"

    def thumbs(self, ranked: list[Row]) -> str:
        """A row of thumbnails per picture: its target, then its trials best first."""
        out = []
        for name, target in self.targets.items():
            cells = [_thumb(self._target(name), name, "", target, "the picture")]
            for n, r in enumerate(ranked, start=1):
                uri = self.painting(r.trial) if r.picture == name else None
                if uri is not None:
                    score = "diverged" if r.score is None else f"{r.score:.2f} dB"
                    cells.append(_thumb(r.trial, f"#{n} {r.label}", r.spec, uri, score))
            head = f"<h3>{escape(name)}</h3>" if len(self.targets) > 1 else ""
            out.append(f'{head}<div class="thumbs">{"".join(cells)}</div>')
        return "\n".join(out)


def _scores(path: Path) -> dict:
    return checkpoint.read(path).meta["scores"]


def _last(path: Path) -> str:
    """A trial's latest painting as a data URI."""
    return web.picture_uri(np.array(paintings(path)[-1]), QUALITY)


def _thumb(trial: str, title: str, key: str, uri: str, score: str) -> str:
    k = f' data-key="{escape(key)}"' if key else ""
    return (
        f'<figure class="thumb" data-trial="{escape(trial)}" title="{escape(title)}"{k}>'
        f'<img src="{uri}" alt="{escape(title)}"><figcaption>{escape(title)}<br>{score}</figcaption></figure>'
    )


def _status(status: str, ranked: list[Row], epochs: int) -> str:
    done = sum(r.stopped_at is not None for r in ranked)
    if status == "running":
        return (
            f'<p class="status">Running: {done} of {len(ranked)} trials seen are decided. This page '
            f"reloads itself every {RELOAD} s and is final when the study ends.</p>"
        )
    if status == "interrupted":
        return (
            f'<p class="status">Interrupted: the results of {done} decided trials; '
            "run the sweep again to go on.</p>"
        )
    return f'<p class="status">Done: {len(ranked)} trials, up to {epochs} epochs.</p>'


def _cell(value: float | int | str | None, text: str, cls: str = "") -> str:
    data = "" if value is None or isinstance(value, str) else f' data-v="{value}"'
    c = f' class="{cls}"' if cls else ""
    return f"<td{c}{data}>{escape(text)}</td>"


def _spread(s: results.Spread | None) -> str:
    value = None if s is None else s.mean
    return _cell(value, "" if s is None else s.text())


def board(rows: list[Row], lr: float, epochs: int, status: str) -> str:
    """The leaderboard: a row per spec (results.md's lines), its parts as columns."""
    lines, names = results.summarise(rows), results.pictures(rows)
    hidden = any(s.holdout_psnr for s in lines)
    parts = {s.spec: mattered.parts(s.spec, lr) for s in lines}
    cols, same = _varying(mattered.columns(list(parts), lr), list(parts.values()))
    head = ["rank", "network", *cols, "parameters", "PSNR trained", *["PSNR hidden"] * hidden]
    head += [f"PSNR {name}" for name in names]
    head += ["seeds" if not names else "trials", "epochs", "seconds", "status"]
    body = []
    finals = results.finals(rows)
    for n, s in enumerate(lines, start=1):
        mine = [r for r in finals if r.spec == s.spec]
        p = parts[s.spec]
        cells = [_cell(n, str(n)), _cell(s.spec, s.spec, "spec")]
        cells += [_cell(_number(p.get(c, "")), p.get(c, "")) for c in cols]
        cells += [_cell(s.parameters, f"{s.parameters:,}"), _spread(s.psnr)]
        cells += [_spread(s.holdout_psnr)] * hidden
        cells += [_spread(s.pictures.get(name)) for name in names]
        cells += [_cell(s.seeds, f"{s.seeds} of {s.trials}"), _cell(s.epochs, str(s.epochs))]
        cells += [_cell(s.seconds, f"{s.seconds:.1f}"), _cell(None, _state(mine, status, epochs))]
        body.append(f'<tr data-key="{escape(s.spec)}">{"".join(cells)}</tr>')
    heads = "".join(f"<th>{escape(h)}</th>" for h in head)
    every = "trials (seeds on every picture)" if names else "seeds"
    note = f"<p><small>PSNR in dB: mean ± sample standard deviation over the {every} that reached"
    note += " the epoch shown"
    if names:
        note += f"; a picture's column: {'hidden pixels' if hidden else 'PSNR'} over its seeds there"
    note += ".</small></p>"
    common = " · ".join(f"{k} {v}" for k, v in same.items())
    if common:
        note = f"<p><small>Every network: {escape(common)}.</small></p>{note}"
    table = f'<table id="board"><thead><tr>{heads}</tr></thead><tbody>{"".join(body)}</tbody></table>'
    return f'<div class="wide">{table}</div>{note}'


def _varying(cols: list[str], parts: list[dict[str, str]]) -> tuple[list[str], dict[str, str]]:
    """The columns whose value differs between specs, and the value of each of the others
    (a table as narrow as the line-up allows)."""
    values = {c: {p.get(c, "") for p in parts} for c in cols}
    same = {c: v.pop() for c, v in values.items() if len(v) == 1}
    return [c for c in cols if c not in same], {c: v for c, v in same.items() if v}


def _number(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _state(mine: list[Row], status: str, epochs: int) -> str:
    """A spec's status: diverged, stopped by halving, still training, or done."""
    if all(r.status == "diverged" for r in mine):
        return "diverged"
    if any(r.stopped_at is None for r in mine):
        return "training" if status == "running" else "unfinished"
    stop = max(r.stopped_at for r in mine)
    return f"halving stopped it at {stop}" if stop < epochs else "done"


def _compare() -> str:
    return (
        '<p id="names"></p>'
        '<p><label><input type="radio" name="mode" value="pair" checked> side by side</label> '
        '<label><input type="radio" name="mode" value="wipe"> wipe</label> '
        '<input id="cut" type="range" min="0" max="100" value="50" aria-label="wipe"></p>'
        '<div id="pair"><img id="pa" alt=""><img id="pb" alt=""></div>'
        '<div id="wipe" hidden><img id="under" alt=""><img id="over" alt=""></div>'
    )


def _race(folder: Path) -> str:
    found = next((name for name in RACES if (folder / name).is_file()), None)
    if found is None:
        return ""
    shown = (
        f'<video src="{found}" autoplay loop muted playsinline controls></video>'
        if found.endswith(".mp4")
        else f'<img src="{found}" alt="the race">'
    )
    return f"<h2>The race</h2><p>The best trials learning side by side, beside the target.</p>{shown}"


def _settings(settings: dict) -> str:
    rows = "".join(f"<tr><th>{escape(k)}</th><td>{escape(str(v))}</td></tr>" for k, v in settings.items())
    return f"<h2>Settings</h2><table>{rows}</table>"
