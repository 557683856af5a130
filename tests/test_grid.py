"""The grid encoding's kernels against a slow float64 NumPy reference written from the maths."""

import numpy as np
import pytest

from animlearn.io.target import raster
from animlearn.nets import grid


def axis_weights(x, res):
    """[(vertex, weight)] of linear interpolation at x in [0, 1] along `res` cells."""
    if res == 0:
        return [(0, 1.0)]
    t = float(x) * res
    i = min(int(np.floor(t)), res - 1)
    return [(i, 1.0 - (t - i)), (i + 1, t - i)]


def slot(ix, iy, rx, entries, hashed):
    if hashed:
        return (ix ^ ((iy * 2654435761) % 2**32)) % entries
    return iy * (rx + 1) + ix


def reference_matrix(coords, p):
    """M with encode(coords).ravel() == M @ table, built vertex by vertex in float64."""
    f = p.features
    m = np.zeros((len(coords) * p.dim, p.size))
    for b, (x, y) in enumerate(coords):
        for level in range(p.levels):
            rx, ry = int(p.res_x[level]), int(p.res_y[level])
            for ix, wx in axis_weights(x, rx):
                for iy, wy in axis_weights(y, ry):
                    at = p.offset[level] + slot(ix, iy, rx, p.entries[level], p.hashed[level]) * f
                    for k in range(f):
                        m[b * p.dim + level * f + k, at + k] += wx * wy
    return m


def encode(p, coords, table):
    out = np.full((len(coords), p.dim), np.nan, np.float32)
    grid.encode(coords, table, *p.arrays, p.features, out)
    return out


def backward(p, coords, grad_out):
    grad = np.zeros(p.size, np.float32)
    grid.backward(coords, grad_out, *p.arrays, p.features, grad)
    return grad


def coordinates(n, seed=0):
    """Random points plus the corners and edges of the square."""
    rng = np.random.default_rng(seed)
    edges = np.array([[0, 0], [1, 1], [0, 1], [1, 0], [0.5, 1], [1, 0.3]], np.float32)
    return np.concatenate([edges, rng.random((n, 2), dtype=np.float32)])


# Dense and hashed levels, 1, 2, 3 and 5 features (the kernels take them in pairs,
# then an odd one), long and wide pictures, and pictures with a single row, column
# or pixel (0-cell axes).
PLANS = [
    dict(width=37, height=23, levels=4),
    dict(width=23, height=37, levels=5, features=3, base=4),
    dict(width=37, height=23, levels=4, features=1, cap=97),
    dict(width=40, height=60, levels=3, cap=256),
    dict(width=16, height=16, levels=2, features=5, cap=100),
    dict(width=1, height=9, levels=3, base=2),
    dict(width=9, height=1, levels=2),
    dict(width=1, height=1, levels=2),
    dict(width=12, height=8, levels=1),
]


@pytest.mark.parametrize("kw", PLANS, ids=lambda kw: "-".join(f"{k}{v}" for k, v in kw.items()))
def test_encode_and_backward_match_the_reference(kw):
    p = grid.plan(**kw)
    rng = np.random.default_rng(1)
    table = rng.uniform(-1, 1, p.size).astype(np.float32)
    coords = coordinates(150)
    m = reference_matrix(coords, p)
    # The kernels place a point on its cell in float32 (and snap it onto a vertex
    # within res * 2^-21 cells): up to ~1e-5 cell off, times differences of up to 2.
    np.testing.assert_allclose(encode(p, coords, table), (m @ table).reshape(-1, p.dim), rtol=0, atol=5e-5)
    # The backward pass is the encoding's adjoint: d/dtable of sum(out * R) is M^T R.
    r = rng.standard_normal((len(coords), p.dim)).astype(np.float32)
    np.testing.assert_allclose(backward(p, coords, r), m.T @ r.ravel(), rtol=1e-5, atol=1e-4)


@pytest.mark.parametrize("cap", [0, 64])
def test_backward_matches_finite_differences(cap):
    p = grid.plan(30, 20, 3, cap=cap)
    rng = np.random.default_rng(2)
    table = rng.uniform(-1, 1, p.size).astype(np.float32)
    coords = coordinates(300, seed=3)
    r = rng.standard_normal((len(coords), p.dim)).astype(np.float32)
    grad = backward(p, coords, r)

    def loss(t):
        return float(np.sum(encode(p, coords, t).astype(np.float64) * r))

    touched = np.flatnonzero(grad)
    for i in np.concatenate([rng.choice(touched, 15, replace=False), rng.integers(0, p.size, 5)]):
        step = np.zeros(p.size, np.float32)
        step[i] = 0.5
        fd = (loss(table + step) - loss(table - step)) / 1.0
        assert fd == pytest.approx(grad[i], rel=1e-4, abs=1e-4), i


