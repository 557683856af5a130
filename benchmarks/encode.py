"""Size, fidelity and time of each encoder on a folder of raw frames, and peak memory.

    python benchmarks/encode.py FRAMES_DIR [--quality Q[,Q...]] [--max-size SIZE] [--panels 3]
                                           [--formats gif,mp4,webp]

Frames are read in natural name order into a FrameBuffer, as `animlearn encode`
does (FRAMES_DIR may also be a GIF, MP4 or WebP animation). PSNR compares every
decoded frame with its raw frame (the hold's copies left out). `--panels 3` tiles
each frame three times side by side, as a shallow | deep | target run would look,
to measure memory on frames of that size. Several qualities give the size/PSNR
curve, a Markdown table row each; `--max-size` caps every output (thinned frames
are scored at the moments they stand for).
Peak RSS is the whole process's, so run one configuration per process.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

import imageio_ffmpeg
import numpy as np
from PIL import Image

from animlearn import encoders
from animlearn.canvas.buffer import FrameBuffer
from animlearn.canvas.metrics import psnr
from animlearn.config.values import parse_size
from animlearn.io.frames import read_frames


def decoded(path: Path, count: int, fps: float) -> list[np.ndarray]:
    """The picture on screen at each raw frame's moment (GIF merges identical frames; a
    capped output may keep fewer frames, each standing longer)."""
    if path.suffix == ".mp4":
        reader = imageio_ffmpeg.read_frames(str(path))
        meta = next(reader)
        w, h = meta["size"]
        pictures = [np.frombuffer(f, np.uint8).reshape(h, w, 3) for f in reader]
        return [pictures[int(k * meta["fps"] / fps + 1e-6)] for k in range(count)]
    pictures, ends = [], []
    with Image.open(path) as im:
        for k in range(im.n_frames):
            im.seek(k)
            pictures.append(np.asarray(im.convert("RGB")))
            ends.append((ends[-1] if ends else 0) + im.info["duration"])
    moments = np.arange(count) * 1000 / fps + 1
    return [pictures[k] for k in np.searchsorted(ends, moments, side="right")]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("frames", type=Path)
    parser.add_argument("--quality", default="80", help="one or more, e.g. 100,90,80,70")
    parser.add_argument(
        "--max-size", type=parse_size, default=10**15, help="cap every output, e.g. 8MB (default: none)"
    )
    parser.add_argument("--panels", type=int, default=1)
    parser.add_argument("--formats", default="gif,mp4,webp")
    parser.add_argument("--no-check", action="store_true", help="skip decoding (memory runs)")
    args = parser.parse_args()

    buffer = FrameBuffer()
    for frame in read_frames(args.frames):
        buffer.append(np.concatenate([frame] * args.panels, axis=1))
    h, w = buffer.shape[:2]
    print(f"{len(buffer)} frames of {w}x{h}, buffer spilled: {buffer.spilled}")
    print("| format | quality | MB | PSNR mean | PSNR min | seconds |\n|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for suffix in args.formats.split(","):
            for quality in map(int, args.quality.split(",")):
                options = encoders.Options(quality=quality, max_size=args.max_size)
                print(row(buffer, Path(tmp) / f"out.{suffix}", options, args.no_check), flush=True)
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    buffer.close()


def row(buffer: FrameBuffer, out: Path, options: encoders.Options, no_check: bool) -> str:
    """One encode, as a table row: size, fidelity to the raw frames, time."""
    notes: list[str] = []
    start = time.perf_counter()
    encoders.write(buffer, out, options, on_note=notes.append)
    seconds = time.perf_counter() - start
    scores = [float("nan")]
    if not no_check:
        h, w = buffer.shape[:2]
        scores = [psnr(a[:h, :w], b) for a, b in zip(decoded(out, len(buffer), options.fps), buffer)]
    cells = [out.suffix[1:], options.quality, f"{out.stat().st_size / 1e6:.2f}"]
    cells += [f"{np.mean(scores):.2f} dB", f"{min(scores):.2f} dB", f"{seconds:.1f}"]
    return "| " + " | ".join(map(str, cells)) + " |" + "".join(f"\n  ({n})" for n in notes)


if __name__ == "__main__":
    main()
