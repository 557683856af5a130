"""A render in Jupyter: a live view while it trains, and its output shown inline after.

While it trains, a progress line and the latest frame are updated in place
through the kernel's display messages (IPython, imported only inside a kernel).
After, RenderResult._repr_html_ shows the animation as HTML with the file
embedded as a data URI, so a render in the last line of a cell shows it; a file
too big to embed is a link that opens it.
"""

from __future__ import annotations

import base64
import io
import math
import sys
import time
from collections.abc import Callable
from html import escape
from pathlib import Path
from typing import Any
from urllib.parse import quote

import numpy as np
from PIL import Image

from .run import EpochReport

MIMES = {".gif": "image/gif", ".webp": "image/webp", ".png": "image/png", ".mp4": "video/mp4"}
# Base64 makes a file a third larger and the notebook keeps it: past this, say where it is instead.
MAX_BYTES = 25_000_000
UPDATE_SECONDS = 0.3  # between updates of the live view: a few a second at most
PREVIEW_SIDE = 480  # px: the live view's frame is scaled down to at most this on its longer side


def _embed(path: Path, mime: str) -> str:
    uri = f"data:{mime};base64,{base64.b64encode(path.read_bytes()).decode('ascii')}"
    if mime.startswith("video/"):
        return f'<video autoplay loop muted playsinline controls style="max-width:100%" src="{uri}"></video>'
    return f'<img style="max-width:100%" alt="{escape(path.name)}" src="{uri}">'


def link(path: Path) -> str:
    """An anchor that opens `path`. Relative to the kernel's folder when the file is under
    it: Jupyter resolves such a link against the notebook's folder, where a kernel starts,
    and serves the file. Elsewhere a file: URI, which a local browser opens."""
    absolute = path.resolve()
    try:
        href = quote(absolute.relative_to(Path.cwd().resolve()).as_posix())
    except ValueError:
        href = absolute.as_uri()
    return f'<a href="{escape(href)}" target="_blank"><code>{escape(str(path))}</code></a>'


def html(paths: list[Path]) -> str:
    """HTML showing the first of `paths` that a browser can show and that is small enough
    to embed, after a line for each one before it saying why it is not shown (with a
    link to it, if it is there)."""
    notes: list[tuple[str, str]] = []  # (the path as HTML, why it is not shown)
    for path in map(Path, paths):
        mime = MIMES.get(path.suffix.lower())
        try:
            size = path.stat().st_size
            if mime is None:
                notes.append((link(path), "not a format shown inline (use .gif, .webp, .png or .mp4)"))
            elif size > MAX_BYTES:
                notes.append((link(path), f"{size / 1e6:.0f} MB, too big to embed here; the link opens it"))
            else:
                shown = _embed(path, mime)
                break
        except OSError as e:  # missing, unreadable, a folder
            notes.append((f"<code>{escape(str(path))}</code>", f"cannot be shown ({e.strerror or e})"))
    else:
        shown = "" if notes else "<p>no output files</p>"
    return "".join(f"<p>{name}: {escape(why)}</p>" for name, why in notes) + shown


class LiveView:
    """A progress line (epoch/total, PSNRs, time left) and the latest frame, each one
    output of the running cell, updated in place. `display` is IPython's.

    `frame()` is called on the painter's thread and only keeps the frame; the
    updates are sent from the thread that runs the cell, after an epoch, at most
    every UPDATE_SECONDS, and by `show()`, which the render calls once more when
    training ends."""

    def __init__(self, display: Callable[..., Any]):
        self.display = display
        self.handles: dict[str, Any] = {}  # 'line' and 'frame': made by their first display
        self.latest: np.ndarray | None = None  # the newest frame; replaced whole, never changed
        self.shown: np.ndarray | None = None
        self.line = ""
        self.shown_at = -math.inf

    def frame(self, frame: np.ndarray) -> None:
        self.latest = frame

    def epoch(self, report: EpochReport) -> None:
        self.line = progress_line(report)
        if time.monotonic() - self.shown_at >= UPDATE_SECONDS:
            self.show()

    def show(self) -> None:
        """Show the latest line and frame now (nothing before the first epoch's report)."""
        if not self.line:
            return
        self.shown_at = time.monotonic()
        self._show("line", {"text/plain": self.line})
        latest = self.latest
        if latest is not None and latest is not self.shown:
            self._show("frame", {"image/png": _png(latest), "text/plain": "the latest frame"})
            self.shown = latest

    def _show(self, name: str, bundle: dict[str, str]) -> None:
        if name in self.handles:
            self.handles[name].update(bundle, raw=True)
        else:
            self.handles[name] = self.display(bundle, raw=True, display_id=True)


def live_view() -> LiveView | None:
    """A LiveView when this runs inside an IPython kernel (Jupyter), else None."""
    if "ipykernel" not in sys.modules:  # not a kernel: IPython is not even imported
        return None
    from IPython import get_ipython
    from IPython.display import display

    shell = get_ipython()
    return LiveView(display) if getattr(shell, "kernel", None) is not None else None


def progress_line(r: EpochReport) -> str:
    psnrs = " ".join("-" if math.isnan(p) else f"{p:.1f}" for p in r.psnrs)
    left = round(r.seconds / r.epoch * (r.epochs - r.epoch))  # a resumed run's seconds and epochs count all
    hours, minutes, seconds = left // 3600, left // 60 % 60, left % 60
    clock = f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"
    return f"epoch {r.epoch}/{r.epochs}  PSNR {psnrs} dB  {clock} left"


def _png(frame: np.ndarray) -> str:
    """The frame as a base64 PNG, scaled down to at most PREVIEW_SIDE px on its longer side."""
    picture = Image.fromarray(frame)
    picture.thumbnail((PREVIEW_SIDE, PREVIEW_SIDE))
    out = io.BytesIO()
    picture.save(out, format="PNG")
    return base64.b64encode(out.getvalue()).decode("ascii")
