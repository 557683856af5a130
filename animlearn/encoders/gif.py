"""Animated GIF: one shared palette, no dithering, only changed pixels stored, loops forever.

The file is assembled here, frame by frame (Pillow's GIF writer keeps every
frame until the file is closed): each frame's changed rectangle is packed by a
lossy LZW coder (lzw.py), and unchanged pixels inside it become a transparent
index. Memory stays at a couple of frames however long the run.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from pathlib import Path
from typing import BinaryIO, NamedTuple

import numpy as np
from PIL import Image

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
KEEP = 1.1  # a pixel's colour is kept within (100 - quality) * KEEP of its best: 22 at 80
LOOSE = 1.2  # the LZW coder may keep it within LOOSE times that where a string goes on longer
MATCH = 0.4  # or draw any colour within (100 - quality) * MATCH of the best: 8 at 80
NOTHING = b"\x00\xff\x05\x04"  # LZW of one pixel of index 255: reset, 255, end, 9 bits each


class Slack(NamedTuple):
    keep: float
    loose: float
    match: float


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


def tolerance(quality: int) -> Slack:
    """How much further (RGB distance, 0-441) a pixel's colour may be from its true
    one than the nearest palette colour is: 0 at quality 100.

    Per-sample SGD makes every pixel drift a little each frame; a pixel keeps
    its colour while it is within `keep`, so drifts cost nothing. The LZW coder may
    then also leave a pixel alone within `loose`, or draw it in any colour within
    `match`, where that lengthens a string (lzw.py). On 500 frames of a 2 x 64
    network drifting every frame (451 x 359; BENCHMARKS.md), at quality 80:
    keep alone (22) 8.14 MB, 31.80 dB; with loose 26.4 and match 8 5.55 MB, 31.00 dB,
    where keep alone needs 26 for 6.16 MB, 30.88 dB.
    """
    keep = (100 - quality) * KEEP
    return Slack(keep, keep * LOOSE, (100 - quality) * MATCH)


def delays(count: int, fps: float, hold: float) -> list[int]:
    """Each frame's delay in centiseconds: the running sum follows fps, and the
    last frame also carries the hold."""
    ends = [round(k * 100 / fps) for k in range(count + 1)]
    out = [max(MIN_DELAY, b - a) for a, b in zip(ends, ends[1:])]
    out[-1] += round(hold * 100)
    return out


def write(frames: Sequence[np.ndarray], path: Path, options: Options) -> None:
    from . import lzw  # Numba: compiled once, then cached

    colours = palette(frames)
    table = np.concatenate([colours, colours[:1]]).astype(np.float32)
    slack = tolerance(options.quality)
    h, w = frames[0].shape[:2]
    with open(path, "wb") as fp:
        out = _Writer(fp, w, h, colours)
        shown: np.ndarray | None = None  # palette indices on screen
        last = None
        for frame, delay in zip(frames, delays(len(frames), options.fps, options.hold)):
            # a repeated frame shows as it is: the lossy coder's choices are not redone
            if last is not None and np.array_equal(frame, last):
                out.hold(delay)
                continue
            last = frame
            index = _nearest(frame, colours)
            box = _changed(frame, index, shown, table, slack.keep)
            if box is None:
                out.hold(delay)
                continue
            rgb = frame[box].reshape(-1, 3).astype(np.float32)
            old = shown[box].ravel() if shown is not None else index[box].ravel()
            drawn = np.empty(len(rgb), np.uint8)
            data = np.empty(2 * len(rgb) + 64, np.uint8)
            size = lzw.encode(
                rgb, index[box].ravel(), old, shown is not None, table, CLEAR, *slack, drawn, data
            )
            drawn = drawn.reshape(index[box].shape)
            out.add(data[:size].tobytes(), box, shown is not None, delay)
            if shown is None:
                shown = drawn
            else:
                shown[box] = np.where(drawn == CLEAR, shown[box], drawn)
        out.close()


def _changed(
    frame: np.ndarray, index: np.ndarray, shown: np.ndarray | None, table: np.ndarray, keep: float
) -> tuple[slice, slice] | None:
    """The rectangle around the pixels whose colour on screen is more than `keep`
    further from the true one than the nearest (all of a first frame); None if none is."""
    if shown is None:
        return np.s_[: index.shape[0], : index.shape[1]]
    rgb = frame.astype(np.float32)
    old = np.linalg.norm(table[shown] - rgb, axis=-1)
    new = np.linalg.norm(table[index] - rgb, axis=-1)
    changed = old > new + keep
    rows, cols = np.flatnonzero(changed.any(axis=1)), np.flatnonzero(changed.any(axis=0))
    if not len(rows):
        return None
    return np.s_[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]


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
        self.pending: tuple[bytes, tuple[int, int, int, int], bool] | None = None
        self.delay = 0

    def add(self, data: bytes, box: tuple[slice, slice], clear: bool, delay: int) -> None:
        """A frame: LZW `data` of the pixels in `box`; `clear`: its CLEAR index is transparent."""
        self._flush()
        rows, cols = box
        self.pending = (data, (cols.start or 0, rows.start or 0, cols.stop, rows.stop), clear)
        self.delay = delay

    def hold(self, delay: int) -> None:
        """A frame the same as the one on screen: a longer delay for that one."""
        self.delay += delay

    def _flush(self) -> None:
        if self.pending is None:
            return
        data, (left, top, right, bottom), clear = self.pending
        delay = self.delay
        while True:
            part = min(delay, MAX_DELAY)
            # disposal 1: leave the frame in place, the next one draws over it
            flags = 1 << 2 | clear
            self.fp.write(struct.pack("<3sBHBB", b"!\xf9\x04", flags, part, CLEAR, 0))
            self.fp.write(b"," + struct.pack("<HHHHB", left, top, right - left, bottom - top, 0) + b"\x08")
            for k in range(0, len(data), 255):
                block = data[k : k + 255]
                self.fp.write(bytes([len(block)]) + block)
            self.fp.write(b"\x00")
            delay -= part
            if not delay:
                break
            # a delay past 16 bits goes on in a fully transparent 1 x 1 frame
            data, (left, top, right, bottom), clear = NOTHING, (0, 0, 1, 1), True
        self.pending = None

    def close(self) -> None:
        self._flush()
        self.fp.write(b";")
