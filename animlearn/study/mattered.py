"""What mattered in a study: a spec's parts (depth, width, activation, ...) as columns,
and for each part that varies, the mean score of each of its values.

Means are taken at one epoch that every trial was measured at (the last rung all
reached): with successive halving the later rungs hold only the trials it kept, so a
value whose weak trials were stopped would look better than it is. The page says so
whenever that epoch is not the study's last."""

from __future__ import annotations

from dataclasses import dataclass, fields
from html import escape

from ..config import spec as specs
from .results import Row, Spread, spread

MAIN = ("depth", "width", "activation", "encoding", "optimizer", "lr")
SKIP = {"hidden", "act", "encoding", "optimizer", "lr", *specs.COUNTS.values()}  # shown in MAIN


def parts(text: str, lr: float) -> dict[str, str]:
    """A spec's parts as the page's columns: the main ones, then any other field it sets."""
    s = specs.parse(text)
    depth, width = len(s.hidden), s.hidden[0]
    found = {
        "depth": str(depth),
        "width": str(width) if set(s.hidden) == {width} else ",".join(map(str, s.hidden)),
        "activation": s.act,
        "encoding": _encoding(s),
        "optimizer": s.optimizer,
        "lr": f"{s.learning_rate(lr):g}",
    }
    default = specs.NetSpec()
    for f in fields(s):
        value = getattr(s, f.name)
        if f.name not in SKIP and value != getattr(default, f.name):
            found[f.name.replace("_", "-")] = f"{value:g}" if isinstance(value, float) else str(value)
    return found


def _encoding(s: specs.NetSpec) -> str:
    return s.encoding if s.encoding == "raw" else f"{s.encoding}={getattr(s, specs.COUNTS[s.encoding])}"


def columns(texts: list[str], lr: float) -> list[str]:
    """The main parts, then the others any spec sets, in first-seen order."""
    extra = [k for t in texts for k in parts(t, lr) if k not in MAIN]
    return [*MAIN, *dict.fromkeys(extra)]


@dataclass(frozen=True)
class Effect:
    part: str
    values: list[tuple[str, Spread, int]]  # value, its score's mean and spread, trials counted


@dataclass(frozen=True)
class Mattered:
    epoch: int | None  # where the means are taken; None: no epoch every trial reached
    effects: list[Effect]
    kept: int  # trials measured there
    trials: int  # trials in the study
    diverged: int  # of those, diverged by then (not counted)


def mattered(rows: list[Row], lr: float) -> Mattered:
    """Each varying part's values compared at the last epoch every trial was measured at."""
    trials = {r.trial for r in rows}
    rungs = sorted({r.rung for r in rows})
    common = [e for e in rungs if {r.trial for r in rows if r.rung == e} == trials]
    if not common:
        return Mattered(None, [], 0, len(trials), 0)
    epoch = common[-1]
    at = [r for r in rows if r.rung == epoch]
    ok = [r for r in at if r.score is not None]
    table = {r.trial: parts(r.spec, lr) for r in ok}
    effects = []
    for part in columns([r.spec for r in ok], lr):
        by: dict[str, list[float]] = {}
        for r in ok:
            by.setdefault(table[r.trial].get(part, "-"), []).append(r.score)
        if len(by) > 1:
            values = sorted(((v, spread(s), len(s)) for v, s in by.items()), key=lambda x: -x[1].mean)
            effects.append(Effect(part, values))
    return Mattered(epoch, effects, len(ok), len(trials), len(at) - len(ok))


def html(m: Mattered, epochs: int, metric: str) -> str:
    """The section: a line saying where the means come from and what confounds them, then a
    row per part, its values best first as 'value mean ± sd (n)'."""
    if m.epoch is None:
        return "<p>Not yet: no epoch that every trial has reached.</p>"
    lines = [
        f"<p>Mean {metric} of the trials with each value, ± the sample standard deviation over "
        f"them (n trials), at epoch {m.epoch}, which all {m.trials} trials reached."
    ]
    if m.diverged:
        lines.append(f" {m.diverged} diverged by then and are not counted.")
    if m.epoch < epochs:
        lines.append(
            f" <strong>Halving confounds any later comparison:</strong> after epoch {m.epoch} only the "
            "trials it kept trained on, so a value whose weak trials were stopped would look better "
            f"than it is. These means are from epoch {m.epoch}, not the study's last ({epochs}); the "
            "ranking at the end may differ."
        )
    lines.append("</p>")
    if not m.effects:
        return "".join(lines) + "<p>No spec part varies (or one value is left).</p>"
    body = []
    for e in m.effects:
        cells = "".join(
            f'<td data-v="{s.mean:.6f}"><b>{escape(v)}</b> {s.text()} <small>({n})</small></td>'
            for v, s, n in e.values
        )
        body.append(f"<tr><th>{escape(e.part)}</th>{cells}</tr>")
    return "".join(lines) + f'<table id="mattered">{"".join(body)}</table>'
