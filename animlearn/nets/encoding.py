"""Input encodings: what a network sees of a pixel's (x, y) in [0, 1]^2.

raw      (x, y), the seed's.
fourier  sin and cos of 2 pi B (x, y), B Gaussian with std sigma (Tancik et al. 2020).
posenc   (x, y) and sin, cos of 2^k pi x and 2^k pi y for k < octaves (NeRF's).
grid     learnable features on grids from coarse to the picture's own resolution,
         looked up bilinearly (Instant-NGP, Mueller et al. 2022); see grid.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from ..config.spec import NetSpec

if TYPE_CHECKING:
    from . import grid

EMPTY = np.zeros(0, np.float32)


@dataclass
class Encoding:
    kind: str
    dim: int  # features per pixel
    matrix: np.ndarray = field(default_factory=lambda: EMPTY)  # fourier: (2, count) frequencies
    octaves: int = 0
    plan: grid.Plan | None = None  # grid: its levels
    table: np.ndarray = field(default_factory=lambda: EMPTY)  # grid: learnable features

    @property
    def learnable(self) -> int:
        return len(self.table)


def dim(spec: NetSpec) -> int:
    """Features per pixel."""
    if spec.encoding == "grid":
        from . import grid

        return grid.code_size(spec.levels, spec.features)
    return {"raw": 2, "fourier": 2 * spec.frequencies, "posenc": 2 + 4 * spec.octaves}[spec.encoding]


def make(spec: NetSpec, width: int, height: int, rng: np.random.Generator) -> Encoding:
    """The encoding a spec asks for; a grid fits the training picture's size."""
    if spec.encoding == "fourier":
        matrix = rng.normal(0.0, spec.sigma, size=(2, spec.frequencies)).astype(np.float32)
        return Encoding("fourier", dim(spec), matrix=matrix)
    if spec.encoding == "posenc":
        return Encoding("posenc", dim(spec), octaves=spec.octaves)
    if spec.encoding == "grid":
        from . import grid

        plan = grid.plan(width, height, spec.levels, spec.features, spec.cap)
        return Encoding("grid", dim(spec), plan=plan, table=grid.init(plan, rng))
    return Encoding("raw", 2)


def encode(enc: Encoding, coords: np.ndarray) -> np.ndarray:
    """(N, 2) float32 coordinates -> (N, enc.dim) float32 features."""
    if enc.kind == "raw":
        return coords
    if enc.kind == "grid":
        from . import grid

        out = np.empty((len(coords), enc.dim), np.float32)
        grid.encode(coords, enc.table, *enc.plan.arrays, enc.plan.features, out)
        return out
    if enc.kind == "fourier":
        angles = (2 * np.pi) * (coords @ enc.matrix)
    else:
        angles = np.pi * (coords[:, :, None] * (2.0 ** np.arange(enc.octaves, dtype=np.float32))).reshape(
            len(coords), -1
        )
    feats = np.empty((len(coords), enc.dim), np.float32)
    start = enc.dim - 2 * angles.shape[1]  # posenc keeps (x, y) in front
    if start:
        feats[:, :start] = coords
    np.sin(angles, out=feats[:, start : start + angles.shape[1]])
    np.cos(angles, out=feats[:, start + angles.shape[1] :])
    return feats


def backward(enc: Encoding, coords: np.ndarray, grad_feats: np.ndarray, grad_table: np.ndarray) -> None:
    """Gradient of the loss with respect to a grid's table, from its features' gradient."""
    from . import grid

    grid.backward(coords, grad_feats, *enc.plan.arrays, enc.plan.features, grad_table)
