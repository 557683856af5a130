"""One network on one thread and on two, alternated in short bursts:
`python benchmarks/threads.py [--net 300,300,300,300] [--size 300x429] [--bursts 12]`.

The host these machines run on is shared and noisy, so the two ways take turns every
8,192 samples in one process; the median and best burst of each, and their ratio, are
printed. Pause other work while it runs.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from animlearn.io.target import raster
from animlearn.nets import network
from animlearn.train import sgd
from animlearn.train.meet import Stop
from animlearn.train.sgd import PerSample
from animlearn.train.trainer import CHUNK

BURST = 8192


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--net", default="300,300,300,300", help="hidden widths")
    parser.add_argument("--size", default="300x429", help="picture WxH whose pixels train")
    parser.add_argument("--bursts", type=int, default=12)
    args = parser.parse_args()
    sgd.PROBE = 1 << 62  # each stepper keeps to its own thread count
    hidden = tuple(int(w) for w in args.net.split(","))
    width, height = (int(v) for v in args.size.split("x"))
    coords = raster(width, height)
    colours = np.random.default_rng(1).random((len(coords), 3), dtype=np.float32)
    order = np.resize(np.random.default_rng(0).permutation(len(coords)), BURST * args.bursts)
    order = order.astype(np.int64)
    steppers = {}
    for threads in (1, 2):
        net = network.create(hidden, 0.1, "fan-in", np.random.default_rng(0))
        stepper = PerSample(net, threads, Stop())
        stepper.rates = {threads: 1.0, 1: 0.0} if threads > 1 else stepper.rates  # the team only
        stepper.steps(coords, colours, order[:64], net.lrs)  # compiled or loaded
        steppers[threads] = stepper, net
    rates = {1: [], 2: []}
    for k in range(args.bursts):
        burst = order[k * BURST : (k + 1) * BURST]
        for threads, (stepper, net) in steppers.items():
            start = time.perf_counter()
            for at in range(0, BURST, CHUNK):
                stepper.steps(coords, colours, burst[at : at + CHUNK], net.lrs)
            rates[threads].append(BURST / (time.perf_counter() - start))
    for threads, got in rates.items():
        print(f"{threads} thread(s): median {np.median(got):,.0f}, best {max(got):,.0f} samples/s")
    ratio = np.array(rates[2]) / np.array(rates[1])
    print(f"2 threads / 1, burst by burst: median {np.median(ratio):.2f}, best {ratio.max():.2f}")
    print(f"best / best: {max(rates[2]) / max(rates[1]):.2f}")
    for stepper, _ in steppers.values():
        stepper.close()


if __name__ == "__main__":
    main()
