"""Size, fidelity and time of each encoder on a folder of raw frames, and peak memory.

    python benchmarks/encode.py FRAMES_DIR [--quality Q] [--panels 3] [--formats gif,mp4,webp]

Frames are read in natural name order into a FrameBuffer, as `animlearn encode`
does (FRAMES_DIR may also be a GIF, MP4 or WebP animation). PSNR compares every
decoded frame with its raw frame (the hold's copies left out). `--panels 3` tiles
each frame three times side by side, as a shallow | deep | target run would look,
to measure memory on frames of that size.
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
from animlearn.io.frames import read_frames


def decoded(path: Path, count: int, fps: float) -> list[np.ndarray]:
    """The picture on screen at each raw frame's moment (GIF merges identical frames)."""
    if path.suffix == ".mp4":
        reader = imageio_ffmpeg.read_frames(str(path))
        w, h = next(reader)["size"]
        return [np.frombuffer(f, np.uint8).reshape(h, w, 3) for f in reader][:count]
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
    parser.add_argument("--quality", type=int, default=80)
    parser.add_argument("--panels", type=int, default=1)
    parser.add_argument("--formats", default="gif,mp4,webp")
    parser.add_argument("--no-check", action="store_true", help="skip decoding (memory runs)")
    args = parser.parse_args()

    buffer = FrameBuffer()
    for frame in read_frames(args.frames):
        buffer.append(np.concatenate([frame] * args.panels, axis=1))
    h, w = buffer.shape[:2]
    print(f"{len(buffer)} frames of {w}x{h}, buffer spilled: {buffer.spilled}")
    options = encoders.Options(quality=args.quality)
    with tempfile.TemporaryDirectory() as tmp:
        for suffix in args.formats.split(","):
            out = Path(tmp) / f"out.{suffix}"
            start = time.perf_counter()
            encoders.write(buffer, out, options)
            seconds = time.perf_counter() - start
            line = f"{suffix:5} q{args.quality}: {out.stat().st_size / 1e6:6.2f} MB in {seconds:5.1f} s"
            if not args.no_check:
                frames = decoded(out, len(buffer), options.fps)
                scores = [psnr(a[:h, :w], b) for a, b in zip(frames, buffer)]
                line += f", PSNR mean {np.mean(scores):.2f} dB, min {min(scores):.2f} dB"
            print(line, flush=True)
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    buffer.close()


if __name__ == "__main__":
    main()
