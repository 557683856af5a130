"""Early stopping's regret and cost, on learning curves recorded once and replayed.

    python benchmarks/regret.py record [--size 64] [--epochs 30] [--seeds 2] [--store DIR]
    python benchmarks/regret.py replay [--store DIR]
    python benchmarks/regret.py verify [--store DIR]

`record` runs a full sweep (every trial to the end) per picture and line-up and keeps each
trial's PSNR after every epoch in DIR/curves.json. The scheduler is a pure decision
function over scores, so `replay` drives it on those curves with each setting, at no
training cost. `verify` runs one real sweep with halving and checks that it keeps the
spec the replay says it keeps.

- regret: the full sweep's best spec's PSNR (mean over seeds at the last epoch) minus
  that of the spec early stopping ranked first, both from the full sweep;
- cost: trial-epochs spent over those of the full sweep.

Pictures: samples/chelsea.jpg, samples/astronaut.jpg, a synthesized zone plate on a
colour ramp (fine rings: a Fourier-feature picture), and ../shared/data/mona_lisa.jpg when
it is there (read in place, never copied). Line-ups whose curves cross: lr variants,
Fourier σ variants, per-sample SGD against Adam.
"""

from __future__ import annotations

import argparse
import heapq
import json
import math
import statistics
import tempfile
from pathlib import Path

import numpy as np
from PIL import Image

import animlearn
from animlearn.io import checkpoint
from animlearn.study import results
from animlearn.study.halving import Halving, Step

ROOT = Path(__file__).resolve().parent.parent
MONA = ROOT.parent / "shared" / "data" / "mona_lisa.jpg"
LINEUPS = {
    "lr": ["3x128:relu:posenc:adam:lr={1e-4,3e-4,1e-3,3e-3,1e-2,3e-2}"],
    "sigma": ["2x128:relu:fourier=128:sigma={1,3,6,10,20,30}:adam"],
    "sgd-adam": ["{4,6}x100", "2x64:relu:{fourier=64,posenc}:adam", "{2x256,4x64}:relu:adam"],
}


def zone_plate(path: Path, side: int = 256) -> Path:
    """Rings that get finer outwards over a colour ramp: hard for raw coordinates."""
    y, x = np.mgrid[0:side, 0:side] / side - 0.5
    rings = 0.5 + 0.5 * np.cos(2 * np.pi * 40 * (x * x + y * y))
    rgb = np.stack([rings * (0.3 + x + 0.5), rings * 0.8 + 0.2 * (y + 0.5), 1 - rings * (y + 0.5)], -1)
    Image.fromarray((np.clip(rgb, 0, 1) * 255).astype(np.uint8)).save(path)
    return path


def pictures(store: Path) -> dict[str, Path]:
    found = {"chelsea": ROOT / "samples" / "chelsea.jpg", "astronaut": ROOT / "samples" / "astronaut.jpg"}
    found["rings"] = zone_plate(store / "rings.png")
    if MONA.is_file():
        found["mona"] = MONA
    return found


def curves_of(folder: Path) -> dict[str, dict]:
    """Each trial's spec, seed and PSNR after every epoch, from a full sweep's folder."""
    out = {}
    for r in results.read(folder):
        meta = checkpoint.read(folder / "trials" / r.trial / "trial.ckpt").meta
        history = meta["scores"]["history"][0]
        out[r.trial] = {"spec": r.spec, "seed": r.seed, "psnr": [v for _, v in history]}
    return out


def record(store: Path, size: int, epochs: int, seeds: int) -> None:
    path = store / "curves.json"
    done = json.loads(path.read_text()) if path.is_file() else {}
    for name, picture in pictures(store).items():
        for lineup, nets in LINEUPS.items():
            key = f"{name}/{lineup}"
            if key in done:
                continue
            with tempfile.TemporaryDirectory() as scratch:
                folder = Path(scratch) / "full"
                animlearn.sweep(picture, folder, nets=nets, seeds=seeds, epochs=epochs, size=size, top=1)
                done[key] = curves_of(folder)
            path.write_text(json.dumps(done))
            print(f"recorded {key}: {len(done[key])} trials", flush=True)


def spec_means(trials: dict[str, dict], epoch: int) -> dict[str, float]:
    """Each spec's mean PSNR over its seeds at `epoch`; -inf if a seed diverged by then."""
    by: dict[str, list[float]] = {}
    for t in trials.values():
        value = t["psnr"][epoch - 1] if epoch <= len(t["psnr"]) else math.nan
        by.setdefault(t["spec"], []).append(-math.inf if math.isnan(value) else value)
    return {s: statistics.fmean(v) for s, v in by.items()}


