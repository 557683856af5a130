"""The study page's cost: the time its rewrites add to a sweep, and its size.

    python benchmarks/study_page.py PICTURE [--epochs 60] [--size 128] [--net SPEC ...] [--seeds 1]
        [--halving ETA] [--holdout every-other]

Runs one sweep, timing every write of index.html (after each result, and the final one)
against the sweep's wall time; prints the page's size, the images' share of it and the
trials' count. The default line-up is 50 small specs (5 depths x 2 widths x 5 encodings).
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import tempfile
import time
from pathlib import Path

import animlearn
from animlearn.study import page

NETS = ["{1,2,3,4,5}x{16,32}:relu:{raw,fourier=16,fourier=64,posenc=6,grid=4}:adam"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("picture", type=Path)
    parser.add_argument("--epochs", type=int, default=60)
    parser.add_argument("--size", type=int, default=128)
    parser.add_argument("--seeds", type=int, default=1)
    parser.add_argument("--net", action="append")
    parser.add_argument("--halving", type=int)
    parser.add_argument("--holdout", default="0")
    args = parser.parse_args()
    spent = []
    write = page.Report.write

    def timed(self, status):
        start = time.perf_counter()
        try:
            return write(self, status)
        finally:
            spent.append(time.perf_counter() - start)

    page.Report.write = timed
    folder = Path(tempfile.mkdtemp(prefix="animlearn-page-")) / "study"
    try:
        start = time.perf_counter()
        result = animlearn.sweep(
            args.picture,
            folder,
            nets=args.net or NETS,
            seeds=args.seeds,
            epochs=args.epochs,
            size=args.size,
            halving=args.halving,
            holdout=args.holdout,
        )
        wall = time.perf_counter() - start
        html = (folder / page.NAME).read_text()
        images = sum(len(m) for m in re.findall(r"data:image/webp;base64,[A-Za-z0-9+/=]+", html))
        print(
            json.dumps(
                {
                    "trials": result.trials,
                    "sweep s": round(wall, 1),
                    "page writes": len(spent),
                    "page s": round(sum(spent), 2),
                    "share": round(sum(spent) / wall, 4),
                    "slowest write s": round(max(spent), 3),
                    "page bytes": len(html.encode()),
                    "embedded images bytes": images,
                    "race.mp4 bytes": (folder / "race.mp4").stat().st_size,
                },
                indent=1,
            )
        )
    finally:
        shutil.rmtree(folder.parent, ignore_errors=True)


if __name__ == "__main__":
    main()