def test_backward_repeats_bit_for_bit_and_accumulates_batches():
    p = grid.plan(64, 48, 4, cap=500)
    rng = np.random.default_rng(4)
    coords = coordinates(5000)
    r = rng.standard_normal((len(coords), p.dim)).astype(np.float32)
    whole = backward(p, coords, r)
    assert np.array_equal(whole, backward(p, coords, r))
    # Samples are added in order, so two halves added up are the whole batch, bit for bit.
    halves = np.zeros(p.size, np.float32)
    for part in (slice(0, 2000), slice(2000, None)):
        grid.backward(coords[part], r[part], *p.arrays, p.features, halves)
    assert np.array_equal(halves, whole)


@pytest.mark.parametrize("size", [(300, 429), (429, 300), (37, 23), (1000, 2), (1, 9), (9, 1), (1, 1)])
def test_top_level_returns_the_pixels_exactly_at_pixel_centres(size):
    w, h = size
    p = grid.plan(w, h, 6, features=3, cap=2**20)
    assert p.hashed[-1] == 0
    pixels = np.random.default_rng(5).random((w * h, 3), dtype=np.float32)
    table = grid.init(p, np.random.default_rng(6))
    table[p.offset[-1] :] = pixels.ravel()  # the top level's vertices are in pixel order
    assert np.array_equal(encode(p, raster(w, h), table)[:, -3:], pixels)


def test_every_raster_width_hits_its_vertices():
    # Float32 coordinates times the resolution miss vertices by an ulp or two for
    # many widths; the kernels snap them, so the top level is exact for all.
    for w in range(2, 700):
        p = grid.plan(w, 2, 1, features=1)
        table = np.arange(p.size, dtype=np.float32)
        assert np.array_equal(encode(p, raster(w, 2), table)[:, 0], table), w


def test_coordinates_outside_the_square_are_clamped():
    p = grid.plan(20, 10, 3, cap=50)
    table = np.random.default_rng(7).uniform(-1, 1, p.size).astype(np.float32)
    outside = np.array([[-0.5, 1.5], [2.0, -1.0], [np.nan, 0.25]], np.float32)
    inside = np.array([[0.0, 1.0], [1.0, 0.0], [0.0, 0.25]], np.float32)
    assert np.array_equal(encode(p, outside, table), encode(p, inside, table))


def test_plan_levels():
    p = grid.plan(300, 429, 8, cap=2**14)
    assert (p.levels, p.features, p.dim) == (8, 2, 16)
    assert p.res_y[0] == 16  # `base` cells on the longer side
    assert np.all(np.diff(p.res_x) > 0) and np.all(np.diff(p.res_y) > 0)
    assert (p.res_x[-1], p.res_y[-1]) == (299, 428)  # a vertex at every pixel centre
    np.testing.assert_allclose(p.res_x / p.res_y, 299 / 428, rtol=0.1)  # the picture's aspect
    vertices = (p.res_x + 1) * (p.res_y + 1)
    assert np.array_equal(p.hashed == 1, vertices > 2**14)
    assert 0 < p.hashed.sum() < p.levels
    assert np.array_equal(p.entries, np.minimum(vertices, 2**14))
    assert np.array_equal(p.offset, np.concatenate([[0], np.cumsum(p.entries * 2)[:-1]]))
    assert p.size == p.entries.sum() * 2 == len(grid.init(p, np.random.default_rng(0)))
    assert not grid.plan(300, 429, 8).hashed.any()  # no cap: all dense


def test_plan_small_pictures():
    one = grid.plan(1, 1, 3)
    assert one.size == 3 * 2 and not one.res_x.any() and not one.res_y.any()
    column = grid.plan(1, 9, 4, features=3)
    assert not column.res_x.any() and column.res_y[-1] == 8 and column.size == 3 * column.entries.sum()
    assert np.array_equal(grid.plan(5, 3, 4, base=16).res_x, [4, 4, 4, 4])  # base clamped to the picture
    single = grid.plan(40, 30, 1)
    assert (single.res_x[0], single.res_y[0]) == (39, 29)
    thin = grid.plan(500, 2, 5)
    assert np.all(thin.res_y == 1) and np.all(np.diff(thin.res_x) >= 0)


@pytest.mark.parametrize("bad", [dict(width=0), dict(levels=0), dict(features=0), dict(cap=-1), dict(base=0)])
def test_plan_rejects_nonsense(bad):
    with pytest.raises(ValueError):
        grid.plan(**(dict(width=10, height=10, levels=2) | bad))