def replay(trials: dict[str, dict], epochs: int, workers: int, **setting) -> tuple[str, int]:
    """Drive the scheduler on recorded curves with `workers` simulated workers, a job
    lasting as many time units as it trains epochs: the spec ranked first and the
    trial-epochs spent (guesses that halving then dropped included)."""
    repeats: dict[str, list[str]] = {}
    for trial, t in trials.items():
        repeats.setdefault(t["spec"], []).append(trial)
    halving = Halving(repeats, epochs, **setting)

    def score(trial: str, epoch: int) -> float | None:
        value = trials[trial]["psnr"][epoch - 1] if epoch <= len(trials[trial]["psnr"]) else math.nan
        return None if math.isnan(value) else value

    running: list[tuple[int, int, Step]] = []  # (end time, sequence, job)
    spent, now, reports = 0, 0, []
    while True:
        while len(running) < workers and (step := halving.next_job()) is not None:
            heapq.heappush(running, (now + step.stop - step.start, len(reports) + len(running), step))
            spent += step.stop - step.start
        if not running:
            break
        now, _, step = heapq.heappop(running)
        reports.append((step.trial, step.stop, score(step.trial, step.stop)))
        halving.report(*reports[-1])
    rows = [
        results.Row(t, trials[t]["spec"], trials[t]["seed"], t, 0, e, e, halving.stopped_at(t), v, None, 0.0,
                    "ok" if v is not None else "diverged")
        for t, e, v in reports
    ]  # fmt: skip
    return results.summarise(rows)[0].spec, spent


SETTINGS = {
    "halving 3 (grace 1)": dict(eta=3),
    "halving 3, grace E/3": dict(eta=3, grace="E/3"),
    "halving 2": dict(eta=2),
    "halving 4": dict(eta=4),
}


def evaluate(curves: dict[str, dict], workers: int) -> dict[str, list[dict]]:
    """Regret and cost of every setting on every recorded sweep."""
    out: dict[str, list[dict]] = {}
    for name, setting in SETTINGS.items():
        for key, trials in curves.items():
            epochs = min(len(t["psnr"]) for t in trials.values())
            options = dict(setting)
            if options.get("grace") == "E/3":
                options["grace"] = epochs // 3
            winner, spent = replay(trials, epochs, workers, **options)
            final = spec_means(trials, epochs)
            best = max(final.values())
            cost = spent / (len(trials) * epochs)
            out.setdefault(name, []).append(
                dict(sweep=key, regret=best - final[winner], cost=cost, winner=winner)
            )
    return out


def report(evaluated: dict[str, list[dict]]) -> list[str]:
    """Markdown: per setting, mean and worst regret, mean and worst cost, sweeps missed."""
    lines = [
        "| setting | mean regret dB | worst regret dB | mean cost | worst cost | winner found |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name, runs in evaluated.items():
        regret = [r["regret"] for r in runs]
        cost = [r["cost"] for r in runs]
        found = sum(r <= 1e-9 for r in regret)
        lines.append(
            f"| {name} | {statistics.fmean(regret):.2f} | {max(regret):.2f} | {statistics.fmean(cost):.2f} "
            f"| {max(cost):.2f} | {found} of {len(runs)} |"
        )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=("record", "replay", "verify"))
    parser.add_argument("--store", type=Path, default=Path(tempfile.gettempdir()) / "animlearn-regret")
    parser.add_argument("--size", type=int, default=64)
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--seeds", type=int, default=2)
    args = parser.parse_args()
    args.store.mkdir(parents=True, exist_ok=True)
    if args.what == "record":
        record(args.store, args.size, args.epochs, args.seeds)
    elif args.what == "replay":
        curves = json.loads((args.store / "curves.json").read_text())
        for workers in (1, 2):
            evaluated = evaluate(curves, workers)
            print(f"\n{len(curves)} sweeps replayed, {workers} worker(s)\n")
            print("\n".join(report(evaluated)))
        for name, runs in evaluated.items():
            print(
                f"\n{name}: " + ", ".join(f"{r['sweep']} {r['regret']:.2f} dB {r['cost']:.2f}" for r in runs)
            )


if __name__ == "__main__":
    main()
