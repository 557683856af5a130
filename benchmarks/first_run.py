"""A first try on ordinary photos: `python benchmarks/first_run.py PHOTO... [-- RENDER OPTIONS]`.

Runs `animlearn render PHOTO -o out.gif` as a user would (its own process, the
defaults, plus any options after `--`), one photo after another, and prints a
Markdown table: how far the last frame's painting is above a flat picture of the
photo's mean colour (both PSNRs at the training size), the same for the first
frame (a run should show a network learning, not a finished picture at once),
the wall time and the number of frames. Run it on an idle machine.
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from animlearn.canvas.metrics import psnr
from animlearn.config.settings import PRESETS
from animlearn.io import target


def training_size(extra: list[str]) -> int:
    """The --size the render will train at, from the options passed through."""
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--size", type=int)
    parser.add_argument("--preset", default="quick")
    known, _ = parser.parse_known_args(extra)
    return known.size if known.size is not None else PRESETS[known.preset].size


def mean_colour_psnr(photo: Path, size: int) -> float:
    """PSNR of a flat picture of the photo's mean colour, at the training size."""
    pixels = target.load(photo, size).pixels
    flat = np.broadcast_to(np.round(pixels.reshape(-1, 3).mean(axis=0)), pixels.shape)
    return psnr(flat.astype(np.uint8), pixels)


def render(photo: Path, extra: list[str], folder: Path, logs: Path) -> tuple[list[float], float]:
    """Each frame's PSNR (the first network's) and the wall time of one render."""
    logs.mkdir(parents=True, exist_ok=True)
    log = logs / f"{photo.stem}.csv"
    command = [sys.executable, "-m", "animlearn", "render", str(photo), "-o", str(folder / "out.gif")]
    start = time.perf_counter()
    done = subprocess.run([*command, "--log", str(log), *extra], capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"{photo}: animlearn exited with {done.returncode}:\n{done.stderr[-2000:]}")
    with log.open(newline="") as f:
        rows = list(csv.DictReader(f))
    first = rows[0]["network"]
    return [float(r["psnr"]) for r in rows if r["network"] == first], seconds


def cpu() -> str:
    """The CPU's model name, as lscpu gives it."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def load() -> str:
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> None:
    raw = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=raw)
    parser.add_argument("photos", type=Path, nargs="+", help="pictures to try")
    parser.add_argument("--logs", type=Path, help="keep each run's --log CSV in this folder")
    argv = sys.argv[1:]
    split = argv.index("--") if "--" in argv else len(argv)
    args, extra = parser.parse_args(argv[:split]), argv[split + 1 :]
    size = training_size(extra)
    print(f"`animlearn render PHOTO -o out.gif {' '.join(extra)}`".replace(" `", "`"), end="; ")
    print(f"{cpu()}, {os.cpu_count()} cores; load average before: {load()}\n")
    print("| photo | dB above mean colour | first frame | seconds | frames |")
    print("|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for photo in args.photos:
            scores, seconds = render(photo, extra, Path(tmp), args.logs or Path(tmp))
            flat = mean_colour_psnr(photo, size)
            cells = f"{scores[-1] - flat:+.1f} | {scores[0] - flat:+.1f} | {seconds:.0f} | {len(scores)}"
            print(f"| {photo.name} | {cells} |", flush=True)
    print(f"\nload average after: {load()}")


if __name__ == "__main__":
    main()
