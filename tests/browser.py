"""A real browser for the pages' tests: Debian's headless chromium driven by selenium.

`browser` is a pytest fixture (import it into a test module); where chromium or its
driver is missing, the tests that use it skip, saying how to install them.
`chromium()` starts one outside pytest too (samples/screenshot.py uses it), once
`missing()` has found nothing missing. `open_page()` loads a page from disk;
`console_errors()` and `fetched()` say what went wrong in it and what it asked for
beyond the page's own folder.
"""

from __future__ import annotations

import importlib.util
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

CHROMIUM, DRIVER = Path("/usr/bin/chromium"), Path("/usr/bin/chromedriver")
INSTALL = "apt-get install chromium chromium-driver (as root), then pip install -e '.[dev]'"
# Quiet and offline: no first-run dialogs, updates, sync or background fetches of its own,
# so any request the tests see is the page's.
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# URLs a page may load: itself, files beside it, inline data; anything else went to the network.
LOCAL = ("file:", "data:", "blob:")


def missing() -> str | None:
    """Why chromium cannot be driven here, with how to install it; None if it can."""
    if not (CHROMIUM.exists() and DRIVER.exists()):
        return f"no {CHROMIUM} or {DRIVER}: {INSTALL}"
    if importlib.util.find_spec("selenium") is None:
        return f"selenium is not installed: {INSTALL}"
    return None


@contextmanager
def chromium(width: int = 1280, height: int = 900) -> Iterator:
    """A headless chromium of that window size, with its own throwaway profile."""
    from selenium import webdriver

    profile = tempfile.mkdtemp(prefix="animlearn-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in [*FLAGS, f"--window-size={width},{height}", f"--user-data-dir={profile}"]:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=webdriver.ChromeService(str(DRIVER)))
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture(scope="module")
def browser():
    reason = missing()
    if reason is not None:
        pytest.skip(reason)
    with chromium() as driver:
        yield driver


def open_page(driver, path: Path) -> None:
    """Load `path` and wait until its scripts have run and its images have loaded."""
    driver.get(Path(path).resolve().as_uri())
    driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "if (document.readyState === 'complete') done(); else addEventListener('load', () => done());"
    )


def console_errors(driver) -> list[str]:
    """The console's errors since the last call: script errors, failed loads, refused requests."""
    return [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"]


def fetched(driver) -> list[str]:
    """Every URL the page has loaded that is not a local file, inline data or a blob."""
    names = driver.execute_script(
        "return [location.href, ...performance.getEntriesByType('resource').map(e => e.name)];"
    )
    return [n for n in names if not n.startswith(LOCAL)]


def images_loaded(driver) -> list[str]:
    """The sources of the page's <img> elements that did not load (none, if all did); an
    <img> with no source yet (filled in by the page's script later) is not counted."""
    return driver.execute_script(
        "return [...document.images].filter(i => i.getAttribute('src') && (!i.complete || !i.naturalWidth))"
        ".map(i => i.src.startsWith('data:') ? i.src.slice(0, 60) + '...' : i.src);"
    )
