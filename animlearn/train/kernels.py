"""Numba kernels: per-sample SGD over flat float32 arrays, one network on a team of threads.

A network is one flat float32 array `params` plus `sizes` = [n_in, h1, ..., hk, n_out]
(n_in = 2 for raw (x, y) coordinates, more for encoded inputs). Layer l holds a
weight matrix (sizes[l+1] x sizes[l], row-major) followed by its biases;
`layout(sizes)` gives where each starts. Hidden layers use one activation from
ACTS, the output is linear, the loss per sample is 0.5 * ||y - t||^2.

Threads. Every hidden layer's units are cut into a fixed number of slices
(`cuts`). A slice owns its units' rows of the layer below them and their columns
of the output layer, so its part of the weights stays in one core's cache. The
team's threads share out the slices and meet at barriers (meet.py) inside each
sample: after each hidden layer's forward pass, once the output's partial sums
are in, and after each W^T delta of the backward pass. Partial sums are added
slice by slice in a fixed order, and every slice always runs the same code, so
the numbers depend on the cuts, never on how many threads run them.

Speed comes from memory traffic, not arithmetic: a 4 x 300 net is 1.09 MB of
weights, streamed from L2 at each sweep. Every sample needs two sweeps of each
matrix (W a forward, W^T delta backward), so wide layers avoid a third one: for
up to LAZY samples they keep W = W_stored - sum_t u_t a_t^T with u_t = lr delta_t,
and apply the deferred updates in one pass, in cache, every LAZY samples. A leaky
ReLU net with one hidden layer and two inputs fuses one sample's backward pass
with the next one's forward pass (shallow.py). Both are the same per-sample SGD,
one update per sample in order; only the float32 summation order differs.
"""

import math

import numpy as np
from numba import njit

from .layers import _activate, _backprop, _dots, _less, _less_t, _update, _update2
from .matvec import OPTS, _apply_deferred, _matvec, _matvec_t
from .meet import meet, unit_starts

LAZY = 16  # samples a wide layer's updates are deferred for
WIDE = 16  # layers at least this wide on both sides defer their updates
SLICES = 2  # slices of a large network's hidden layers: at most this many threads
ALIGN = 16  # slice bounds fall on multiples of this many units (a 64-byte line)
LARGE = 32768  # multiply-adds per sample from which a network is cut into slices


def cuts(sizes: np.ndarray, count: int | None = None) -> np.ndarray:
    """Slice bounds of every layer's units, shape (layers + 1, count + 1). By default
    SLICES slices for a large network, one for a small one, whose barriers would
    cost more than they save. Inputs and outputs are not cut."""
    if count is None:
        work = sum(int(a) * int(b) for a, b in zip(sizes[:-1], sizes[1:]))
        count = SLICES if work >= LARGE else 1
    out = np.zeros((len(sizes), count + 1), np.int64)
    for layer, n in enumerate(sizes):
        hidden = 0 < layer < len(sizes) - 1
        for s in range(count + 1):
            at = round(n * s / count / ALIGN) * ALIGN if hidden else n * (s > 0)
            out[layer, s] = min(n, at)
        out[layer, count] = n
    return out


@njit(cache=True, nogil=True)
def layout(sizes: np.ndarray) -> np.ndarray:
    """Offsets of each layer's weights and biases: shape (layers, 2), int64."""
    offsets = np.zeros((len(sizes) - 1, 2), dtype=np.int64)
    at = 0
    for layer in range(len(sizes) - 1):
        offsets[layer, 0] = at
        at += sizes[layer] * sizes[layer + 1]
        offsets[layer, 1] = at
        at += sizes[layer + 1]
    return offsets


@njit(**OPTS)
def _block(deferred, at, lo, hi):
    """The deferred u_t of units lo:hi, (LAZY, hi - lo): each slice's own contiguous
    block, so its rows are unit-stride arrays that vectorise."""
    return deferred[at + LAZY * lo : at + LAZY * hi].reshape(LAZY, hi - lo)


