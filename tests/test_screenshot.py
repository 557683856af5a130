"""samples/screenshot.py, which `make demo` runs: a small PNG of a real study page at the
width asked for, or, without chromium, one line saying how to install it; and the README
shows that screenshot and links the page it was taken of."""

import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import browser
import pytest
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "samples" / "screenshot.py"
PAGE = ROOT / "samples" / "study" / "index.html"  # make demo's study page, committed


def test_the_screenshot_is_a_small_png_of_the_page_at_its_width(tmp_path):
    reason = browser.missing()
    if reason is not None:
        pytest.skip(reason)
    out = tmp_path / "study.png"
    done = subprocess.run(
        [sys.executable, SCRIPT, PAGE, out, "--width", "1000"], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    with Image.open(out) as shot:
        width, height = shot.size
        colours = len(shot.convert("RGB").getcolors(1 << 16) or [])
    assert width == 1000
    assert height > 900  # the leaderboard, the curves, the thumbnails and the pair compared
    assert colours > 64  # the paintings are in it, not a blank or an error page
    assert out.stat().st_size < 300_000


def test_without_chromium_it_says_how_to_install_it_and_succeeds(tmp_path, monkeypatch, capsys):
    spec = importlib.util.spec_from_file_location("screenshot", SCRIPT)
    screenshot = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(screenshot)
    monkeypatch.setattr(browser, "CHROMIUM", tmp_path / "no-chromium")
    out = tmp_path / "study.png"
    assert screenshot.main([str(PAGE), str(out)]) == 0
    said = capsys.readouterr().out.splitlines()
    assert len(said) == 1 and "skipped" in said[0] and "apt-get install chromium chromium-driver" in said[0]
    assert not out.exists()


def test_the_readme_shows_the_screenshot_and_links_its_page():
    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index("### The study's page") :]
    linked = set(re.findall(r"\]\((samples/[^)#]+)\)", section))
    assert {"samples/study.png", "samples/study/index.html"} <= linked
    assert all((ROOT / path).is_file() for path in linked)
