"""Grid encoding: encode and backward for a batch of random coordinates on the seed's 300 x 429 picture.

    python benchmarks/grid.py [--batch 16384] [--levels 8] [--repeats 50]

Prints the fastest and the median of `repeats` calls, dense and with 2^14-entry
hash tables; the machine may be shared, so the fastest is the steadier figure.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from animlearn.nets import grid


def timed(kernel: Callable[..., None], args: tuple[Any, ...], repeats: int) -> str:
    kernel(*args)  # compile, or load from numba's cache
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        kernel(*args)
        times.append(time.perf_counter() - start)
    return f"{min(times) * 1e3:6.2f} ms fastest, {np.median(times) * 1e3:6.2f} ms median"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=16384)
    parser.add_argument("--levels", type=int, default=8)
    parser.add_argument("--repeats", type=int, default=50)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    coords = rng.random((args.batch, 2), dtype=np.float32)
    for cap in (0, 2**14):
        p = grid.plan(300, 429, args.levels, cap=cap)
        table = grid.init(p, rng)
        out = np.zeros((args.batch, p.dim), np.float32)
        grad_out = rng.standard_normal((args.batch, p.dim)).astype(np.float32)
        grad = np.zeros(p.size, np.float32)
        print(f"cap {cap}: {p.size:,} floats, {p.hashed.sum()} of {p.levels} levels hashed")
        n = args.repeats
        print("  encode  ", timed(grid.encode, (coords, table, *p.arrays, p.features, out), n))
        print("  backward", timed(grid.backward, (coords, grad_out, *p.arrays, p.features, grad), n))


if __name__ == "__main__":
    main()