@njit(**OPTS)
def sgd_deep(
    params, sizes, lrs, X, Y, order, act, omega, bounds, acts, partial, sums, flags, stop, me, threads
):
    """Thread `me` of `threads`' part of one SGD update per sample in `order`, in
    that order; returns the summed squared error (each sample's, before its update).

    X is (N, sizes[0]) and Y (N, sizes[-1]), float32; ACTS[act] is the hidden
    activation, `omega` sine's frequency. `bounds` = cuts(sizes). Shared by the
    team: `acts` (meet.unit_starts(sizes)[-1] floats), `partial` (slices times as
    many), `sums` (2 x slices x at least n_out), `flags` (meet.team_flags, zero at the
    start) and `stop`.
    The first thread writes the output biases back. A stop leaves the weights part
    way through a sample; otherwise every deferred update is applied on return.
    """
    n_layers = len(sizes) - 1
    last = n_layers - 1  # the output layer, cut by columns
    n_out = sizes[n_layers]
    count = bounds.shape[1] - 1
    first, end = me * count // threads, (me + 1) * count // threads
    offsets = layout(sizes)
    starts = unit_starts(sizes)
    units = starts[len(sizes)]
    slopes = np.empty(units, dtype=np.float32)
    delta = np.empty(acts.size, dtype=np.float32)
    # Deferred updates of wide layers: a_t in A, u_t = lr delta_t in a block per slice.
    lazy = np.zeros(n_layers, dtype=np.bool_)
    u_at = np.zeros(n_layers, dtype=np.int64)
    a_at = np.zeros(n_layers, dtype=np.int64)
    room = 0
    for layer in range(last):
        n_in, n_o = sizes[layer], sizes[layer + 1]
        lazy[layer] = n_in >= WIDE and n_o >= WIDE
        if lazy[layer]:
            u_at[layer] = room
            a_at[layer] = room + LAZY * n_o
            room += LAZY * (n_in + n_o)
    deferred = np.zeros(room, dtype=np.float32)
    coef = np.empty(LAZY, dtype=np.float32)
    w_out = params[offsets[last, 0] : offsets[last, 1]]
    b_out = params[offsets[last, 1] : offsets[last, 1] + n_out].copy()  # each thread's own copy
    d_out = np.empty(n_out, dtype=np.float32)
    n_last = sizes[last]
    a_last = acts[starts[last] : starts[last] + n_last]
    gen = 0
    m = 0  # updates deferred so far
    total = 0.0
    for k in range(len(order)):
        p = order[k]
        # Forward, hidden layers, each thread its slices' rows.
        for layer in range(last):
            n_in, n_o = sizes[layer], sizes[layer + 1]
            w = params[offsets[layer, 0] : offsets[layer, 1]]
            b = params[offsets[layer, 1] : offsets[layer, 1] + n_o]
            a = X[p] if layer == 0 else acts[starts[layer] : starts[layer] + n_in]
            out = acts[starts[layer + 1] : starts[layer + 1] + n_o]
            if lazy[layer]:
                A = deferred[a_at[layer] : a_at[layer] + LAZY * n_in].reshape(LAZY, n_in)
                _dots(A, a, coef, m)
            for s in range(first, end):
                lo, hi = bounds[layer + 1, s], bounds[layer + 1, s + 1]
                rows, o = w[lo * n_in : hi * n_in], out[lo:hi]
                if n_in == 2:
                    for j in range(hi - lo):
                        o[j] = rows[2 * j] * a[0] + rows[2 * j + 1] * a[1]
                else:
                    _matvec(rows, a, o, n_in, hi - lo)
                if lazy[layer]:
                    U = _block(deferred, u_at[layer], lo, hi)
                    _less(o, U, coef, m)
                bs = b[lo:hi]  # slices indexed from range(): no negative-index checks
                for j in range(hi - lo):
                    o[j] += bs[j]
                _activate(o, slopes[starts[layer + 1] + lo : starts[layer + 1] + hi], act, omega)
            if layer < last - 1:
                gen += 1
                if not meet(flags, stop, me, threads, gen):
                    return total
        # Output: each slice's share of every output's sum, added in slice order.
        sums_k = sums[k & 1]  # two sets, so a fast thread never overwrites a slow one's
        for s in range(first, end):
            lo, hi = bounds[last, s], bounds[last, s + 1]
            a = a_last[lo:hi]
            for c in range(n_out):
                row = w_out[c * n_last + lo : c * n_last + hi]
                acc = np.float32(0.0)
                for i in range(hi - lo):
                    acc += row[i] * a[i]
                sums_k[s, c] = acc
        gen += 1
        if not meet(flags, stop, me, threads, gen):
            return total
        for c in range(n_out):
            o = b_out[c]
            for s in range(count):
                o += sums_k[s, c]
            d = o - Y[p, c]
            d_out[c] = d
            total += d * d
        if not math.isfinite(total):
            return total  # every thread sees the same sum, so all stop here
        # Backward, output layer: each slice its columns, whose W^T delta needs no sum.
        lr = lrs[last]
        slope = slopes[starts[last] : starts[last + 1]]
        for s in range(first, end):
            lo, hi = bounds[last, s], bounds[last, s + 1]
            g, a, sl = delta[starts[last] + lo : starts[last] + hi], a_last[lo:hi], slope[lo:hi]
            g[:] = 0.0
            for c in range(n_out):
                row, d = w_out[c * n_last + lo : c * n_last + hi], d_out[c]
                e = lr * d
                for i in range(hi - lo):
                    g[i] += row[i] * d
                    row[i] -= e * a[i]
            for i in range(hi - lo):
                g[i] *= sl[i]
        for c in range(n_out):
            b_out[c] -= lr * d_out[c]
        # Backward, hidden layers: each slice's W^T delta, summed in slice order.
        for layer in range(last - 1, -1, -1):
            n_in, n_o = sizes[layer], sizes[layer + 1]
            w = params[offsets[layer, 0] : offsets[layer, 1]]
            b = params[offsets[layer, 1] : offsets[layer, 1] + n_o]
            a = X[p] if layer == 0 else acts[starts[layer] : starts[layer] + n_in]
            d_all = delta[starts[layer + 1] : starts[layer + 2]]
            lr = lrs[layer]
            if lazy[layer]:
                A = deferred[a_at[layer] : a_at[layer] + LAZY * n_in].reshape(LAZY, n_in)
            for s in range(first, end):
                lo, hi = bounds[layer + 1, s], bounds[layer + 1, s + 1]
                rows, d = w[lo * n_in : hi * n_in], d_all[lo:hi]
                g = partial[s * units + starts[layer] : s * units + starts[layer] + n_in]
                if lazy[layer]:
                    U = _block(deferred, u_at[layer], lo, hi)
                    if layer > 0:
                        _matvec_t(rows, d, g, n_in, hi - lo)
                        _less_t(g, A, U, d, coef, m)
                    um, bs = U[m], b[lo:hi]
                    for j in range(hi - lo):
                        um[j] = lr * d[j]
                        bs[j] -= lr * d[j]
                elif layer == 0 and n_in == 2:
                    _update2(rows, b[lo:hi], a, d, hi - lo, lr)
                elif layer == 0:
                    _update(rows, b[lo:hi], a, d, n_in, hi - lo, lr)
                else:
                    _backprop(rows, b[lo:hi], a, d, g, n_in, hi - lo, lr)
            if lazy[layer]:
                A[m, :] = a
            if layer > 0:
                gen += 1
                if not meet(flags, stop, me, threads, gen):
                    return total
                for s in range(first, end):
                    lo, hi = starts[layer] + bounds[layer, s], starts[layer] + bounds[layer, s + 1]
                    d, sl = delta[lo:hi], slopes[lo:hi]
                    d[:] = 0.0
                    for t in range(count):
                        pt = partial[t * units + lo : t * units + hi]
                        for i in range(hi - lo):
                            d[i] += pt[i]
                    for i in range(hi - lo):
                        d[i] *= sl[i]
        m += 1
        if m == LAZY or k == len(order) - 1:
            for layer in range(last):
                if lazy[layer]:
                    n_in, n_o = sizes[layer], sizes[layer + 1]
                    A = deferred[a_at[layer] : a_at[layer] + LAZY * n_in].reshape(LAZY, n_in)
                    w = params[offsets[layer, 0] : offsets[layer, 1]]
                    for s in range(first, end):
                        lo, hi = bounds[layer + 1, s], bounds[layer + 1, s + 1]
                        U = _block(deferred, u_at[layer], lo, hi)
                        _apply_deferred(w[lo * n_in : hi * n_in], U, A, m, n_in, hi - lo)
            m = 0
    if me == 0:
        params[offsets[last, 1] : offsets[last, 1] + n_out] = b_out
    return total
