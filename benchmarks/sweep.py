"""Sweep figures: throughput of 2 workers against 1, a LocalCluster against the local pool,
halving against a full sweep, and a study on the seed picture with its memory and bytes.

    python benchmarks/sweep.py throughput|cluster|halving|study [--picture PATH]

Ratios compare runs made one after another in this process, on this machine.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import tempfile
import time
from pathlib import Path

import animlearn
from animlearn.study import results

ROOT = Path(__file__).resolve().parent.parent
MONA = ROOT.parent / "shared" / "data" / "mona_lisa.jpg"


def timed(folder: Path, **options) -> tuple[float, animlearn.study.sweep.SweepResult]:
    """Wall time of a sweep into a fresh `folder`."""
    shutil.rmtree(folder, ignore_errors=True)
    start = time.perf_counter()
    result = animlearn.sweep(**options, out_dir=folder)
    return time.perf_counter() - start, result


def throughput(picture: Path, scratch: Path) -> dict:
    """4 equal single-threaded trials (one spec, 4 seeds): 2 workers against 1."""
    options = dict(images=picture, nets=["4x300"], seeds=4, epochs=6, size=96)
    timed(scratch / "warm", **options, workers=2)  # compile every worker slot's Numba cache first
    one, _ = timed(scratch / "one", **options, workers=1)
    two, _ = timed(scratch / "two", **options, workers=2)
    return {"1 worker s": round(one, 1), "2 workers s": round(two, 1), "ratio": round(two / one, 3)}


def cluster(picture: Path, scratch: Path) -> dict:
    """The same sweep on a 2-worker LocalCluster and on the local pool."""
    from distributed import LocalCluster

    options = dict(images=picture, nets=["{2,3}x{64,128}:relu:fourier=64:adam", "4x300"], epochs=6, size=96)
    timed(scratch / "warm", **options, workers=2)
    local, a = timed(scratch / "local", **options, workers=2)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as c:
        timed(scratch / "warm2", **options, scheduler=c.scheduler_address)  # workers import and compile
        dask, b = timed(scratch / "dask", **options, scheduler=c.scheduler_address)
    same = [r.psnr for r in a.rows] == [r.psnr for r in b.rows]
    return {
        "pool s": round(local, 1),
        "cluster s": round(dask, 1),
        "overhead": round(dask / local - 1, 3),
        "equal": same,
    }


def halving(picture: Path, scratch: Path) -> dict:
    """27 trials with --halving 3 (and a grace of 9 epochs) against all 27 trained to the end:
    trial-epochs and winners."""
    nets = ["{2,3,4}x{32,64,128}:relu:{fourier=64,posenc,raw}:adam"]
    options = dict(images=picture, nets=nets, epochs=27, size=64)
    out = {}
    for name, extra in [("full", {}), ("halving", dict(halving=3)), ("grace 9", dict(halving=3, grace=9))]:
        seconds, result = timed(scratch / name, **options, **extra)
        rows = results.read(scratch / name)
        # each trial's furthest epoch is the epochs it trained
        epochs = sum(max(r.epochs for r in rows if r.trial == t) for t in {r.trial for r in rows})
        out[name] = {"trial-epochs": epochs, "s": round(seconds, 1), "winner": result.rows[0].label}
    return out


def study(picture: Path, scratch: Path) -> dict:
    """A real study: depth x width x encoding, 2 seeds, on the seed picture; memory and bytes."""
    nets = ["{2,4}x{64,256}:relu:{fourier,posenc,raw}:adam"]
    options = dict(seeds=2, epochs=30, size=150, holdout="every-other", halving=2)
    seconds, result = timed(scratch / "study", images=picture, nets=nets, **options)
    folder = scratch / "study"
    ckpts = [p.stat().st_size for p in folder.glob("trials/*/trial.ckpt")]
    paints = [p.stat().st_size for p in folder.glob("trials/*/paintings.npy")]
    return {
        "trials": result.trials, "wall s": round(seconds, 1), "winner": result.rows[0].label,
        "driver peak RSS MB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
        "worker peak RSS MB": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024,
        "picture bytes per job": picture.stat().st_size,
        "checkpoint kB (max)": max(ckpts) // 1024, "paintings kB (max)": max(paints) // 1024,
        "folder": str(folder),
    }  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("figure", choices=["throughput", "cluster", "halving", "study"])
    parser.add_argument("--picture", type=Path, default=MONA)
    parser.add_argument("--keep", type=Path, help="run in this folder and keep it")
    args = parser.parse_args()
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    scratch = args.keep or Path(tempfile.mkdtemp(prefix="animlearn-bench-"))
    scratch.mkdir(parents=True, exist_ok=True)
    figure = globals()[args.figure](args.picture, scratch)
    print(json.dumps(figure, indent=1))


if __name__ == "__main__":
    main()
