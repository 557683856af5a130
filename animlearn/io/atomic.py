"""Write to a temporary file beside the destination; rename it into place at the end."""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path

from ..errors import AnimlearnError


@contextlib.contextmanager
def replacing(path: Path) -> Iterator[Path]:
    """Yield a temporary path in `path`'s folder (same extension); on success it
    replaces `path`, on any failure it is removed and `path` is left untouched."""
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.", suffix=path.suffix)
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        os.chmod(tmp, _mode(path))  # mkstemp makes it private; the result should not be
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


LEFTOVER = re.compile(r"\.[^/]+\.[a-z0-9_]{8}(\.\w+)?")  # mkstemp's names, as `replacing` asks


def leftovers(folder: Path) -> list[Path]:
    """Temporary files of `replacing` in `folder`: a KeyboardInterrupt raised from a signal
    handler between making one and entering its `try` leaves it behind. Only their writer
    may remove them, once it knows no write of its own is under way."""
    return [p for p in folder.iterdir() if p.is_file() and LEFTOVER.fullmatch(p.name)]


def _mode(path: Path) -> int:
    """The existing file's permissions, or the usual ones for a new file."""
    if path.exists():
        return path.stat().st_mode & 0o777
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def apart(outputs: list[tuple[str, Path]], inputs: list[tuple[str, Path]]) -> None:
    """Refuse, before any work, an output that is an input or another output; each path
    comes with the option that named it, e.g. ("--checkpoint", path)."""
    seen = {os.path.realpath(path): f"{flag} {path}" for flag, path in inputs}
    for flag, path in outputs:
        other = seen.setdefault(os.path.realpath(path), f"{flag} {path}")
        if other != f"{flag} {path}":
            raise AnimlearnError(f"{flag} {path}: is also {other}; give each its own name")


def writable(path: Path) -> None:
    """Refuse, before any work, a destination that could not be written."""
    folder = path.parent
    if folder.exists() and not folder.is_dir():
        raise AnimlearnError(f"{path}: {folder} is a file, not a folder; choose another path")
    if not folder.is_dir():
        raise AnimlearnError(f"{path}: folder {folder} does not exist; create it first")
    if path.is_dir():
        raise AnimlearnError(f"{path}: is a folder; give a file name")
    try:  # a real attempt: permissions, read-only disks and odd filesystems all show here
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as e:
        raise AnimlearnError(f"{path}: cannot write in {folder} ({e.strerror}); choose another folder") from e
