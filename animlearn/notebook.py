"""A render's output shown inline in Jupyter: HTML with the file embedded as a data URI.

RenderResult._repr_html_ uses it, so a render in the last line of a notebook
cell shows its animation; nothing here needs IPython.
"""

from __future__ import annotations

import base64
from html import escape
from pathlib import Path

MIMES = {".gif": "image/gif", ".webp": "image/webp", ".png": "image/png", ".mp4": "video/mp4"}
# Base64 makes a file a third larger and the notebook keeps it: past this, say where it is instead.
MAX_BYTES = 25_000_000


def _embed(path: Path, mime: str) -> str:
    uri = f"data:{mime};base64,{base64.b64encode(path.read_bytes()).decode('ascii')}"
    if mime.startswith("video/"):
        return f'<video autoplay loop muted playsinline controls style="max-width:100%" src="{uri}"></video>'
    return f'<img style="max-width:100%" alt="{escape(path.name)}" src="{uri}">'


def html(paths: list[Path]) -> str:
    """HTML showing the first of `paths` that a browser can show and that is small enough
    to embed, after a line for each one before it saying why it is not shown."""
    notes: list[tuple[Path, str]] = []  # (path, why it is not shown)
    for path in map(Path, paths):
        mime = MIMES.get(path.suffix.lower())
        try:
            size = path.stat().st_size
            if mime is None:
                notes.append((path, "not a format shown inline (use .gif, .webp, .png or .mp4)"))
            elif size > MAX_BYTES:
                notes.append((path, f"{size / 1e6:.0f} MB, too big to embed here; open it from disk"))
            else:
                shown = _embed(path, mime)
                break
        except OSError as e:  # missing, unreadable, a folder
            notes.append((path, f"cannot be shown ({e.strerror or e})"))
    else:
        shown = "" if notes else "<p>no output files</p>"
    return "".join(f"<p><code>{escape(str(path))}</code>: {escape(why)}</p>" for path, why in notes) + shown
