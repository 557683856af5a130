"""A study folder: what study it holds (study.json), which sweep is writing it (sweep.lock),
and each trial's files (TrialFolder), kept in agreement.

study.json records the pictures' digests, the line-up (specs and seeds) and the settings
that shape the weights (size, lr, halflife, lr-scale, hold-out), the things a trial's id hashes,
and the schedule it was last run with (epochs, halving, grace). The same command
resumes the study, and so does one with another schedule: a longer study goes on from
the checkpoints. Anything else is another study and is refused before the folder is
touched, as is a folder that a live sweep holds. The lock is a flock on sweep.lock,
which also names the holder's pid: the kernel drops it when the holder dies, so a
stale file left by a killed sweep is simply taken over.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import AnimlearnError
from ..io import checkpoint
from ..io.atomic import leftovers, replacing
from . import show

STUDY_NAME, LOCK_NAME = "study.json", "sweep.lock"
FORMAT = 1
CHECKPOINT, PAINTINGS = "trial.ckpt", "paintings.npy"


def _describe(key: str, there: Any, here: Any) -> str:
    if key == "picture":
        return "another picture" if isinstance(here, str) else "other pictures"
    if key == "nets" and there:
        return f"other networks ({len(there)} specs, the first {there[0]!r})"
    return f"--{key.replace('_', '-')} {there!r}, not {here!r}"


def _recorded(folder: Path) -> dict | None:
    """study.json's study, or None for a new or empty folder; refuses any other folder."""
    path = folder / STUDY_NAME
    if not path.is_file():
        if folder.is_dir() and any(p.name != LOCK_NAME for p in folder.iterdir()):
            raise AnimlearnError(
                f"{folder}: not a study folder (no {STUDY_NAME}); give a new or empty -o folder"
            )
        return None
    try:
        saved = json.loads(path.read_text())
        if saved.get("format") != FORMAT:
            raise ValueError(f"format {saved.get('format')!r}")
        return saved["study"]
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as e:
        raise AnimlearnError(
            f"{path}: unreadable ({e}); move the folder away or give another -o folder"
        ) from e


def recorded(folder: Path, key: str) -> Any:
    """What the folder's study recorded under `key`; None for a new folder, or a study without it."""
    saved = _recorded(folder)
    return None if saved is None else saved.get(key)


def check(folder: Path, study: dict) -> None:
    """Refuse, touching nothing, a folder that holds another study or that a live sweep writes."""
    check_study(folder, study)
    holder = _holder(folder / LOCK_NAME)
    if holder is not None:
        raise _held(folder, holder)


def _held(folder: Path, holder: object) -> AnimlearnError:
    return AnimlearnError(
        f"{folder}: a sweep (pid {holder}) is writing it; wait for it or give another -o folder"
    )


def check_study(folder: Path, study: dict) -> None:
    """Refuse a folder that holds another study, or something else."""
    saved, study = _recorded(folder), json.loads(json.dumps(study))  # as study.json would hold it
    if saved is not None and saved != study:
        key = next(k for k in [*study, *saved] if saved.get(k) != study.get(k))
        there = _describe(key, saved.get(key), study.get(key))
        raise AnimlearnError(
            f"{folder}: holds another study ({there}); give its settings to resume it, or another -o folder"
        )


def _holder(path: Path) -> int | None:
    """The pid of the live process holding the lock file, or None if none does."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        text = os.pread(fd, 32, 0).decode(errors="replace").strip()
        return int(text) if text.isdigit() else 0  # 0: locked, its pid not yet written
    else:
        return None
    finally:
        os.close(fd)  # closing drops a lock taken here


def _same(fd: int, path: Path) -> bool:
    """Whether `fd` is still the file at `path` (a holder removes it as it lets go)."""
    try:
        return os.fstat(fd).st_ino == os.stat(path).st_ino
    except FileNotFoundError:
        return False


@contextlib.contextmanager
def claimed(folder: Path, study: dict, schedule: dict) -> Iterator[None]:
    """Hold the folder for this sweep: made if missing, locked, study.json written; the lock
    goes when the sweep ends (or its process dies)."""
    folder.mkdir(exist_ok=True)
    path = folder / LOCK_NAME
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise _held(folder, os.pread(fd, 32, 0).decode(errors="replace").strip()) from None
        if not _same(fd, path):
            raise AnimlearnError(f"{folder}: another sweep took it just now; give another -o folder")
        try:
            check_study(folder, study)  # again, now that no other sweep can write it
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
            with replacing(folder / STUDY_NAME) as tmp:
                tmp.write_text(json.dumps({"format": FORMAT, "study": study, "schedule": schedule}, indent=1))
            yield
        finally:
            _sweep_up(folder)
            path.unlink(missing_ok=True)  # still locked: no other sweep holds this file
    finally:
        os.close(fd)


def _sweep_up(folder: Path) -> None:
    """Remove what a Ctrl-C may have left of this sweep's atomic writes: files are whole or absent."""
    trials = folder / "trials"
    for place in [folder, *(trials.iterdir() if trials.is_dir() else [])]:
        for path in leftovers(place) if place.is_dir() else []:
            path.unlink(missing_ok=True)


class TrialFolder:
    """One trial's files: trial.ckpt, where it stands, and paintings.npy, its painting after
    each epoch it trained. They are written paintings first, so a write cut short between
    the two leaves paintings for epochs the checkpoint has not reached, which are ignored."""

    def __init__(self, study: Path, trial: str, spec: str, seed: int, picture: str):
        self.path = study / "trials" / trial
        self.checkpoint, self.paintings_path = self.path / CHECKPOINT, self.path / PAINTINGS
        self.spec, self.seed, self.picture = spec, seed, picture

    def saved(self) -> dict | None:
        """The checkpoint's header, checked to be this trial's and painted; None without one."""
        if not self.checkpoint.is_file():
            return None
        meta = checkpoint.read(self.checkpoint).meta
        s = meta["settings"]
        if list(s["nets"]) != [self.spec] or s["seed"] != self.seed or meta["target_digest"] != self.picture:
            raise self._broken(f"{CHECKPOINT} holds another trial's network")
        self.paintings(meta["epochs_done"])
        return meta

    def epochs(self) -> int | None:
        """Epochs the checkpoint holds, or None without one."""
        meta = self.saved()
        return None if meta is None else meta["epochs_done"]

    def paintings(self, epochs: int) -> np.ndarray:
        """The paintings of epochs 1 to `epochs`, memory-mapped."""
        found = show.paintings(self.paintings_path) if self.paintings_path.is_file() else np.zeros((0,))
        if len(found) < epochs:
            raise self._broken(f"{len(found)} paintings for the {epochs} epochs of {CHECKPOINT}")
        return found[:epochs]

    def store(self, epochs: int, paintings: np.ndarray, saved: bytes) -> None:
        """Keep a job's result: its checkpoint at `epochs` and the paintings of the epochs it
        trained, after those of the epochs before it."""
        start = epochs - len(paintings)
        if start < 0:
            raise ValueError(f"{len(paintings)} paintings for {epochs} epochs")
        self.path.mkdir(parents=True, exist_ok=True)
        before = self.paintings(start) if start else []
        if len(paintings):
            show.save_paintings(self.paintings_path, [*before, *paintings])
        with replacing(self.checkpoint) as tmp:
            tmp.write_bytes(saved)

    def _broken(self, what: str) -> AnimlearnError:
        return AnimlearnError(f"{self.path}: {what}; move the folder away to train the trial afresh")
