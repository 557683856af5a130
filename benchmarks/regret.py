"""Early stopping's regret and cost, on learning curves recorded once and replayed.

    python benchmarks/regret.py record [--size 64] [--epochs 40] [--seeds 2] [--store DIR] [--pictures P ...]
    python benchmarks/regret.py replay [--store DIR] [--held-out DIR ...]
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
it is there (read in place, never copied); with --pictures, those instead (a held-out set,
in a store of its own: replay then reports each store, then all together). Line-ups whose
curves cross: lr variants, Fourier σ variants, per-sample SGD against Adam.
"""

from __future__ import annotations

import argparse
import heapq
import json
import math
import os
import statistics
import tempfile
import time
from pathlib import Path

# one core per process, as a sweep worker runs; set before numpy loads
for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
    os.environ.setdefault(name, "1")

import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402

import animlearn  # noqa: E402
from animlearn.config import settings  # noqa: E402
from animlearn.errors import Diverged  # noqa: E402
from animlearn.io import target  # noqa: E402
from animlearn.run import Run  # noqa: E402
from animlearn.study import expand, results  # noqa: E402
from animlearn.study.halving import Halving, Step  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
MONA = ROOT.parent / "shared" / "data" / "mona_lisa.jpg"
# The quick preset's SGD settings when the curves were recorded (before the decaying rate):
# the line-ups' SGD nets train as they did then, so the stores stay valid.
RECORDED = dict(lr=0.3, halflife=0.0)
LINEUPS = {
    "lr": ["{2,3}x128:relu:posenc:adam:lr={3e-4,1e-3,3e-3,1e-2}"],
    "sigma": ["2x128:relu:fourier=128:sigma={1,3,6,10,15,20,30,40}:adam"],
    "sgd-adam": [
        "{4,6}x100",
        "4x100:lr=0.3",
        "2x64:relu:{fourier=64,posenc}:adam",
        "{2x256,4x64}:relu:adam",
        "3x128:relu:fourier=128:sigma=20:adam:lr=3e-4",
    ],
}


def zone_plate(path: Path, side: int = 256) -> Path:
    """Rings that get finer outwards over a colour ramp: hard for raw coordinates."""
    y, x = np.mgrid[0:side, 0:side] / side - 0.5
    rings = 0.5 + 0.5 * np.cos(2 * np.pi * 40 * (x * x + y * y))
    rgb = np.stack([rings * (0.3 + x + 0.5), rings * 0.8 + 0.2 * (y + 0.5), 1 - rings * (y + 0.5)], -1)
    Image.fromarray((np.clip(rgb, 0, 1) * 255).astype(np.uint8)).save(path)
    return path


def pictures(store: Path, chosen: list[Path] | None = None) -> dict[str, Path]:
    """The recorded set's pictures, or `chosen` ones (a held-out set), named by file stem."""
    if chosen:
        return {p.stem: p for p in chosen}
    found = {"chelsea": ROOT / "samples" / "chelsea.jpg", "astronaut": ROOT / "samples" / "astronaut.jpg"}
    found["rings"] = zone_plate(store / "rings.png")
    if MONA.is_file():
        found["mona"] = MONA
    return found


def curve(picture: Path, spec: str, seed: int, size: int, epochs: int) -> list[float]:
    """One trial's PSNR after every epoch, trained as a sweep's worker trains it."""
    s = settings.resolve("quick", nets=(spec,), seed=seed, epochs=epochs, size=size, **RECORDED)
    run = Run.new(s, target.load(picture, s.size), on_paint=lambda *_: None, compose=False, cores=1)
    try:
        run.train(until=epochs)
    except Diverged:
        pass
    finally:
        run.close()
    psnr = [v for _, v in run.board.history[0]]
    return psnr + [math.nan] * (epochs - len(psnr))  # diverged: no score from then on


def record(store: Path, size: int, epochs: int, seeds: int, chosen: list[Path] | None = None) -> None:
    """Every trial of every picture and line-up, to the end, one at a time in this process
    (a sweep's pool, checkpoints and race would cost more than the training at this size)."""
    path = store / "curves.json"
    done = json.loads(path.read_text()) if path.is_file() else {}
    for name, picture in pictures(store, chosen).items():
        for lineup, nets in LINEUPS.items():
            key = f"{name}/{lineup}"
            if key in done:
                continue
            specs = [n.text() for n in expand.specs(nets)]
            trials = {f"{s}/{k}": dict(spec=s, seed=k) for s in specs for k in range(seeds)}
            for t in trials.values():
                t["psnr"] = curve(picture, t["spec"], t["seed"], size, epochs)
            done[key] = trials
            path.write_text(json.dumps(done))
            print(f"recorded {key}: {len(trials)} trials", flush=True)


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
        psnr = trials[trial]["psnr"][epoch - 1]
        return None if math.isnan(psnr) else psnr

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
    rows = []  # as the driver records them
    for t, e, v in reports:
        spec, seed, stop = trials[t]["spec"], trials[t]["seed"], halving.stopped_at(t)
        rows.append(
            results.Row(t, spec, seed, t, 0, e, e, stop, v, None, 0.0, "ok" if v is not None else "diverged")
        )
    return results.summarise(rows)[0].spec, spent


