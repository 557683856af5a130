"""`make bench`: how fast animlearn trains, paints and starts, on this machine.

Prints one table. Ratios compare figures from this one run: the machine may be
shared, so absolute figures move from run to run more than the ratios do.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from animlearn.config.spec import NetSpec
from animlearn.io.target import raster
from animlearn.nets import model, network
from animlearn.train.meet import Stop
from animlearn.train.sgd import PerSample
from animlearn.train.trainer import CHUNK, Trainer

ROOT = Path(__file__).resolve().parent.parent
MONA = ROOT.parent / "shared" / "data" / "mona_lisa.jpg"
H, W = 429, 300  # the seed's picture
DEEP, SHALLOW = (300,) * 4, (network.equal_params_width(network.param_count((300,) * 4)),)
ROWS: list[tuple[str, str, str]] = []


def row(what: str, figure: str, note: str = "") -> None:
    ROWS.append((what, figure, note))
    print(f"  {what:<44} {figure:>22}  {note}", flush=True)


def best_of(fn, repeats: int) -> float:
    """Shortest wall time of `repeats` calls: the least disturbed by other processes."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def sgemm_gflops() -> float:
    """One core's float32 matrix product, in a child process limited to one BLAS thread."""
    code = (
        "import time, numpy as np\n"
        "a = np.random.default_rng(0).random((1536, 1536), dtype=np.float32); b = a.copy(); a @ b\n"
        "best = min((lambda t: (a @ b, time.perf_counter() - t)[1])(time.perf_counter()) for _ in range(8))\n"
        "print(2 * 1536**3 / best / 1e9)\n"
    )
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    return float(subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True).stdout)


def flops_per_sample(hidden: tuple[int, ...]) -> int:
    """2 FLOPs per weight each for forward, update, and backward-to-inputs (not into layer 1)."""
    sizes = (network.IN, *hidden, network.OUT)
    weights = [a * b for a, b in zip(sizes, sizes[1:])]
    return 4 * sum(weights) + 2 * sum(weights[1:])


def kernel_rate(hidden: tuple[int, ...], samples: int, threads: int, size: tuple[int, int] = (W, H)) -> float:
    """Per-sample SGD samples/s on `threads` threads, called in the trainer's chunks,
    over a `size` picture's coordinates."""
    rng = np.random.default_rng(0)
    net = network.create(hidden, 0.1, "fan-in", rng)
    coords = raster(*size)
    colours = rng.random((len(coords), 3), dtype=np.float32)
    order = np.resize(rng.permutation(len(coords)), samples).astype(np.int64)
    stepper = PerSample(net, threads, Stop())

    def run() -> None:
        for at in range(0, samples, CHUNK):
            stepper.steps(coords, colours, order[at : at + CHUNK], net.lrs)

    try:
        stepper.steps(coords, colours, order[:2], net.lrs)  # compile/load
        return samples / best_of(run, 3)
    finally:
        stepper.close()


def thread_ratio(hidden: tuple[int, ...], samples: int, size: tuple[int, int]) -> tuple[float, float]:
    """Samples/s on one thread and on two, measured in turn, twice each."""
    one, two = [], []
    for _ in range(2):
        one.append(kernel_rate(hidden, samples, 1, size))
        two.append(kernel_rate(hidden, samples, 2, size))
    return max(one), max(two)


def together_vs_alone(size: tuple[int, int]) -> tuple[float, float, float]:
    """Seconds for one epoch of a `size` picture: deep alone and shallow alone on one
    thread each (as before threads), both in one trainer on every core."""
    rng = np.random.default_rng(1)
    coords = raster(*size)
    colours = rng.random((len(coords), 3), dtype=np.float32)

    def epoch(hiddens, threads=None) -> float:
        nets = [model.build(NetSpec(h), 0.1, "fan-in", W, H, np.random.default_rng(0)) for h in hiddens]
        trainer = Trainer(nets, coords, colours, seed=0, threads=threads)
        try:
            return best_of(lambda: list(trainer.epoch_parts(1)), 2)
        finally:
            trainer.close()

    return epoch([DEEP], 1), epoch([SHALLOW], 1), epoch([DEEP, SHALLOW])


def torch_rate(samples: int) -> float | None:
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(1)
    layers: list = []
    sizes = (2, *DEEP, 3)
    for k, (a, b) in enumerate(zip(sizes, sizes[1:])):
        layers.append(torch.nn.Linear(a, b))
        if k < len(sizes) - 2:
            layers.append(torch.nn.LeakyReLU(0.01))
    net = torch.nn.Sequential(*layers)
    opt = torch.optim.SGD(net.parameters(), lr=0.0058)
    x, y = torch.rand(samples, 2), torch.rand(samples, 3)

    def run() -> None:
        for k in range(samples):
            opt.zero_grad()
            loss = 0.5 * ((net(x[k : k + 1]) - y[k : k + 1]) ** 2).sum()
            loss.backward()
            opt.step()

    return samples / best_of(run, 2)


