"""PSNR after 10, 30 and 60 s of training on the seed picture (full size), for each
preset's network and each input encoding: `python benchmarks/lab.py [IMAGE] [--seconds S]`.

Training time only: the clock stops while the picture is painted to be scored.
Run it on an idle machine; the networks train one after another.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # as the CLI: two threads of our own per net

import numpy as np  # noqa: E402

from animlearn.canvas.metrics import psnr  # noqa: E402
from animlearn.canvas.paint import picture  # noqa: E402
from animlearn.config import (
    settings,  # noqa: E402
    spec,  # noqa: E402
)
from animlearn.io import target  # noqa: E402
from animlearn.nets import model  # noqa: E402
from animlearn.train.trainer import Trainer  # noqa: E402

MONA = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "mona_lisa.jpg"
ROWS = [
    ("seed (raw, per-sample SGD)", "4x300"),
    ("raw, Adam", "4x300:relu:adam:halflife=10"),
    ("positional encoding", "3x256:relu:posenc=8:adam:halflife=10"),
    ("Fourier features", "3x256:relu:fourier=256:sigma=10:adam:halflife=10"),
    ("SIREN", "4x256:sine:adam:halflife=10"),
    ("sharp (hashed grid)", settings.PRESETS["sharp"].nets[0]),
    ("instant (dense grid)", settings.PRESETS["instant"].nets[0]),
]


def run(text: str, tgt: target.Target, marks: list[float]) -> tuple[int, int, list[float]]:
    m = model.build(spec.parse(text), 0.1, "fan-in", tgt.width, tgt.height, np.random.default_rng(0))
    trainer = Trainer([m], tgt.coords, tgt.colours, seed=1)
    trained, scores, epochs = 0.0, [], 0
    try:
        for mark in marks:
            while trained < mark:
                start = time.perf_counter()
                [_] = trainer.epoch_parts(1)
                trained += time.perf_counter() - start
                epochs += 1
            scores.append(psnr(picture(m, tgt.width, tgt.height), tgt.pixels))
    finally:
        trainer.close()
    return m.learnable, epochs, scores


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("image", type=Path, nargs="?", default=MONA)
    parser.add_argument("--seconds", type=float, default=60.0)
    args = parser.parse_args()
    tgt = target.load(args.image, 0)
    marks = [args.seconds / 6, args.seconds / 2, args.seconds]
    print(f"{args.image.name} {tgt.width}x{tgt.height}; PSNR after " + ", ".join(f"{m:g} s" for m in marks))
    print("| network | spec | parameters | epochs | " + " | ".join(f"{m:g} s" for m in marks) + " |")
    print("|---|---|---|---|" + "---|" * len(marks))
    for name, text in ROWS:
        count, epochs, scores = run(text, tgt, marks)
        cells = " | ".join(f"{s:.1f} dB" for s in scores)
        print(f"| {name} | `{text}` | {count:,} | {epochs} | {cells} |", flush=True)


if __name__ == "__main__":
    main()
