"""What animlearn's web pages share: a head that forbids the network, pictures as data URIs,
data for the page's script, and line charts drawn as SVG from the scores."""

from __future__ import annotations

import base64
import io
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

import numpy as np
from PIL import Image

from .options import Series

# Nothing but the page itself, inline data and files beside it: a page that tried to
# fetch anything else would show an error in the console instead of leaking a request.
POLICY = (
    "default-src 'none'; img-src 'self' file: data: blob:; media-src 'self' file: data: blob:; "
    "style-src 'unsafe-inline'; script-src 'unsafe-inline'"
)
COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf")
FONT = "font: 14px system-ui, sans-serif"


def head(title: str, style: str, refresh: float | None = None) -> str:
    """The page's <head>: charset, viewport, the network policy, its title and style; with
    `refresh`, the page reloads itself after that many seconds."""
    again = "" if refresh is None else f'<meta http-equiv="refresh" content="{refresh:g}">'
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<meta http-equiv="Content-Security-Policy" content="{POLICY}">{again}'
        f"<title>{escape(title)}</title><style>{style}</style></head>\n"
    )


def picture_uri(picture: np.ndarray, quality: int) -> str:
    """An (h, w, 3) uint8 picture as a lossy WebP data URI, `quality` 0-100."""
    out = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(picture)).save(out, format="WEBP", quality=quality, method=4)
    return "data:image/webp;base64," + base64.b64encode(out.getvalue()).decode("ascii")


def data(value: object, name: str = "data") -> str:
    """`value` as JSON in a <script> the page's code reads by id; '</' cannot end it early."""
    text = json.dumps(value, separators=(",", ":"), allow_nan=False).replace("</", "<\\/")
    return f'<script type="application/json" id="{name}">{text}</script>\n'


def ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round numbers (1, 2 or 5 times a power of ten apart) from `low` to `high`, about `count`."""
    span = max(high - low, 1e-9)
    raw = span / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    first = math.ceil(low / step - 1e-9) * step
    return [round(first + k * step, 10) for k in range(int((high - first) / step + 1e-9) + 1)]


@dataclass(frozen=True)
class Axes:
    """Where data lands in an SVG chart of `width` x `height` px."""

    width: int
    height: int
    xs: tuple[float, float]  # epochs shown, left to right
    ys: tuple[float, float]  # dB shown, bottom to top
    margin: tuple[int, int, int, int] = (44, 12, 10, 30)  # left, right, top, bottom

    def x(self, v: float) -> float:
        left, right = self.margin[0], self.width - self.margin[1]
        return round(left + (v - self.xs[0]) / (self.xs[1] - self.xs[0] or 1) * (right - left), 1)

    def y(self, v: float) -> float:
        top, bottom = self.margin[2], self.height - self.margin[3]
        return round(bottom - (v - self.ys[0]) / (self.ys[1] - self.ys[0] or 1) * (bottom - top), 1)


def axes(series: Sequence[Series], width: int, height: int) -> Axes:
    """Axes that hold every finite point of `series`, from epoch 0 and on round dB."""
    points = [p for s in series for p in s.points if math.isfinite(p[1])] or [(1.0, 0.0)]
    ys = [v for _, v in points]
    low, high = math.floor(min(ys)), math.ceil(max(ys))
    return Axes(width, height, (0.0, max(t for t, _ in points)), (low, max(high, low + 1)))


def chart(
    series: Sequence[Series],
    a: Axes,
    colours: Sequence[str],
    keys: Sequence[str] | None = None,
    extra: str = "",
) -> str:
    """An SVG line chart of `series` on `a` in `colours`, gridlines labelled; each line a
    <path> with a <title> and data-key from `keys` (for pages that link lines to rows);
    `extra` is drawn on top (a cursor)."""
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {a.width} {a.height}" '
        f'width="{a.width}" height="{a.height}" style="{FONT};font-size:11px" role="img">'
    ]
    for v in ticks(*a.ys, 4):
        y = a.y(v)
        out.append(f'<line x1="{a.margin[0]}" x2="{a.width - a.margin[1]}" y1="{y}" y2="{y}" stroke="#ddd"/>')
        out.append(f'<text x="{a.margin[0] - 4}" y="{y + 4}" text-anchor="end">{v:g}</text>')
    for v in ticks(*a.xs, 6):
        out.append(f'<text x="{a.x(v)}" y="{a.height - 14}" text-anchor="middle">{v:g}</text>')
    out.append(
        f'<text x="{a.width - a.margin[1]}" y="{a.height - 2}" text-anchor="end">epoch</text>'
        f'<text x="2" y="{a.margin[2] + 8}">dB</text>'
    )
    for k, s in enumerate(series):
        shown = [(t, v) for t, v in s.points if math.isfinite(v)]
        if not shown:
            continue
        d = "M" + " L".join(f"{a.x(t)},{a.y(v)}" for t, v in shown)
        key = f' data-key="{escape(keys[k])}"' if keys is not None else ""
        dash = ' stroke-dasharray="5,3"' if s.dashed else ""
        out.append(
            f'<path d="{d}" fill="none" stroke="{colours[k]}" stroke-width="1.6"{dash}{key}>'
            f"<title>{escape(s.name)}</title></path>"
        )
    return "".join(out) + extra + "</svg>"


def legend(series: Sequence[Series], colours: Sequence[str]) -> str:
    """A line of names, one per series, each over a stroke of its line's colour and dash."""
    items = []
    for s, colour in zip(series, colours):
        style = "dashed" if s.dashed else "solid"
        items.append(f'<span style="border-top:2px {style} {colour}">{escape(s.name)}</span>')
    return '<p class="legend">' + " ".join(items) + "</p>"
