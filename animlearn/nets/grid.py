"""Multiresolution grid encoding (Instant-NGP, Müller et al. 2022) over flat float32 arrays.

A picture's square [0, 1]^2 is covered by `levels` grids, from `base` cells on
the longer side up to one vertex per pixel centre (the convention of
target.raster: x is the column, y the row). Every vertex holds `features` learnable
floats; a coordinate's code is, per level, the bilinear interpolation of its
cell's four vertices, so the code is linear in the table and a coordinate at a
pixel centre reads exactly that pixel's vertex on the top level.

All levels live in one flat float32 `table`: level l starts at `offset[l]` and
holds `entries[l]` vertices of `features` floats each. A dense level stores vertex
(ix, iy) at iy * (res_x + 1) + ix (row-major, the pixel order on the top level);
a level with more vertices than `cap` is hashed into `cap` entries with
Instant-NGP's spatial hash, colliding vertices sharing their features.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit

from .jit import OPTS

PRIME = 2654435761  # Instant-NGP's hash multiplier for the second axis (the first one's is 1)
MASK32 = 0xFFFFFFFF  # Instant-NGP hashes in uint32 arithmetic
# x * res in float32 misses a vertex by up to ~2 ulps (x's rounding, then the
# product's); within res * SNAP of one it counts as on it, which keeps the top
# level's lookups at pixel centres exact.
SNAP = 2.0**-21
CHUNK = 256  # samples whose cells are found in one vectorised pass


@dataclass(frozen=True, eq=False)
class Plan:
    """Where each level of a grid encoding lives in the flat table; int64 arrays, one entry a level."""

    width: int
    height: int
    features: int
    res_x: np.ndarray  # cells along x (columns); vertices are res_x + 1
    res_y: np.ndarray  # cells along y (rows)
    offset: np.ndarray  # where the level starts in the table, in floats
    entries: np.ndarray  # vertices stored: all of them, or the cap if hashed
    hashed: np.ndarray  # 1 if the level is hashed into `entries` slots

    @property
    def levels(self) -> int:
        return len(self.res_x)

    @property
    def size(self) -> int:
        """Learnable floats in the whole table."""
        return int(self.offset[-1] + self.entries[-1] * self.features)

    @property
    def dim(self) -> int:
        """Floats in one coordinate's code."""
        return code_size(self.levels, self.features)

    @property
    def arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(res_x, res_y, offset, entries, hashed), in the order encode and backward take them."""
        return self.res_x, self.res_y, self.offset, self.entries, self.hashed


def code_size(levels: int, features: int) -> int:
    """Floats in one coordinate's code: each level's interpolated features, side by side."""
    return levels * features


def plan(width: int, height: int, levels: int, features: int = 2, cap: int = 0, base: int = 16) -> Plan:
    """Levels from `base` cells on the longer side (fewer if the picture has fewer)
    to a vertex at every pixel centre, growing geometrically, each with the
    picture's aspect. With cap > 0, levels of more than `cap` vertices are hashed.

    Resolutions never decrease; more levels than the range has room for repeat some.
    """
    if min(width, height, levels, features, base) < 1 or cap < 0:
        raise ValueError("width, height, levels, features and base must be >= 1, cap >= 0")
    long_top, short_top = max(width, height) - 1, min(width, height) - 1
    if long_top == 0 or levels == 1:
        long = np.full(levels, long_top, dtype=np.int64)
    else:
        long = np.rint(np.geomspace(min(base, long_top), long_top, levels)).astype(np.int64)
    long[-1] = long_top
    if short_top == 0:
        short = np.zeros(levels, dtype=np.int64)
    else:
        # At least one cell, so no level ignores the shorter axis.
        short = np.maximum(1, np.rint(long * (short_top / long_top))).astype(np.int64)
    short[-1] = short_top
    res_x, res_y = (long, short) if width >= height else (short, long)
    vertices = (res_x + 1) * (res_y + 1)
    hashed = ((cap > 0) & (vertices > cap)).astype(np.int64)
    entries = np.where(hashed == 1, cap, vertices).astype(np.int64)
    offset = np.concatenate([[0], np.cumsum(entries * features)[:-1]]).astype(np.int64)
    return Plan(width, height, features, res_x, res_y, offset, entries, hashed)


def init(plan: Plan, rng: np.random.Generator) -> np.ndarray:
    """A fresh table: U(-1e-4, 1e-4), as Instant-NGP, so the code starts near zero."""
    return rng.uniform(-1e-4, 1e-4, plan.size).astype(np.float32)


@njit(**OPTS)
def _cells(coords, axis, res, cell, frac):
    """Lower vertex and fraction of each coords[k, axis] along an axis of `res` cells.

    Selects instead of branches, and no index arithmetic on the rows, so LLVM
    vectorises the loop; scalar, it cost about as much as the table lookups.
    """
    scale = np.float32(res)
    tol = np.float32(res * SNAP)
    last = np.int32(max(res - 1, 0))  # x = 1 is the last cell at fraction 1; a 0-cell axis has vertex 0 only
    for k in range(coords.shape[0]):
        t = coords[k, axis] * scale
        t = t if t >= 0.0 else np.float32(0.0)  # NaN too: no coordinate may index outside the table
        t = t if t <= scale else scale
        r = np.floor(t + np.float32(0.5))
        t = r if abs(t - r) <= tol else t
        i = min(np.int32(t), last)
        cell[k] = i
        frac[k] = t - np.float32(i)


@njit(**OPTS)
def _slot(ix, iy, stride, entries, hashed):
    """Index of vertex (ix, iy) among a level's entries."""
    if hashed:
        return (ix ^ ((iy * PRIME) & MASK32)) % entries
    return iy * stride + ix


