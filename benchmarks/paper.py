"""Tancik et al. 2020's image-regression check ("every-other"), with animlearn's own parts:
`python benchmarks/paper.py PHOTO... [--steps 2000] [--seconds S] [--batch N] [--net SPEC]...`

Each photo is taken at --size (512) px on its longer side. The networks train on the pixels
of even row and even column (a quarter of the picture) and are scored on the pixels of odd
row and odd column, which they never saw. Both scores come from painting the whole raster
at its own coordinates (col/(w-1), row/(h-1)) and comparing it with the photo.

The paper's setup (its 2D image notebook): 3 hidden ReLU layers of 256, a sigmoid output,
Adam (b2 0.999) full-batch for 2000 steps, lr 1e-2 without a mapping and 1e-3 with one;
coordinates k/512. Means over 16 DIV2K photos, test PSNR: no mapping 19.3 dB, positional
encoding 24.9 dB, Gaussian Fourier features (sigma 10) 25.6 dB. Differences here: a linear
output clipped when painted, Adam's b2 0.99 and eps 1e-10, the seed's init (Gaussian,
std 0.3/sqrt(fan_in)), PSNR of the painted 8-bit picture; `posenc=8` gives 8 octaves of
0.5 to 64 cycles per picture where the paper used 128 log-spaced frequencies of 0 to 63.

Run it with one experiment at a time; training time is measured, painting is not.
"""

from __future__ import annotations

import argparse
import math
import os
import time
from dataclasses import replace
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402

from animlearn.canvas.metrics import psnr  # noqa: E402
from animlearn.canvas.paint import picture  # noqa: E402
from animlearn.config import spec  # noqa: E402
from animlearn.errors import Diverged  # noqa: E402
from animlearn.io import (
    EVERY_OTHER,  # noqa: E402
    target,  # noqa: E402
)
from animlearn.nets import model  # noqa: E402
from animlearn.train.trainer import Trainer  # noqa: E402

# (row name, spec without its batch, the paper's mean test PSNR in dB)
ROWS = [
    ("no mapping", "3x256:relu:adam:lr=1e-2", 19.3),
    ("positional encoding", "3x256:relu:posenc=8:adam:lr=1e-3", 24.9),
    ("Gaussian RFF, sigma 10", "3x256:relu:fourier=256:sigma=10:adam:lr=1e-3", 25.6),
]


def run(text: str, tgt: target.Target, batch: int, marks: list[int], seconds: float, seed: int) -> list[dict]:
    """Train one network under the every-other protocol, `batch` samples a step (0: all
    the training pixels); its scores after each number of steps in `marks` (or when
    `seconds` of training run out)."""
    split = target.holdout(tgt.width, tgt.height, EVERY_OTHER, np.random.default_rng(0))
    train, test = split.trained, split.tested
    keep = train.ravel()
    net = spec.parse(text)
    net = replace(net, batch=net.batch or batch or int(keep.sum()))
    m = model.build(net, 0.1, "fan-in", tgt.width, tgt.height, np.random.default_rng(seed))
    trainer = Trainer([m], tgt.coords[keep], tgt.colours[keep], seed=seed + 1)
    spent, scores = 0.0, []
    try:
        for mark in marks:
            while m.steps < mark and spent < seconds and np.isfinite(m.net.params).all():
                start = time.perf_counter()
                list(trainer.epoch_parts(1))  # one epoch
                spent += time.perf_counter() - start
            painted = picture(m, tgt.width, tgt.height)
            train_db, test_db = psnr(painted, tgt.pixels, train), psnr(painted, tgt.pixels, test)
            scores.append({"train": train_db, "test": test_db, "steps": m.steps, "seconds": spent})
    except Diverged:
        scores += [{"train": math.nan, "test": math.nan, "steps": m.steps, "seconds": spent}] * (
            len(marks) - len(scores)
        )
    finally:
        trainer.close()
    return scores


def table(rows: list[tuple[str, str, float | None]], results: dict, photos: list[str]) -> list[str]:
    """Markdown: a row per network and budget, test PSNR per photo, the means, the paper's."""
    head = "| network | spec | steps | s/run | " + " | ".join(photos) + " | mean test | mean train | paper |"
    lines = [head, "|---|---|---|---|" + "---|" * (len(photos) + 3)]
    for name, text, paper in rows:
        for k in range(len(results[(text, photos[0])])):
            res = [results[(text, p)][k] for p in photos]
            tests = [r["test"] for r in res]
            cells = " | ".join(f"{t:.2f}" for t in tests)
            train = np.mean([r["train"] for r in res])
            steps, spent = res[0]["steps"], np.mean([r["seconds"] for r in res])
            ref = f"{paper:.1f}" if paper is not None else "—"
            lines.append(
                f"| {name} | `{text}` | {steps} | {spent:.0f} | {cells} | {np.mean(tests):.2f} "
                f"| {train:.2f} | {ref} |"
            )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("photos", type=Path, nargs="+")
    parser.add_argument("--size", type=int, default=512, help="longer side in px (0: as is)")
    parser.add_argument(
        "--steps", default="2000", help="optimizer steps per network; a comma list scores at each"
    )
    parser.add_argument("--seconds", type=float, default=float("inf"), help="training time cap per run")
    parser.add_argument("--batch", type=int, default=0, help="samples per step; 0: every training pixel")
    parser.add_argument("--net", action="append", default=[], help="specs to run instead of the paper's")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    targets = {p.stem: target.load(p, args.size) for p in args.photos}
    rows = [(t, t, None) for t in args.net] or ROWS
    marks = sorted(int(n) for n in args.steps.split(","))
    results = {}
    for name, text, _ in rows:
        for photo, tgt in targets.items():
            results[(text, photo)] = scores = run(text, tgt, args.batch, marks, args.seconds, args.seed)
            for r in scores:
                print(
                    f"{photo} {tgt.width}x{tgt.height}: {name}: train {r['train']:.2f} dB, "
                    f"test {r['test']:.2f} dB, {r['steps']} steps in {r['seconds']:.1f} s",
                    flush=True,
                )
    batch = f"{args.batch} pixels" if args.batch else "all training pixels"
    print(f"\nEvery-other, {batch} a step; test PSNR in dB (odd-odd pixels)\n")
    print("\n".join(table(rows, results, list(targets))))


if __name__ == "__main__":
    main()
