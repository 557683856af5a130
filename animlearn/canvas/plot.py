"""A PSNR-over-time chart: each network's history as a small line chart, to go under a frame."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw

from .compose import BACKGROUND, INK
from .fonts import font

Series = list[tuple[float, float]]  # (seconds since the start, PSNR dB)
Colour = tuple[int, int, int]

# Okabe and Ito's palette, told apart with any colour vision; yellow last, as it is faint on white.
COLOURS: list[Colour] = [
    (0, 114, 178),
    (213, 94, 0),
    (0, 158, 115),
    (204, 121, 167),
    (230, 159, 0),
    (86, 180, 233),
    (0, 0, 0),
    (240, 228, 66),
]
GRID = (228, 228, 228)
BACKDROP = (175, 175, 175)  # background histories: plain grey, one px wide
PAD = 4  # px around the strip's edge
LINE = 2  # px, width of the networks' lines
DASH = (6, 4)  # px on, px off
MIN_PLOT = 24  # px of chart height; the font shrinks to leave at least this
MAX_TICKS = 8  # a few per axis, however long it is
SWATCH = 14  # px of line drawn before each legend name
HOLDOUT_NOTE = "dashed: hidden pixels"


def _finite(series: Series) -> Series:
    return [(float(t), float(v)) for t, v in series if math.isfinite(t) and math.isfinite(v)]


def _step(span: float, count: int, smallest: float) -> float:
    """The smallest round step (1, 2 or 5 times a power of ten, at least `smallest`)
    that cuts `span` into at most `count` parts."""
    raw = max(span / max(count, 1), smallest, 1e-9)
    base = 10.0 ** math.floor(math.log10(raw))
    return next(m * base for m in (1, 2, 5, 10) if m * base >= raw * (1 - 1e-9))


def _ticks(lo: float, hi: float, step: float) -> list[float]:
    first = math.ceil(lo / step - 1e-9)
    return [round(k * step, 9) for k in range(first, math.floor(hi / step + 1e-9) + 1)]


def _legend(
    draw: ImageDraw.ImageDraw, entries: list[tuple[str, Colour | None]], width: int, size: int
) -> list[list[tuple[float, str, Colour | None]]]:
    """Entries (text, colour; None for a note without a swatch) laid out in rows that fit `width`:
    a list of rows, each a list of (x, text, colour)."""
    face, gap, room = font(size), 10, width - 2 * PAD
    rows: list[list[tuple[float, str, Colour | None]]] = []
    x = PAD
    for text, colour in entries:
        lead = SWATCH + 3 if colour is not None else 0
        while len(text) > 1 and lead + draw.textlength(text, font=face) > room:
            text = text[:-2] + "…" if len(text) > 2 else text[:-1]  # too long for any row: shorten
        w = lead + draw.textlength(text, font=face)
        if not rows or x + w > PAD + room:
            rows.append([])
            x = PAD
        rows[-1].append((x, text, colour))
        x += w + gap
    return rows


def _dashed(draw: ImageDraw.ImageDraw, xy: list[tuple[float, float]], colour: Colour) -> None:
    """A polyline drawn dashed, the dash pattern running on across its corners."""
    on, period, phase = DASH[0], DASH[0] + DASH[1], 0.0
    for (x0, y0), (x1, y1) in zip(xy, xy[1:]):
        length, s = math.hypot(x1 - x0, y1 - y0), 0.0
        while s < length:
            step = min((on if phase < on else period) - phase, length - s)
            if phase < on:
                a, b = s / length, (s + step) / length
                draw.line(
                    [(x0 + a * (x1 - x0), y0 + a * (y1 - y0)), (x0 + b * (x1 - x0), y0 + b * (y1 - y0))],
                    fill=colour,
                    width=LINE,
                )
            s, phase = s + step, (phase + step) % period


@dataclass(frozen=True)
class _Axes:
    """The plot area in px, and the time and dB ranges it spans."""

    left: int
    right: int
    top: int
    bottom: int
    end: float  # time at the right edge; it starts at 0
    lo: float  # dB at the bottom edge
    hi: float  # dB at the top edge

    def at(self, t: float, v: float) -> tuple[float, float]:
        """Where (time, dB) is drawn."""
        pw, ph = self.right - self.left, self.bottom - self.top
        return self.left + t / self.end * pw, self.bottom - (v - self.lo) / (self.hi - self.lo) * ph


def _fit_legend(
    draw: ImageDraw.ImageDraw, entries: list[tuple[str, Colour | None]], width: int, height: int
) -> tuple[int, list[list[tuple[float, str, Colour | None]]], int, int]:
    """(font size, legend rows, top, bottom of the plot area): smaller text until the chart has room."""
    for size in range(max(7, min(13, height // 9)), 6, -1):
        rows = _legend(draw, entries, width, size)
        top = PAD + len(rows) * (size + 3) + size // 2 + 2  # half a label of room for the top y tick
        bottom = max(height - size - 6, top + 1)
        if bottom - top >= MIN_PLOT:
            break
    return size, rows, top, bottom


def _draw_legend(
    draw: ImageDraw.ImageDraw, rows: list[list[tuple[float, str, Colour | None]]], size: int
) -> None:
    face = font(size)
    for r, row in enumerate(rows):
        y = PAD + r * (size + 3) + (size + 3) / 2
        for x, text, colour in row:
            if colour is not None:
                draw.line([(x, y), (x + SWATCH, y)], fill=colour, width=LINE)
            draw.text(
                (x + (SWATCH + 3 if colour else 0), y), text, fill=colour or INK, font=face, anchor="lm"
            )


def _y_axis(
    draw: ImageDraw.ImageDraw, width: int, top: int, bottom: int, end: float, lo: float, hi: float, size: int
) -> _Axes:
    """Draws the dB gridlines, their labels and both axis lines; the plot area left of the labels."""
    face = font(size)
    yticks = _ticks(lo, hi, _step(hi - lo, min((bottom - top) // (size + 4), MAX_TICKS), 5))
    ylabels = [f"{v:g}" + (" dB" if v == yticks[-1] else "") for v in yticks]
    left = PAD + round(max([draw.textlength(s, font=face) for s in ylabels], default=0)) + 5
    axes = _Axes(left, max(width - PAD - 1, left + 1), top, bottom, end, lo, hi)
    for v, label in zip(yticks, ylabels):
        y = axes.at(0, v)[1]
        draw.line([(left, y), (axes.right, y)], fill=GRID)
        draw.text((left - 4, y), label, fill=INK, font=face, anchor="rm")
    draw.line([(left, top), (left, bottom), (axes.right, bottom)], fill=INK)
    return axes


def _x_axis(draw: ImageDraw.ImageDraw, axes: _Axes, width: int, size: int, unit: str) -> None:
    """Time ticks under the plot area, labelled where their labels fit."""
    face, end = font(size), axes.end
    room = 1.5 * draw.textlength(f"{end:g} {unit}", font=face) + 10  # px per tick: labels well apart
    xticks = _ticks(0, end, _step(end, min(int((axes.right - axes.left) // room), MAX_TICKS), 0))
    edge = width - PAD  # right end of the free space, moving left as labels are placed
    for t in reversed(xticks):  # right to left, so the label with the unit is always shown
        x = axes.at(t, axes.lo)[0]
        label = f"{t:g}" + (f" {unit}" if t == xticks[-1] else "")
        w = draw.textlength(label, font=face)
        x0 = min(max(x - w / 2, axes.left - 2), width - PAD - w)
        draw.line([(x, axes.bottom), (x, axes.bottom + 2)], fill=INK)
        if x0 + w <= edge:
            draw.text((x0, axes.bottom + 3), label, fill=INK, font=face, anchor="la")
            edge = x0 - 6


def _lines(
    image: Image.Image, axes: _Axes, solid: list[Series], held: list[Series], back: list[Series]
) -> None:
    """Each network's history in its colour, hold-out dashed, onto the plot area; `back` grey below."""
    # Drawn on the chart's own area, so nothing strays onto the labels.
    box = (axes.left + 1, axes.top - LINE, axes.right + 1, axes.bottom)
    area = image.crop(box)
    ink = ImageDraw.Draw(area)
    for history in back:  # first, so every coloured line stays on top
        xy = [(x - box[0], y - box[1]) for x, y in (axes.at(t, v) for t, v in history)]
        if xy:
            ink.line(xy if len(xy) > 1 else xy * 2, fill=BACKDROP, width=1)
    lines = [(k, s, True) for k, s in enumerate(held)] + [(k, s, False) for k, s in enumerate(solid)]
    for k, history, dash in lines:  # hold-out first: the training line stays on top where they meet
        colour = COLOURS[k % len(COLOURS)]
        xy = [(x - box[0], y - box[1]) for x, y in (axes.at(t, v) for t, v in history)]
        if len(xy) == 1:
            (x, y), r = xy[0], LINE + 1
            ink.ellipse([x - r, y - r, x + r, y + r], fill=colour)
        elif dash:
            _dashed(ink, xy, colour)
        else:
            ink.line(xy, fill=colour, width=LINE, joint="curve")
    image.paste(area, box[:2])


