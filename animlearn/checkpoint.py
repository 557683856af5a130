"""Checkpoints: networks, random state, progress, settings and frames in one file.

A run saved here and resumed continues exactly where it stopped: the same
weights, the same shuffling stream, the same frames. The file is a zip of
.npy arrays and a JSON header; frames stream in and out one at a time, so a
long run's frames never need to sit in memory at once.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .encoders.atomic import replacing
from .errors import AnimlearnError
from .network import Network
from .settings import Settings

FORMAT = 1


@dataclass
class Checkpoint:
    settings: Settings
    nets: list[Network]
    rng_state: dict  # the trainer's numpy bit generator state at the end of `epochs_done`
    epochs_done: int
    psnrs: list[float]
    target_digest: str  # of the training pixels, so a resume uses the same picture
    width: int  # of the training picture, so `paint` keeps its aspect
    height: int
    frame_count: int = 0


def digest(pixels: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(pixels).tobytes()).hexdigest()


def save(path: Path, cp: Checkpoint, frames: Sequence[np.ndarray]) -> None:
    """Write atomically: a checkpoint is either the old one or the new one, whole."""
    meta = {
        "format": FORMAT,
        "settings": dataclasses.asdict(cp.settings),
        "nets": [{"hidden": list(n.hidden), "lrs": n.lrs.tolist()} for n in cp.nets],
        "rng_state": cp.rng_state,
        "epochs_done": cp.epochs_done,
        "psnrs": cp.psnrs,
        "target_digest": cp.target_digest,
        "size": [cp.width, cp.height],
    }
    shape = (len(frames), *(frames[0].shape if len(frames) else (0, 0, 3)))
    with replacing(path) as tmp, zipfile.ZipFile(tmp, "w", zipfile.ZIP_STORED, allowZip64=True) as z:
        z.writestr("meta.json", json.dumps(meta))
        for k, net in enumerate(cp.nets):
            with z.open(f"net{k}.npy", "w") as f:
                np.lib.format.write_array(f, net.params)
        with z.open("frames.npy", "w", force_zip64=True) as f:
            header = {"descr": "|u1", "fortran_order": False, "shape": shape}
            np.lib.format.write_array_header_2_0(f, header)
            for frame in frames:
                f.write(np.ascontiguousarray(frame, dtype=np.uint8).tobytes())


def _unreadable(path: Path, e: Exception) -> AnimlearnError:
    return AnimlearnError(f"{path}: not a readable animlearn checkpoint ({e}); give a file from --checkpoint")


def load(path: str | Path) -> Checkpoint:
    """Everything but the frames (see `frames()`)."""
    path = Path(path)
    if not path.is_file():
        raise AnimlearnError(f"{path}: no such checkpoint; give the file written by --checkpoint")
    try:
        with zipfile.ZipFile(path) as z:
            meta = json.loads(z.read("meta.json"))
            if meta.get("format") != FORMAT:
                raise ValueError(f"format {meta.get('format')!r}, expected {FORMAT}")
            nets = []
            for k, n in enumerate(meta["nets"]):
                with z.open(f"net{k}.npy") as f:
                    params = np.lib.format.read_array(f, allow_pickle=False).astype(np.float32)
                nets.append(Network(tuple(n["hidden"]), params, np.array(n["lrs"], np.float32)))
            with z.open("frames.npy") as f:
                np.lib.format.read_magic(f)
                count = np.lib.format.read_array_header_2_0(f)[0][0]
        settings = dict(meta["settings"], hidden=tuple(meta["settings"]["hidden"]))
        return Checkpoint(
            Settings(**settings),
            nets,
            meta["rng_state"],
            meta["epochs_done"],
            meta["psnrs"],
            meta["target_digest"],
            *meta["size"],
            frame_count=count,
        )
    except (OSError, ValueError, KeyError, TypeError, zipfile.BadZipFile) as e:
        raise _unreadable(path, e) from e


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
