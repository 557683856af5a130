"""Checkpoints: networks, random state, progress, settings and frames in one .npz file.

A run saved here and resumed continues exactly where it stopped: the same
weights, the same shuffling stream, the same frames.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import zipfile
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
    rng_state: dict  # the trainer's numpy bit generator state
    epochs_done: int
    psnrs: list[float]
    target_digest: str  # of the training pixels, so a resume uses the same picture
    width: int  # of the training picture, so `paint` keeps its aspect
    height: int
    frames: np.ndarray  # (n, h, w, 3) uint8, the frames so far


def digest(pixels: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(pixels).tobytes()).hexdigest()


def save(path: Path, cp: Checkpoint) -> None:
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
    arrays = {f"net{k}": n.params for k, n in enumerate(cp.nets)}
    with replacing(path) as tmp, open(tmp, "wb") as f:
        np.savez(f, meta=np.array(json.dumps(meta)), frames=cp.frames, **arrays)


def load(path: str | Path) -> Checkpoint:
    path = Path(path)
    if not path.is_file():
        raise AnimlearnError(f"{path}: no such checkpoint; give the file written by --checkpoint")
    try:
        with np.load(path, allow_pickle=False) as data:
            meta = json.loads(str(data["meta"]))
            if meta.get("format") != FORMAT:
                raise ValueError(f"format {meta.get('format')!r}, expected {FORMAT}")
            settings = dict(meta["settings"], hidden=tuple(meta["settings"]["hidden"]))
            nets = [
                Network(
                    tuple(n["hidden"]), data[f"net{k}"].astype(np.float32), np.array(n["lrs"], np.float32)
                )
                for k, n in enumerate(meta["nets"])
            ]
            frames = data["frames"]
    except (OSError, ValueError, KeyError, TypeError, zipfile.BadZipFile, json.JSONDecodeError) as e:
        raise AnimlearnError(f"{path}: not a readable animlearn checkpoint ({e})") from e
    return Checkpoint(
        Settings(**settings),
        nets,
        meta["rng_state"],
        meta["epochs_done"],
        meta["psnrs"],
        meta["target_digest"],
        frames,
    )