def chart(
    width: int,
    height: int,
    series: list[Series],
    names: list[str],
    dashed: list[Series] | None = None,
    unit: str = "s",
    *,
    background: list[Series] | None = None,
) -> np.ndarray:
    """Each network's PSNR (dB) over time (`unit` on the axis): a (height, width, 3) uint8 chart.

    `series[k]` is network k's (time, dB) history so far and `names[k]` its legend entry;
    NaN and infinite points are skipped. The time axis runs from 0 to the latest time so far.
    `dashed`, if given, holds each network's hold-out history, drawn dashed in the same colour.
    `background`, if given, holds more histories drawn thin and grey under the rest, with no
    legend entry (a sweep's trials outside its top few); they count toward the axes' ranges.
    """
    image = Image.new("RGB", (width, height), BACKGROUND)
    draw = ImageDraw.Draw(image)
    solid = [_finite(s) for s in series]
    held = [_finite(s) for s in dashed or []]
    back = [_finite(s) for s in background or []]
    points = [p for s in solid + held + back for p in s]
    end = max([0.0] + [t for t, _ in points])
    end = end if end > 0 else 1.0
    values = [v for _, v in points]
    # Rounded out to 5 dB at least 1 dB past the data: the range only grows as the history does.
    lo = 5.0 * math.floor((min(values) - 1) / 5) if values else 10.0
    hi = 5.0 * math.ceil((max(values) + 1) / 5) if values else 30.0

    entries = [(name, COLOURS[k % len(COLOURS)]) for k, name in enumerate(names)]
    entries += [(HOLDOUT_NOTE, None)] if dashed is not None else []
    size, rows, top, bottom = _fit_legend(draw, entries, width, height)
    _draw_legend(draw, rows, size)
    axes = _y_axis(draw, width, top, bottom, end, lo, hi, size)
    _x_axis(draw, axes, width, size, unit)
    _lines(image, axes, solid, held, back)
    return np.asarray(image)
