"""Inline display in Jupyter: the HTML a notebook shows for a render's outputs."""

import base64
import re
from html import unescape
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

import numpy as np
import pytest
from PIL import Image

from animlearn import notebook
from animlearn.api import RenderResult


def embedded(snippet: str, tag: str) -> tuple[str, bytes]:
    """The mime type and bytes of the data URI in the snippet's `tag` element."""
    match = re.search(rf'<{tag}\b[^>]*\bsrc="data:([^;"]+);base64,([A-Za-z0-9+/=]*)"', snippet)
    assert match, snippet[:200]
    return match[1], base64.b64decode(match[2])


@pytest.mark.parametrize(
    "suffix,mime", [(".gif", "image/gif"), (".webp", "image/webp"), (".png", "image/png")]
)
def test_pictures_round_trip_through_an_img_data_uri(tmp_path, suffix, mime):
    path = tmp_path / f"out{suffix}"
    Image.fromarray(np.arange(48, dtype=np.uint8).reshape(4, 4, 3)).save(path)
    assert embedded(notebook.html([path]), "img") == (mime, path.read_bytes())


def test_mp4_plays_in_a_looping_muted_video_tag(tmp_path):
    path = tmp_path / "out.mp4"
    path.write_bytes(b"\x00\x00\x00\x18ftypmp42 not a real movie")
    snippet = notebook.html([path])
    assert embedded(snippet, "video") == ("video/mp4", path.read_bytes())
    video = re.search(r"<video\b[^>]*>", snippet)[0]
    assert {"autoplay", "loop", "muted", "playsinline", "controls"} <= set(re.findall(r"\b[a-z]+\b", video))
    assert "<img" not in snippet


def test_the_first_output_is_shown(tmp_path):
    first, second = tmp_path / "a.mp4", tmp_path / "b.gif"
    first.write_bytes(b"first")
    second.write_bytes(b"second")
    assert embedded(notebook.html([first, second]), "video")[1] == b"first"


def test_a_missing_file_says_so_instead_of_raising(tmp_path):
    snippet = notebook.html([tmp_path / "gone.gif"])
    assert "gone.gif" in snippet and "No such file" in snippet and "data:" not in snippet
    assert not links(snippet), "no link to nothing"


def links(snippet: str) -> list[str]:
    """The href of every anchor in the snippet, unescaped as a browser reads it."""
    return [unescape(h) for h in re.findall(r'<a\b[^>]*\bhref="([^"]*)"[^>]*>', snippet)]


def huge(path):
    with open(path, "wb") as f:
        f.truncate(notebook.MAX_BYTES + 1)  # sparse: no 25 MB written
    return path


def test_a_file_too_big_to_embed_is_a_link_that_opens_it(tmp_path, monkeypatch):
    """Relative to the kernel's folder (the notebook's), which Jupyter serves; else a file: URI."""
    (tmp_path / "run #1 & more").mkdir()
    path = huge(tmp_path / "run #1 & more" / "my run?.gif")
    monkeypatch.chdir(tmp_path)
    snippet = notebook.html([path])
    assert "too big" in snippet and "data:" not in snippet and "my run?.gif" in snippet
    (href,) = links(snippet)
    url = urlsplit(href)  # as a browser splits it: a bare # or ? would cut the path short
    assert not url.scheme and url2pathname(url.path) == "run #1 & more/my run?.gif", href
    assert (tmp_path / url2pathname(url.path)).stat().st_size == notebook.MAX_BYTES + 1

    monkeypatch.chdir(tmp_path / "run #1 & more")
    outside = huge(tmp_path / "elsewhere #2.gif")
    url = urlsplit(*links(notebook.html([outside])))
    assert url.scheme == "file" and Path(url2pathname(url.path)) == outside.resolve()


def test_a_smaller_output_is_shown_after_a_note_on_a_too_big_one(tmp_path):
    big, small = huge(tmp_path / "big.gif"), tmp_path / "small.mp4"
    small.write_bytes(b"movie")
    snippet = notebook.html([big, small])
    assert snippet.index("big.gif") < snippet.index("<video")
    assert embedded(snippet, "video")[1] == b"movie"


def test_paths_are_escaped(tmp_path):
    snippet = notebook.html([tmp_path / 'a<b>&"c.gif'])
    assert "a&lt;b&gt;&amp;&quot;c.gif" in snippet and "<b>" not in snippet


def test_no_outputs_gives_a_readable_note():
    assert "no output" in notebook.html([])


def test_a_render_result_shows_itself_in_a_notebook(tmp_path):
    path = tmp_path / "out.gif"
    Image.new("RGB", (4, 4)).save(path)
    result = RenderResult([path], frames=1, epochs=1, names=["net"], psnrs=[20.0], seconds=1.0)
    assert embedded(result._repr_html_(), "img") == ("image/gif", path.read_bytes())
