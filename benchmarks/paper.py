"""Tancik et al. 2020's image-regression check ("every-other") as one animlearn study:
`python benchmarks/paper.py PHOTO... [-o DIR] [--size 512] [--epochs 30] [--batch 4096] [--net SPEC]...`

It is `animlearn sweep PHOTO... -o DIR --holdout every-other --net ...`: the networks
train on the pixels of even row and even column (a quarter of the picture) and are
scored on those of odd row and odd column, which they never saw. The study's page,
DIR/index.html, is the paper's table: a row per network, its mean test PSNR over the
photos and a column per photo. This prints the same table beside the paper's means.

The paper's setup (its 2D image notebook): 3 hidden ReLU layers of 256, a sigmoid output,
Adam (b2 0.999) full-batch for 2000 steps, lr 1e-2 without a mapping and 1e-3 with one;
coordinates k/512. Means over 16 DIV2K photos, test PSNR: no mapping 19.3 dB, positional
encoding 24.9 dB, Gaussian Fourier features (sigma 10) 25.6 dB. Differences here: batches
of --batch pixels (an epoch is a pass over the training pixels), a linear output clipped
when painted, Adam's b2 0.99 and eps 1e-10, the seed's init (Gaussian, std
0.3/sqrt(fan_in)), PSNR of the painted 8-bit picture; `posenc=8` gives 8 octaves of 0.5
to 64 cycles per picture where the paper used 128 log-spaced frequencies of 0 to 63.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import animlearn
from animlearn.config import spec
from animlearn.study import results

# (row name, spec without its batch, the paper's mean test PSNR in dB)
ROWS = [
    ("no mapping", "3x256:relu:adam:lr=1e-2", 19.3),
    ("positional encoding", "3x256:relu:posenc=8:adam:lr=1e-3", 24.9),
    ("Gaussian RFF, sigma 10", "3x256:relu:fourier=256:sigma=10:adam:lr=1e-3", 25.6),
]


def table(folder: Path, paper: dict[str, tuple[str, float | None]]) -> list[str]:
    """Markdown from the study's results: a row per network, its test PSNR on each photo,
    the mean over them and the paper's mean."""
    rows = results.read(folder)
    photos = list(dict.fromkeys(r.picture for r in rows))
    head = f"| network | spec | epochs | s/trial | {' | '.join(photos)} | mean test | mean train | paper |"
    lines = [head, "|---|---|---:|---:|" + "---:|" * (len(photos) + 3)]
    for s in results.summarise(rows):
        name, ref = paper.get(s.spec, (s.spec, None))
        each = [s.pictures.get(p) if len(photos) > 1 else s.holdout_psnr for p in photos]
        cells = " | ".join("—" if v is None else f"{v.mean:.2f}" for v in each)
        test = "diverged" if s.holdout_psnr is None else f"**{s.holdout_psnr.mean:.2f}**"
        train = "—" if s.psnr is None else f"{s.psnr.mean:.2f}"
        lines.append(
            f"| {name} | `{s.spec}` | {s.epochs} | {s.seconds:.0f} | {cells} | {test} | {train} | "
            + ("—" if ref is None else f"{ref:.1f}")
            + " |"
        )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("photos", type=Path, nargs="+")
    parser.add_argument("-o", "--output", type=Path, help="the study's folder (default: a new temporary one)")
    parser.add_argument("--size", type=int, default=512, help="longer side in px (0: as is)")
    parser.add_argument("--epochs", type=int, default=30, help="passes over the training pixels")
    parser.add_argument("--batch", type=int, default=4096, help="pixels a step")
    parser.add_argument("--net", action="append", default=[], help="specs to run instead of the paper's")
    args = parser.parse_args()
    rows = [(t, t, None) for t in args.net] or ROWS
    specs = {f"{text}:batch={args.batch}": (name, ref) for name, text, ref in rows}
    canonical = {spec.parse(t).text(): v for t, v in specs.items()}
    folder = args.output or Path(tempfile.mkdtemp(prefix="animlearn-paper-")) / "study"
    result = animlearn.sweep(
        args.photos, folder, nets=list(specs), epochs=args.epochs, size=args.size, holdout="every-other"
    )
    print(f"{result.trials} trials in {result.seconds:.0f} s; the page: {folder / 'index.html'}\n")
    print(f"Every-other, {args.batch} pixels a step, {args.epochs} epochs; test PSNR in dB (odd-odd pixels)")
    print("\n" + "\n".join(table(folder, canonical)))


if __name__ == "__main__":
    main()