@njit(**OPTS)
def _corners(ix, iy, fx, fy, rx, ry, entries, hashed, features):
    """Table positions (within the level, in floats) and bilinear weights of a cell's 4 corners."""
    ix, iy = np.int64(ix), np.int64(iy)
    ix1, iy1 = min(ix + 1, rx), min(iy + 1, ry)  # a 0-cell axis has a single vertex
    stride = rx + 1
    p00 = _slot(ix, iy, stride, entries, hashed) * features
    p10 = _slot(ix1, iy, stride, entries, hashed) * features
    p01 = _slot(ix, iy1, stride, entries, hashed) * features
    p11 = _slot(ix1, iy1, stride, entries, hashed) * features
    gx, gy = np.float32(1.0) - fx, np.float32(1.0) - fy
    return p00, p10, p01, p11, gx * gy, fx * gy, gx * fy, fx * fy


@njit(**OPTS)
def _lerp(row, col, tab, corners, first, count):
    """row[col + f] for features first .. first + count - 1."""
    p00, p10, p01, p11, w00, w10, w01, w11 = corners
    for f in range(first, first + count):
        row[col + f] = w00 * tab[p00 + f] + w10 * tab[p10 + f] + w01 * tab[p01 + f] + w11 * tab[p11 + f]


@njit(**OPTS)
def _spread(d, col, g, corners, first, count):
    """Scatter d[col + f] to the corners, for features first .. first + count - 1."""
    p00, p10, p01, p11, w00, w10, w01, w11 = corners
    for f in range(first, first + count):
        x = d[col + f]
        g[p00 + f] += w00 * x
        g[p10 + f] += w10 * x
        g[p01 + f] += w01 * x
        g[p11 + f] += w11 * x


@njit(**OPTS)
def encode(
    coords: np.ndarray,
    table: np.ndarray,
    res_x: np.ndarray,
    res_y: np.ndarray,
    offset: np.ndarray,
    entries: np.ndarray,
    hashed: np.ndarray,
    features: int,
    out: np.ndarray,
) -> None:
    """out[b, l * features + f] = level l's bilinear interpolation of feature f at coords[b].

    coords (B, 2) float32 in [0, 1] (clamped outside), out (B, levels * features) float32.
    """
    ix, iy = np.empty(CHUNK, np.int32), np.empty(CHUNK, np.int32)
    fx, fy = np.empty(CHUNK, np.float32), np.empty(CHUNK, np.float32)
    # Level by level, so one level's table stays in cache for the whole batch.
    for level in range(len(res_x)):
        rx, ry, n, h = res_x[level], res_y[level], entries[level], hashed[level] != 0
        tab = table[offset[level] : offset[level] + n * features]
        col = level * features
        for start in range(0, coords.shape[0], CHUNK):
            chunk, rows = coords[start : start + CHUNK], out[start : start + CHUNK]
            _cells(chunk, 0, rx, ix, fx)
            _cells(chunk, 1, ry, iy, fy)
            for k in range(chunk.shape[0]):
                c = _corners(ix[k], iy[k], fx[k], fy[k], rx, ry, n, h, features)
                # Features in pairs, then a last odd one: loops of constant length are
                # unrolled, while LLVM vectorises a loop of `features` and runs it 3x slower.
                for f in range(0, features - 1, 2):
                    _lerp(rows[k], col, tab, c, f, 2)
                if features % 2:
                    _lerp(rows[k], col, tab, c, features - 1, 1)


@njit(**OPTS)
def backward(
    coords: np.ndarray,
    grad_out: np.ndarray,
    res_x: np.ndarray,
    res_y: np.ndarray,
    offset: np.ndarray,
    entries: np.ndarray,
    hashed: np.ndarray,
    features: int,
    grad_table: np.ndarray,
) -> None:
    """Add d loss / d table to grad_table, given grad_out = d loss / d out of `encode`.

    Accumulates, so several batches can add up; zero grad_table for a fresh gradient.
    One thread, samples in order: the same sums every run.
    """
    ix, iy = np.empty(CHUNK, np.int32), np.empty(CHUNK, np.int32)
    fx, fy = np.empty(CHUNK, np.float32), np.empty(CHUNK, np.float32)
    for level in range(len(res_x)):
        rx, ry, n, h = res_x[level], res_y[level], entries[level], hashed[level] != 0
        g = grad_table[offset[level] : offset[level] + n * features]
        col = level * features
        for start in range(0, coords.shape[0], CHUNK):
            chunk, rows = coords[start : start + CHUNK], grad_out[start : start + CHUNK]
            _cells(chunk, 0, rx, ix, fx)
            _cells(chunk, 1, ry, iy, fy)
            for k in range(chunk.shape[0]):
                c = _corners(ix[k], iy[k], fx[k], fy[k], rx, ry, n, h, features)
                for f in range(0, features - 1, 2):
                    _spread(rows[k], col, g, c, f, 2)
                if features % 2:
                    _spread(rows[k], col, g, c, features - 1, 1)
