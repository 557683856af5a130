"""Animated GIF: one shared palette, no dithering, only changed pixels stored, loops forever.

Pillow's GIF writer keeps every frame until the file is closed, so the file is
assembled here, frame by frame: Pillow's LZW coder packs each frame's changed
rectangle, and unchanged pixels inside it become a transparent index. Memory
stays at a couple of frames however long the run.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from pathlib import Path
from typing import BinaryIO

import numpy as np
from PIL import GifImagePlugin, Image

from .options import Options

MAX_FPS: float | None = 50  # browsers play frames shorter than 20 ms at 100 ms
DEFAULT_MAX_SIZE: int | None = 10_000_000  # GitHub refuses attachments over 10 MB
COLOURS = 255  # the 256th index means "unchanged since the last frame"
CLEAR = COLOURS
PALETTE_SAMPLES = 16  # frames, spread over the run, that the palette is built from
SAMPLE_PIXELS = 1 << 20  # pixels of those frames the palette sees, at most
KMEANS_ROUNDS = 4  # each a nearest-colour pass over the sample
MIN_DELAY = 2  # centiseconds: browsers play shorter GIF frames at 100 ms
MAX_DELAY = 0xFFFF  # centiseconds: a frame's delay is 16 bits


def palette(frames: Sequence[np.ndarray]) -> np.ndarray:
    """255 colours (255 x 3 uint8) from frames spread over the whole run.

    Median cut of a pixel sample, so early blurs and late detail both get
    colours; a few k-means rounds then move each colour to the middle of the
    pixels it stands for.
    """
    n = len(frames)
    picks = sorted({round(k * (n - 1) / max(1, PALETTE_SAMPLES - 1)) for k in range(PALETTE_SAMPLES)})
    pixels = np.concatenate([frames[k].reshape(-1, 3) for k in picks])
    if len(pixels) > SAMPLE_PIXELS:
        # with replacement: drawing without would shuffle every index (50 MB for 3 panels)
        pixels = pixels[np.random.default_rng(0).integers(0, len(pixels), SAMPLE_PIXELS)]
    sheet = Image.fromarray(pixels[None])
    start = sheet.quantize(colors=COLOURS, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    colours = np.array(start.getpalette()[: 3 * COLOURS], np.float64).reshape(-1, 3)
    colours = np.pad(colours, ((0, COLOURS - len(colours)), (0, 0)), mode="edge")
    for _ in range(KMEANS_ROUNDS):
        index = _nearest(pixels[None], colours.round().astype(np.uint8)).ravel()
        counts = np.bincount(index, minlength=COLOURS)
        used = counts > 0
        for c in range(3):
            sums = np.bincount(index, weights=pixels[:, c], minlength=COLOURS)
            colours[used, c] = sums[used] / counts[used]
    return colours.round().astype(np.uint8)


def _nearest(frame: np.ndarray, colours: np.ndarray) -> np.ndarray:
    """Each pixel's palette index (h x w uint8), by Pillow's cached nearest-colour search."""
    pal = Image.new("P", (1, 1))
    # the spare 256th entry repeats colour 0, so a pixel mapped to it means colour 0
    pal.putpalette(np.concatenate([colours, colours[:1]]).tobytes())
    index = np.asarray(Image.fromarray(frame).quantize(palette=pal, dither=Image.Dither.NONE)).copy()
    index[index == CLEAR] = 0
    return index


def tolerance(quality: int) -> float:
    """How much further (RGB distance, 0-441) a pixel's old colour may be than its
    nearest before it is redrawn: 0 at quality 100, 22 at 80, 110 at 0.

    Per-sample SGD makes every pixel drift a little each frame. On the seed run's
    500 frames of 300 x 471, redrawing every drift gives 24.9 MB at 38.9 dB
    against the frames, a tolerance of 16 gives 5.1 MB at 34.2 dB. A small network
    drifts more (2 x 64 on a 451 x 300 photo, 500 frames): 30.6 MB at 39.2 dB
    redrawn, 12.5 MB at 33.5 dB with 16, 7.7 MB at 31.8 dB with 22, which keeps such
    runs under 8 MB. (Lossy LZW, as gifsicle's --lossy, did no better there:
    8.9 MB at 32.1 dB on top of 16.)
    """
    return (100 - quality) * 11 / 10


def delays(count: int, fps: float, hold: float) -> list[int]:
    """Each frame's delay in centiseconds: the running sum follows fps, and the
    last frame also carries the hold."""
    ends = [round(k * 100 / fps) for k in range(count + 1)]
    out = [max(MIN_DELAY, b - a) for a, b in zip(ends, ends[1:])]
    out[-1] += round(hold * 100)
    return out


def write(frames: Sequence[np.ndarray], path: Path, options: Options) -> None:
    colours = palette(frames)
    slack = tolerance(options.quality)
    h, w = frames[0].shape[:2]
    with open(path, "wb") as fp:
        out = _Writer(fp, w, h, colours)
        shown: np.ndarray | None = None  # palette indices on screen
        for frame, delay in zip(frames, delays(len(frames), options.fps, options.hold)):
            index = _nearest(frame, colours)
            if shown is not None and slack > 0:
                index = _keep_close(frame, index, shown, colours, slack)
            out.add(index, shown, delay)
            shown = index
        out.close()


def _keep_close(
    frame: np.ndarray, index: np.ndarray, shown: np.ndarray, colours: np.ndarray, slack: float
) -> np.ndarray:
    """Keep a pixel's index from the last frame while its colour is within `slack`
    of the nearest one: such pixels then cost nothing, and the error stays bounded
    because it is measured against this frame's true colour."""
    rgb = frame.astype(np.float32)
    table = colours.astype(np.float32)
    old = np.linalg.norm(table[shown] - rgb, axis=-1)
    new = np.linalg.norm(table[index] - rgb, axis=-1)
    return np.where(old <= new + slack, shown, index).astype(np.uint8)


