"""What painting and encoding add to a run's wall time.

    python benchmarks/overlap.py IMAGE [--epochs 5] [--preset seed] [render options as key=value]

Times the same training twice: a bare loop of Trainer.epoch_parts(1) (nothing painted),
then animlearn.render() with its painter thread and encoders. Run it on an idle
machine: the painter needs the second core.
"""

from __future__ import annotations

import os

# As the CLI does: painting's matrix products get one BLAS thread, leaving the
# other core to training. It must be set before numpy loads.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse
import ast
import tempfile
import time
from pathlib import Path

import animlearn
from animlearn.config import settings
from animlearn.io import target
from animlearn.nets.model import lineup
from animlearn.train.trainer import Trainer


def train_only(image: Path, s: settings.Settings) -> float:
    """The render's training, alone: same picture, networks, seeds and epochs."""
    tgt = target.load(image, s.size)
    nets, order_seed = lineup(s, tgt.width, tgt.height)
    trainer = Trainer(nets, tgt.coords, tgt.colours, seed=order_seed)
    start = time.perf_counter()
    for _ in range(s.epochs):
        [_] = trainer.epoch_parts(1)
    seconds = time.perf_counter() - start
    trainer.close()
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("image", type=Path)
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--preset", default="seed")
    parser.add_argument("--formats", default="gif,mp4")
    parser.add_argument("extra", nargs="*", help="render options, e.g. shallow=True")
    args = parser.parse_args()
    extra = {k: ast.literal_eval(v) for k, v in (item.split("=", 1) for item in args.extra)}
    s = settings.resolve(args.preset, epochs=args.epochs, **extra)

    alone = train_only(args.image, s)
    with tempfile.TemporaryDirectory() as tmp:
        outputs = [Path(tmp) / f"out.{suffix}" for suffix in args.formats.split(",")]
        start = time.perf_counter()
        result = animlearn.render(args.image, outputs, preset=args.preset, epochs=args.epochs, **extra)
        total = time.perf_counter() - start
    painted = result.seconds
    print(f"training alone       {alone:7.1f} s ({args.epochs} epochs)")
    print(f"training + painting  {painted:7.1f} s ({result.frames} frames): +{painted / alone - 1:.1%}")
    print(f"whole run, encoded   {total:7.1f} s ({args.formats}): +{total / alone - 1:.1%}")


if __name__ == "__main__":
    main()
