"""The HTML player: one self-contained page with the frames, a slider over the epochs,
play/pause and speed, the PSNR chart with a cursor at the frame shown, and the settings.

Frames are lossy WebP data URIs (WebP's quality is --quality), so the page is a single
file that works from disk, in an <iframe> or attached to a post, and fetches nothing.
The frames are written one at a time as they are encoded, so a long run's page takes
little memory to write.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from html import escape
from pathlib import Path

import numpy as np

from . import web
from .options import About, Options

MAX_FPS: float | None = None  # the page's own timer keeps any rate a screen can show
DEFAULT_MAX_SIZE: int | None = 10_000_000  # as a GIF's: a page to attach or embed, not to stream
CHART = (640, 220)  # px
SPEEDS = (0.25, 0.5, 1, 2, 4)

STYLE = (
    f"body{{{web.FONT};margin:8px;color:#222;background:#fff}} figure{{margin:0}}"
    "#frame{max-width:100%;height:auto;display:block}"
    ".controls{display:flex;gap:8px;align-items:center;margin:6px 0;flex-wrap:wrap}"
    "#slider{flex:1;min-width:160px} #label{min-width:7em;font-variant-numeric:tabular-nums}"
    "svg{max-width:100%;height:auto} .legend span{margin-right:12px;padding-top:2px}"
    "table{border-collapse:collapse} td{padding:1px 10px 1px 0;vertical-align:top}"
    "td:first-child{color:#666}"
)

SCRIPT = """
const D = JSON.parse(document.getElementById('data').textContent);
const F = JSON.parse(document.getElementById('frames').textContent);
const $ = id => document.getElementById(id);
const img = $('frame'), slider = $('slider'), label = $('label'), play = $('play'),
  speed = $('speed'), cursor = $('cursor');
let shown = 0, timer = null;
function show(k) {
  shown = k; img.src = F[k]; slider.value = k; label.textContent = D.labels[k];
  if (cursor) { cursor.setAttribute('x1', D.at[k]); cursor.setAttribute('x2', D.at[k]); }
}
// the last frame stays `hold` seconds longer before the loop starts again
const wait = () => (shown === F.length - 1 ? D.hold * 1000 : 0) + 1000 / (D.fps * +speed.value);
function tick() { show((shown + 1) % F.length); timer = setTimeout(tick, wait()); }
function playing(on) {
  clearTimeout(timer); timer = on ? setTimeout(tick, wait()) : null;
  play.textContent = on ? 'pause' : 'play'; play.setAttribute('aria-pressed', on);
}
play.addEventListener('click', () => playing(timer === null));
slider.addEventListener('input', () => { playing(false); show(+slider.value); });
speed.addEventListener('change', () => { if (timer !== null) playing(true); });
show(0); playing(F.length > 1);
"""


def write(frames: Sequence[np.ndarray], path: Path, options: Options) -> None:
    about = options.about or _plain(len(frames))
    if len(about.moments) != len(frames):
        raise ValueError(f"{len(frames)} frames, {len(about.moments)} moments")
    h, w = frames[0].shape[:2]
    with open(path, "w", encoding="utf-8") as out:
        out.write(web.head(about.title or "animlearn", STYLE))
        out.write(f'<body><main style="max-width:{max(w, CHART[0])}px">')
        out.write(f'<figure><img id="frame" width="{w}" height="{h}" alt="the network\'s painting">')
        out.write(f"</figure>{_controls(len(frames))}")
        at = _chart(about, out)
        out.write(_settings(about.settings) + "</main>")
        out.write('<script type="application/json" id="frames">[')
        for k, frame in enumerate(frames):
            out.write(("," if k else "") + json.dumps(web.picture_uri(frame, options.quality)))
        out.write("]</script>\n")
        labels = [f"epoch {label}" for label in about.labels] if options.about else list(about.labels)
        out.write(web.data({"labels": labels, "at": at, "fps": options.fps, "hold": options.hold}))
        out.write(f"<script>{SCRIPT}</script></body></html>\n")


def _plain(count: int) -> About:
    """Frames made elsewhere: numbered, nothing to chart."""
    return About(tuple(range(1, count + 1)), tuple(f"frame {k} of {count}" for k in range(1, count + 1)))


def _controls(count: int) -> str:
    options = "".join(f'<option value="{s:g}"{" selected" * (s == 1)}>{s:g}×</option>' for s in SPEEDS)
    return (
        '<div class="controls"><button id="play" type="button">play</button>'
        f'<input id="slider" type="range" min="0" max="{count - 1}" value="0" aria-label="frame">'
        '<span id="label"></span>'
        f'<label>speed <select id="speed">{options}</select></label></div>\n'
    )


def _chart(about: About, out) -> list[float]:
    """Write the chart with its legend, if there are scores; each frame's cursor position."""
    if not about.series:
        return []
    a = web.axes(about.series, *CHART)
    a = web.Axes(a.width, a.height, (0.0, max(a.xs[1], *about.moments)), a.ys)
    colours, n = [], -1
    for s in about.series:  # a network's hidden-pixel line in its trained line's colour
        n += not s.dashed
        colours.append(web.COLOURS[n % len(web.COLOURS)])
    top, bottom = a.margin[2], a.height - a.margin[3]
    cursor = f'<line id="cursor" x1="0" x2="0" y1="{top}" y2="{bottom}" stroke="#000" stroke-width="1"/>'
    out.write(web.chart(about.series, a, colours, extra=cursor))
    out.write(web.legend(about.series, colours) + "\n")
    return [a.x(m) for m in about.moments]


def _settings(settings: tuple[tuple[str, str], ...]) -> str:
    if not settings:
        return ""
    rows = "".join(f"<tr><td>{escape(k)}</td><td>{escape(v)}</td></tr>" for k, v in settings)
    return f"<details><summary>settings</summary><table>{rows}</table></details>\n"