def seconds_to(args: list[str], marker: str | None = None) -> float:
    """Wall time of a child process, or until it prints `marker`."""
    start = time.perf_counter()
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    for line in proc.stdout:
        if marker and marker in line:
            elapsed = time.perf_counter() - start
            proc.kill()
            proc.wait()
            return elapsed
    proc.wait()
    return time.perf_counter() - start


FIRST_EPOCH = """
import os, sys, animlearn
def first(report):
    print("EPOCH", flush=True)
    os._exit(0)
animlearn.render(sys.argv[1], sys.argv[2], epochs=2, size=64, on_epoch=first)
"""


def picture(tmp: Path) -> Path:
    """The seed's picture, or a generated one of its size where ../shared is missing."""
    if MONA.exists():
        return MONA
    from PIL import Image

    xy = raster(W, H)
    rgb = np.stack([xy[:, 0], xy[:, 1], 0.5 + 0.5 * np.sin(9 * xy[:, 0] * xy[:, 1])], axis=1)
    path = tmp / "generated.png"
    Image.fromarray((rgb.reshape(H, W, 3) * 255).astype(np.uint8)).save(path)
    return path


def main() -> None:
    import animlearn

    print(f"animlearn bench — {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {os.cpu_count()} CPUs")
    sgemm = sgemm_gflops()
    row("SGEMM, one core (numpy float32, 1 thread)", f"{sgemm:.1f} GFLOP/s")

    rates = {}
    small = (150, round(150 * W / H))[::-1]  # 150 px on the longer side
    for name, hidden, size in [("4 × 300", DEEP, (W, H)), (f"1 × {SHALLOW[0]}", SHALLOW, small)]:
        one, two = thread_ratio(hidden, 32768, size)
        rates[name] = one, two
        where = f"{size[0]}×{size[1]}"
        row(f"per-sample SGD {name}, 1 thread ({where})", f"{one:,.0f} samples/s")
        row(f"per-sample SGD {name}, 2 threads", f"{two:,.0f} samples/s", f"{two / one:.2f}× 1 thread")
        gflops = two * flops_per_sample(hidden) / 1e9
        row(f"  GFLOP/s, ratio to SGEMM ({name})", f"{gflops:.1f} GFLOP/s", f"{gflops / sgemm:.2f} x SGEMM")

    deep = model.build(NetSpec(DEEP), 0.1, "fan-in", W, H, np.random.default_rng(0))
    xy = raster(W, H)
    model.predict(deep, xy)
    paint = best_of(lambda: model.predict(deep, xy), 5)
    row(
        "painting pass 4 × 300, 300×429 grid",
        f"{len(xy) / paint:,.0f} pixels/s",
        f"{paint * 1e3:.0f} ms a frame",
    )

    alone_deep, alone_shallow, both = together_vs_alone(small)
    row(
        "deep + shallow together / each alone on 1 thread",
        f"{both / (alone_deep + alone_shallow):.2f} x",
        f"{both:.2f} s vs {alone_deep:.2f} + {alone_shallow:.2f} s (an epoch at 150 px)",
    )

    with tempfile.TemporaryDirectory() as tmp:
        image = picture(Path(tmp))
        ends = []  # seconds at the end of each epoch, painting included
        animlearn.render(
            image, Path(tmp) / "seed.gif", preset="seed", epochs=4, size=0,
            on_epoch=lambda report: ends.append(report.seconds),
        )  # fmt: skip
        per_epoch = (ends[-1] - ends[0]) / (len(ends) - 1)  # start-up and encoding left out
        training = H * W / rates["4 × 300"][1]
        row(
            f"seed preset, wall time per epoch ({image.name})",
            f"{per_epoch:.2f} s",
            f"training alone {training:.2f} s; 500 epochs ≈ {per_epoch * 500 / 60:.0f} min",
        )

        cli = str(Path(sys.executable).with_name("animlearn"))
        seconds_to([cli, "--help"])
        row(
            "animlearn --help",
            f"{min(seconds_to([cli, '--help']) for _ in range(3)):.2f} s",
            "target < 0.3 s",
        )
        first = [sys.executable, "-c", FIRST_EPOCH, str(image), str(Path(tmp) / "first.gif")]
        seconds_to(first, "EPOCH")  # fills the compilation cache if it is cold
        row("second run to its first epoch (64 px)", f"{seconds_to(first, 'EPOCH'):.2f} s", "target < 1 s")

    torch = torch_rate(2000)
    if torch is not None:
        row(
            "PyTorch batch-1 SGD 4 × 300 (1 thread)",
            f"{torch:,.0f} samples/s",
            f"animlearn on 1 thread {rates['4 × 300'][0] / torch:.1f}× it",
        )


if __name__ == "__main__":
    main()
