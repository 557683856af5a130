"""Animated WebP with Pillow: lossy, loops forever, one frame in memory at a time.

Pillow's WebP writer takes its frames from images it can seek, and lists its
`append_images` first: as a list of images, a three-panel seed run (500 frames
of 906 x 471) would take 850 MB. So the frames go, uncompressed, into an
unnamed temporary multi-page TIFF that Pillow reads back one page per seek.
"""

from __future__ import annotations

import struct
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import BinaryIO

import numpy as np
from PIL import Image

from .options import Options

MAX_FPS: float | None = 50  # browsers play frames shorter than 20 ms at 100 ms
DEFAULT_MAX_SIZE: int | None = None  # any size
METHOD = 4  # libwebp's effort, 0-6: 4 is its own default, a fair size for the time

SHORT, LONG, LONG8 = 3, 4, 16  # TIFF field types
ENTRIES = 9  # tags in each page's directory, as _spool writes them


def write(frames: Sequence[np.ndarray], path: Path, options: Options) -> None:
    step = 1000 / options.fps  # Pillow rounds the running sum, so no drift
    durations = [step] * len(frames)
    durations[-1] += 1000 * options.hold
    with tempfile.TemporaryFile(prefix="animlearn-webp-") as spool:
        _spool(frames, spool)
        spool.seek(0)
        with Image.open(spool, formats=["TIFF"]) as pages:
            pages.save(
                path,
                format="WEBP",
                save_all=True,
                duration=durations,
                loop=0,
                quality=options.quality,
                method=METHOD,
            )


def _spool(frames: Sequence[np.ndarray], fp: BinaryIO) -> None:
    """`frames` as a BigTIFF (64-bit offsets: long runs pass 4 GB), a page per
    frame: its directory, then its pixels in one uncompressed RGB strip."""
    h, w = frames[0].shape[:2]
    pixels = w * h * 3
    page = 8 + 20 * ENTRIES + 8 + pixels + pixels % 2  # directories start on even offsets
    fp.write(b"II" + struct.pack("<HHHQ", 43, 8, 0, 16))
    for k, frame in enumerate(frames):
        start = 16 + k * page
        tags = [
            _entry(256, LONG, w),
            _entry(257, LONG, h),
            _entry(258, SHORT, 8, 8, 8),  # bits per sample
            _entry(259, SHORT, 1),  # no compression
            _entry(262, SHORT, 2),  # RGB
            _entry(273, LONG8, start + 8 + 20 * ENTRIES + 8),  # where the strip starts
            _entry(277, SHORT, 3),  # samples per pixel
            _entry(278, LONG, h),  # rows per strip
            _entry(279, LONG8, pixels),  # bytes in the strip
        ]
        following = start + page if k + 1 < len(frames) else 0
        fp.write(struct.pack("<Q", ENTRIES) + b"".join(tags) + struct.pack("<Q", following))
        fp.write(np.ascontiguousarray(frame, dtype=np.uint8).data)
        fp.write(b"\0" * (pixels % 2))


def _entry(tag: int, kind: int, *values: int) -> bytes:
    """One 20-byte BigTIFF directory entry, its values inline (8 bytes at most)."""
    code = {SHORT: "H", LONG: "I", LONG8: "Q"}[kind]
    return struct.pack(f"<HHQ{len(values)}{code}", tag, kind, len(values), *values).ljust(20, b"\0")
