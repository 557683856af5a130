"""Checkpoint files: a zip of a JSON header, each model's named .npy arrays, and the frames.

This module knows the file, not what is in it: run.py decides what a run saves.
Frames stream in and out one at a time, so a long run's frames never sit in
memory at once. Writing is atomic: a checkpoint is the old one or the new one, whole.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import AnimlearnError
from .atomic import replacing

FORMAT = 3
# Format 2 named the spec's encoding counts after their encodings and the
# optimizer's arrays "state"; it is read by renaming them.
FORMAT2_SPEC = {"fourier": "frequencies", "posenc": "octaves", "grid": "levels"}
FORMAT2_ARRAYS = {"moments": "state"}
ARRAYS = ("params", "table", "matrix", "moments")


@dataclass
class Saved:
    meta: dict  # the header: settings, models' specs, scores, progress
    arrays: list[dict[str, np.ndarray]]  # each model's learned arrays, float32
    frame_count: int


def digest(pixels: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(pixels).tobytes()).hexdigest()


def write(
    path: Path, meta: dict, arrays: list[dict[str, np.ndarray]], frames: Sequence[np.ndarray], count: int
) -> None:
    """Write the header, the arrays, and the first `count` of `frames`."""
    try:
        _write(path, meta, arrays, frames, count)
    except OSError as e:
        raise AnimlearnError(
            f"{path}: could not save the checkpoint ({e.strerror or e}); free some space or choose another"
        ) from e


def _write(path: Path, meta: dict, arrays: list[dict], frames: Sequence, count: int) -> None:
    shape = (count, *(frames[0].shape if count else (0, 0, 3)))
    with replacing(path) as tmp, zipfile.ZipFile(tmp, "w", zipfile.ZIP_STORED, allowZip64=True) as z:
        z.writestr("meta.json", json.dumps(dict(meta, format=FORMAT)))
        for k, named in enumerate(arrays):
            for name, array in named.items():
                with z.open(f"{name}{k}.npy", "w") as f:
                    np.lib.format.write_array(f, array)
        with z.open("frames.npy", "w", force_zip64=True) as f:
            header = {"descr": "|u1", "fortran_order": False, "shape": shape}
            np.lib.format.write_array_header_2_0(f, header)
            for frame in itertools.islice(frames, count):
                f.write(np.ascontiguousarray(frame, dtype=np.uint8).tobytes())


def _unreadable(path: Path, e: Exception) -> AnimlearnError:
    return AnimlearnError(f"{path}: not a readable animlearn checkpoint ({e}); give a file from --checkpoint")


def read(path: str | Path) -> Saved:
    """Everything but the frames (see `frames()`)."""
    path = Path(path)
    if not path.is_file():
        what = "is a folder" if path.is_dir() else "no such checkpoint"
        raise AnimlearnError(f"{path}: {what}; give the file written by --checkpoint")
    try:
        with zipfile.ZipFile(path) as z:
            meta = json.loads(z.read("meta.json"))
            version = meta.get("format")
            if version not in (2, FORMAT):
                raise ValueError(f"format {version!r}, expected {FORMAT}")
            stored = FORMAT2_ARRAYS if version == 2 else {}
            arrays = [
                {name: _array(z, f"{stored.get(name, name)}{k}.npy") for name in ARRAYS}
                for k in range(len(meta["models"]))
            ]
            if version == 2:
                for m in meta["models"]:
                    m["spec"] = {FORMAT2_SPEC.get(key, key): value for key, value in m["spec"].items()}
            with z.open("frames.npy") as f:
                np.lib.format.read_magic(f)
                count = np.lib.format.read_array_header_2_0(f)[0][0]
        return Saved(meta, arrays, count)
    except (OSError, ValueError, KeyError, TypeError, zipfile.BadZipFile) as e:
        raise _unreadable(path, e) from e


def _array(z: zipfile.ZipFile, name: str) -> np.ndarray:
    with z.open(name) as f:
        return np.lib.format.read_array(f, allow_pickle=False).astype(np.float32)


def frames(path: Path) -> Iterator[np.ndarray]:
    """The checkpoint's frames, one at a time."""
    try:
        with zipfile.ZipFile(path) as z, z.open("frames.npy") as f:
            np.lib.format.read_magic(f)
            shape = np.lib.format.read_array_header_2_0(f)[0]
            size = int(np.prod(shape[1:]))
            for _ in range(shape[0]):
                yield np.frombuffer(f.read(size), np.uint8).reshape(shape[1:])
    except (OSError, ValueError, KeyError, zipfile.BadZipFile) as e:
        raise _unreadable(path, e) from e
