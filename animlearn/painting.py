"""paint(): a saved network's picture at any resolution.

The network is a continuous function of the coordinates, so a checkpoint taken
while training on a 128-px picture can paint a 2000-px one.
"""

from __future__ import annotations

from pathlib import Path

from .canvas.compose import paint as paint_net
from .encoders import still
from .errors import AnimlearnError
from .io import checkpoint
from .io.atomic import writable
from .io.target import fitted


def paint(saved: str | Path, output: str | Path, *, size: int = 1024, net: str = "deep") -> Path:
    """Paint one of the checkpoint's networks so that the longer side is `size` px,
    with the training picture's aspect; returns the path written. `net` is a panel
    number counted from 1 on the left, 'shallow' (the --shallow network) or 'deep'
    (the first other one)."""
    output = still.check(Path(output))
    writable(output)
    if not isinstance(size, int) or isinstance(size, bool) or not 1 <= size <= 8192:
        raise AnimlearnError(f"--size {size!r}: must be a whole number from 1 to 8192")
    cp = checkpoint.load(saved)
    models, shallow = cp.models, cp.settings.shallow
    names = {"shallow": 0 if shallow else None, "deep": 1 if shallow else 0}
    index = int(net) - 1 if net.isdigit() else names.get(net)
    if index is None or not 0 <= index < len(models):
        have = ", ".join(f"{k} ({m.name})" for k, m in enumerate(models, start=1))
        raise AnimlearnError(f"--net {net!r}: not in this checkpoint; give a panel number: {have}")
    still.write(paint_net(models[index], *fitted(cp.width, cp.height, size)), output)
    return output
