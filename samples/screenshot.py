"""samples/study.png: a picture of a study's index.html, taken in headless chromium.

    python samples/screenshot.py STUDY/index.html samples/study.png [--width 1200]

Shoots the page at that width from its top to the comparison under the last paintings
(the leaderboard with the best spec's row pinned, its curves lit among the others, the
thumbnails, the best trial beside the target), and keeps the PNG small with a 256-colour
palette. Where chromium is missing it says so in one line, with how to install it, and
exits 0, so `make demo` goes on.
"""

from __future__ import annotations

import argparse
import base64
import io
import sys
from pathlib import Path

from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from browser import chromium, missing, open_page  # noqa: E402  (tests/ holds the shared chromium)

WIDTH = 1200  # px, CSS pixels at a device scale of 1
UNTIL = "#pair"  # the shot ends under the two paintings compared side by side
COLOURS = 256


def shoot(page: Path, out: Path, width: int = WIDTH) -> Path:
    """Write `out`, a PNG of `page` `width` px wide, down to the comparison of the best trial
    with the target."""
    with chromium(width) as driver:
        driver.execute_cdp_cmd(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": 900, "deviceScaleFactor": 1, "mobile": False},
        )
        open_page(driver, page)
        # A reader's click on the best spec's row, which pins its curves in red.
        driver.execute_script("document.querySelector('#board tbody tr')?.click();")
        bottom = driver.execute_script(
            "const r = document.querySelector(arguments[0]).getBoundingClientRect();"
            "return Math.ceil(r.bottom + scrollY) + 8;",
            UNTIL,
        )
        clip = {"x": 0, "y": 0, "width": width, "height": bottom, "scale": 1}
        shot = driver.execute_cdp_cmd("Page.captureScreenshot", {"clip": clip, "captureBeyondViewport": True})
    image = Image.open(io.BytesIO(base64.b64decode(shot["data"]))).convert("RGB")
    image.quantize(COLOURS).save(out, optimize=True)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("page", type=Path, help="a study's index.html")
    parser.add_argument("out", type=Path, help="the PNG to write")
    parser.add_argument("--width", type=int, default=WIDTH)
    args = parser.parse_args(argv)
    if not args.page.is_file():
        parser.error(f"{args.page}: no such page; run a sweep first (make demo does)")
    reason = missing()
    if reason is not None:
        print(f"skipped the screenshot {args.out}: {reason}")
        return 0
    shoot(args.page, args.out, args.width)
    print(f"wrote {args.out} ({args.out.stat().st_size / 1000:.0f} kB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