# name: (ETA, the grace as a share of the epochs: 8 is E // 8, None the default, "1" one epoch)
SETTINGS = {
    "--halving 2 (recommended; grace E/10)": (2, None),
    "--halving 2 --grace 1 (no look, no trend at the first cut)": (2, "1"),
    "--halving 2 --grace E/20": (2, 20),
    "--halving 2 --grace E/8": (2, 8),
    "--halving 2 --grace E/5": (2, 5),
    "--halving 2 --grace E/4": (2, 4),
    "--halving 3": (3, None),
    "--halving 4": (4, None),
}


def evaluate(curves: dict[str, dict], workers: int) -> dict[str, list[dict]]:
    """Regret and cost of every setting on every recorded sweep."""
    out: dict[str, list[dict]] = {}
    for name, (eta, share) in SETTINGS.items():
        for key, trials in curves.items():
            epochs = min(len(t["psnr"]) for t in trials.values())
            grace = int(share) if isinstance(share, str) else share and max(1, epochs // share)
            winner, spent = replay(trials, epochs, workers, eta=eta, grace=grace)
            final = spec_means(trials, epochs)
            regret = max(final.values()) - final[winner]
            cost = spent / (len(trials) * epochs)
            out.setdefault(name, []).append(dict(sweep=key, regret=regret, cost=cost, winner=winner))
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


def verify(
    store: Path, size: int, epochs: int, seeds: int, key: str, eta: int, chosen: list[Path] | None = None
) -> None:
    """A real sweep with --halving ETA (the default grace) on one recorded picture and line-up:
    its scores must be the recorded ones, its winner the replay's."""
    curves = json.loads((store / "curves.json").read_text())[key]
    name, lineup = key.split("/")
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch) / "halving"
        start = time.perf_counter()
        result = animlearn.sweep(
            pictures(store, chosen)[name], folder, nets=LINEUPS[lineup], seeds=seeds, epochs=epochs,
            size=size, halving=eta, top=1, **RECORDED,
        )  # fmt: skip
        seconds = time.perf_counter() - start
        rows = results.read(folder)
    ids = {(t["spec"], t["seed"]): trial for trial, t in curves.items()}
    same = all(r.psnr == curves[ids[r.spec, r.seed]]["psnr"][r.rung - 1] for r in rows)
    spent = sum(max(r.epochs for r in rows if r.trial == t) for t in {r.trial for r in rows})
    winner, replayed = replay(curves, epochs, 2, eta=eta)
    final, full = spec_means(curves, epochs), len(curves) * epochs
    print(
        f"{key}, --halving {eta}: {seconds:.0f} s, {len(rows)} rows, scores as recorded: {same}; "
        f"winner {result.rows[0].spec} (replay: {winner}), "
        f"regret {max(final.values()) - final[winner]:.2f} dB; "
        f"cost {spent / full:.2f} (replay with 2 workers: {replayed / full:.2f})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=("record", "replay", "verify"))
    parser.add_argument("--store", type=Path, default=Path(tempfile.gettempdir()) / "animlearn-regret")
    parser.add_argument(
        "--pictures", type=Path, nargs="+", help="record, verify: these pictures instead (held out)"
    )
    parser.add_argument(
        "--held-out", type=Path, nargs="*", default=[], help="replay: stores recorded with --pictures"
    )
    parser.add_argument("--size", type=int, default=64)
    parser.add_argument("--epochs", type=int, default=40)
    parser.add_argument("--seeds", type=int, default=2)
    parser.add_argument("--sweep", default="chelsea/sigma", help="verify: the picture/line-up to sweep")
    parser.add_argument("--halving", type=int, default=2, help="verify: the sweep's --halving")
    args = parser.parse_args()
    args.store.mkdir(parents=True, exist_ok=True)
    if args.what == "record":
        record(args.store, args.size, args.epochs, args.seeds, args.pictures)
    elif args.what == "verify":
        verify(args.store, args.size, args.epochs, args.seeds, args.sweep, args.halving, args.pictures)
    else:
        sets = {
            store: json.loads((store / "curves.json").read_text()) for store in [args.store, *args.held_out]
        }
        if args.held_out:
            sets[Path("all of them")] = {k: v for curves in sets.values() for k, v in curves.items()}
        for store, curves in sets.items():
            evaluated = evaluate(curves, 2)
            print(f"\n{store}: {len(curves)} sweeps replayed, 2 workers\n")
            print("\n".join(report(evaluated)))
        for name, runs in evaluated.items():
            print(
                f"\n{name}: " + ", ".join(f"{r['sweep']} {r['regret']:.2f} dB {r['cost']:.2f}" for r in runs)
            )


if __name__ == "__main__":
    main()