class _Writer:
    """A GIF89a stream: global palette, loop forever, then delta frames one by one.

    A frame identical to the one before is not written; its delay is added to
    the frame on screen, so the timing stays true.
    """

    def __init__(self, fp: BinaryIO, width: int, height: int, colours: np.ndarray):
        self.fp = fp
        table = np.concatenate([colours, np.zeros((256 - len(colours), 3), np.uint8)])
        fp.write(b"GIF89a" + struct.pack("<HHBBB", width, height, 0xF7, 0, 0) + table.tobytes())
        fp.write(b"!\xff\x0bNETSCAPE2.0\x03\x01" + struct.pack("<H", 0) + b"\x00")  # loop forever
        self.pending: tuple[np.ndarray, tuple[int, int], bool] | None = None
        self.delay = 0

    def add(self, index: np.ndarray, shown: np.ndarray | None, delay: int) -> None:
        if shown is None:
            self._flush()
            self.pending, self.delay = (index, (0, 0), False), delay
            return
        changed = index != shown
        rows, cols = np.flatnonzero(changed.any(axis=1)), np.flatnonzero(changed.any(axis=0))
        if not len(rows):
            self.delay += delay
            return
        self._flush()
        box = np.s_[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]
        patch = np.where(changed[box], index[box], CLEAR).astype(np.uint8)
        self.pending, self.delay = (patch, (int(cols[0]), int(rows[0])), True), delay

    def _flush(self) -> None:
        if self.pending is None:
            return
        patch, offset, clear = self.pending
        extra = {"transparency": CLEAR} if clear else {}
        delay = self.delay
        while True:
            part = min(delay, MAX_DELAY)
            # disposal 1: leave the frame in place, the next one draws over it
            for chunk in GifImagePlugin.getdata(
                Image.fromarray(patch), offset, duration=10 * part, disposal=1, **extra
            ):
                self.fp.write(chunk)
            delay -= part
            if not delay:
                break
            # a delay past 16 bits goes on in a fully transparent 1 x 1 frame
            patch, offset, extra = np.full((1, 1), CLEAR, np.uint8), (0, 0), {"transparency": CLEAR}
        self.pending = None

    def close(self) -> None:
        self._flush()
        self.fp.write(b";")
