"""A sweep trial's work, as a worker process does it: a Run of one network, trained from
its checkpoint (or from scratch) to an epoch, returned with its scores and paintings.

Only plain data crosses the executor: the picture's bytes, the settings, the
checkpoint's bytes; back come scores, paintings and the new checkpoint's bytes.
So a worker needs animlearn installed but no disk shared with the driver.
"""

from __future__ import annotations

import fcntl
import os
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..run import Run

# A worker trains one network on one core; more threads would fight the other workers.
SINGLE_THREAD = {
    k: "1" for k in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS")
}


def cache_root() -> Path:
    """Where workers keep their compiled Numba kernels, one folder each."""
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "animlearn" / "numba"


_CLAIMS: list[int] = []  # lock files held open: a claim lasts as long as the process


def claim(root: Path, prefix: str) -> Path:
    """The first of root/PREFIX-1, -2, ... that no live process holds, held by this one
    until it ends: a worker's own Numba cache, which the next worker in its place reuses
    (a cache per process id would compile every kernel afresh and pile up folders)."""
    number = 0
    while True:
        number += 1
        folder = root / f"{prefix}-{number}"
        folder.mkdir(parents=True, exist_ok=True)
        lock = os.open(folder / ".lock", os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(lock)
            continue
        _CLAIMS.append(lock)
        return folder


def single_threaded(cache: Path) -> None:
    """Before numpy or numba load in a worker: one thread each, and a Numba cache of its own
    (workers compiling into one cache folder at once can trip over each other's index files)."""
    os.environ.update(SINGLE_THREAD)
    os.environ["NUMBA_CACHE_DIR"] = str(cache)


@dataclass
class Job:
    trial: str  # the trial's id
    spec: str
    seed: int
    picture: bytes  # the image file's bytes
    suffix: str  # its extension, so the reader knows the format
    settings: dict[str, Any]  # the sweep's own Settings fields: epochs, size, lr, halflife, lr_scale, holdout
    until: int  # train to this epoch
    checkpoint: bytes | None = None  # where the trial stopped last; None: from scratch


@dataclass
class Outcome:
    trial: str
    epochs: int  # trained so far
    parameters: int
    history: list[tuple[float, float]]  # (epoch, PSNR on trained pixels), all epochs so far
    held_history: list[tuple[float, float]]  # on hidden pixels; empty without a hold-out
    paintings: Any  # (new epochs, h, w, 3) uint8: the picture at each epoch this job trained
    checkpoint: bytes
    seconds: float  # training time of the trial so far
    diverged: str = ""  # the message, if the network blew up


def run_trial(job: Job) -> Outcome:
    """Train `job` to its epoch; a diverging network comes back as an Outcome that says so."""
    if "numba" not in sys.modules and "NUMBA_CACHE_DIR" not in os.environ:  # a Dask worker's first trial
        single_threaded(claim(cache_root(), "dask"))
    import numpy as np

    from ..errors import Diverged

    with tempfile.TemporaryDirectory(prefix="animlearn-trial-") as folder:
        paintings: list[np.ndarray] = []
        run = _open(job, Path(folder), lambda x, small: paintings.append(small[0]))
        diverged = ""
        try:
            run.train(until=job.until)
        except Diverged as e:
            diverged = str(e)
        finally:
            run.close()
        saved = Path(folder) / "trial.ckpt"
        run.save(saved, run.snapshot())
        shape = (0, run.target.height, run.target.width, 3)
        board = run.board
        return Outcome(
            job.trial, run.epochs_done, board.counts[0], list(board.history[0]),
            list(board.held_history[0]), np.stack(paintings) if paintings else np.zeros(shape, np.uint8),
            saved.read_bytes(), run.seconds, diverged,
        )  # fmt: skip


def _open(job: Job, folder: Path, on_paint: Callable) -> Run:
    """The trial's Run: as `render --net SPEC --seed S` would make it, or from its checkpoint."""
    from ..config import settings
    from ..io import checkpoint, target
    from ..run import Run

    picture = folder / f"picture{job.suffix}"
    picture.write_bytes(job.picture)
    s = settings.resolve("quick", nets=(job.spec,), seed=job.seed, **job.settings)
    pixels = target.load(picture, s.size)
    options = dict(on_paint=on_paint, compose=False, cores=1)
    if job.checkpoint is None:
        return Run.new(s, pixels, **options)
    saved = folder / "from.ckpt"
    saved.write_bytes(job.checkpoint)
    return Run.restored(checkpoint.read(saved), saved, s, pixels, **options)
