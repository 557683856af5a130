"""Checkpoints: networks, random state, progress, settings and frames in one file.

A run saved here and resumed continues exactly where it stopped: the same
weights, the same shuffling stream, the same frames. The file is a zip of
.npy arrays and a JSON header; frames stream in and out one at a time, so a
long run's frames never need to sit in memory at once.
"""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import json
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..config.settings import Settings
from ..config.spec import NetSpec
from ..errors import AnimlearnError
from ..nets import encoding, network
from ..nets.model import Model
from .atomic import replacing

FORMAT = 2


@dataclass
class Checkpoint:
    settings: Settings
    models: list[Model]
    rng_state: dict  # the trainer's numpy bit generator state at the end of `epochs_done`
    epochs_done: int
    target_digest: str  # of the training pixels, so a resume uses the same picture
    width: int  # of the training picture, so `paint` keeps its aspect
    height: int
    frame_count: int = 0  # frames of the first `epochs_done` epochs
    seconds: float = 0.0  # of training so far, so a resumed log's clock goes on
    scores: dict | None = None  # metrics.Scoreboard.state(): PSNR history and log rows


def digest(pixels: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(pixels).tobytes()).hexdigest()


def save(path: Path, cp: Checkpoint, frames: Sequence[np.ndarray]) -> None:
    """Write atomically: a checkpoint is either the old one or the new one, whole.
    Of `frames`, the first cp.frame_count are kept."""
    meta = {
        "format": FORMAT,
        "settings": dataclasses.asdict(cp.settings),
        "models": [
            {"spec": dataclasses.asdict(m.spec), "lrs": m.net.lrs.tolist(), "lr": m.lr, "steps": m.steps}
            for m in cp.models
        ],
        "seconds": cp.seconds,
        "scores": cp.scores,
        "rng_state": cp.rng_state,
        "epochs_done": cp.epochs_done,
        "target_digest": cp.target_digest,
        "size": [cp.width, cp.height],
    }
    shape = (cp.frame_count, *(frames[0].shape if cp.frame_count else (0, 0, 3)))
    with replacing(path) as tmp, zipfile.ZipFile(tmp, "w", zipfile.ZIP_STORED, allowZip64=True) as z:
        z.writestr("meta.json", json.dumps(meta))
        for k, m in enumerate(cp.models):
            for name, array in _arrays(m).items():
                with z.open(f"{name}{k}.npy", "w") as f:
                    np.lib.format.write_array(f, array)
        with z.open("frames.npy", "w", force_zip64=True) as f:
            header = {"descr": "|u1", "fortran_order": False, "shape": shape}
            np.lib.format.write_array_header_2_0(f, header)
            for frame in itertools.islice(frames, cp.frame_count):
                f.write(np.ascontiguousarray(frame, dtype=np.uint8).tobytes())


ARRAYS = ("params", "table", "matrix", "state")


def _arrays(m: Model) -> dict[str, np.ndarray]:
    return {"params": m.net.params, "table": m.enc.table, "matrix": m.enc.matrix, "state": m.state}


def _model(meta: dict, arrays: dict[str, np.ndarray], width: int, height: int) -> Model:
    """A saved model: its spec rebuilds the layout, the arrays fill it."""
    spec = NetSpec(**dict(meta["spec"], hidden=tuple(meta["spec"]["hidden"])))
    enc = encoding.make(spec, width, height, np.random.default_rng(0))
    enc.table, enc.matrix = arrays["table"], arrays["matrix"]
    net = network.Network(
        spec.hidden, arrays["params"], np.array(meta["lrs"], np.float32), spec.act, spec.omega, enc.dim
    )
    return Model(spec, net, enc, meta["lr"], arrays["state"], meta["steps"])


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
            models = []
            for k, m in enumerate(meta["models"]):
                arrays = {}
                for name in ARRAYS:
                    with z.open(f"{name}{k}.npy") as f:
                        arrays[name] = np.lib.format.read_array(f, allow_pickle=False).astype(np.float32)
                models.append(_model(m, arrays, *meta["size"]))
            with z.open("frames.npy") as f:
                np.lib.format.read_magic(f)
                count = np.lib.format.read_array_header_2_0(f)[0][0]
        settings = meta["settings"]
        settings = dict(settings, hidden=tuple(settings["hidden"]), nets=tuple(settings["nets"]))
        return Checkpoint(
            Settings(**settings),
            models,
            meta["rng_state"],
            meta["epochs_done"],
            meta["target_digest"],
            *meta["size"],
            frame_count=count,
            seconds=meta["seconds"],
            scores=meta["scores"],
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
