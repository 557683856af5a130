"""paint(): a saved network's picture at any resolution.

The network is a continuous function of the coordinates, so a checkpoint taken
while training on a 128-px picture can paint a 2000-px one.
"""

from __future__ import annotations

from pathlib import Path

from . import checkpoint
from .encoders import still
from .encoders.atomic import writable
from .errors import AnimlearnError
from .frames import paint as paint_net
from .target import fitted


def paint(saved: str | Path, output: str | Path, *, size: int = 1024, net: str = "deep") -> Path:
    """Paint the checkpoint's `net` ('deep' or 'shallow') so that the longer side
    is `size` px, with the training picture's aspect; returns the path written."""
    output = still.check(Path(output))
    writable(output)
    if not isinstance(size, int) or isinstance(size, bool) or not 1 <= size <= 8192:
        raise AnimlearnError(f"--size {size!r}: must be a whole number from 1 to 8192")
    cp = checkpoint.load(saved)
    if net == "deep":
        chosen = cp.nets[-1]
    elif net == "shallow" and len(cp.nets) > 1:
        chosen = cp.nets[0]
    else:
        raise AnimlearnError(
            f"--net {net!r}: this checkpoint has 'deep'" + (" and 'shallow'" * (len(cp.nets) > 1))
        )
    still.write(paint_net(chosen, *fitted(cp.width, cp.height, size)), output)
    return output
