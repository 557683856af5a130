"""The fused per-sample SGD kernel for leaky ReLU nets with one hidden layer
(2 -> n -> 3): one sweep of the weights per sample instead of two (see kernels.py),
on a team of threads as the deep kernel."""

import math

import numpy as np
from numba import njit

from ..nets.network import SLOPE
from .matvec import OPTS
from .meet import LINE, meet


@njit(**OPTS)
def _shallow_sweep(w1, b1, r0, r1, r2, h, old, new, delta, out, tmp, lr1, lr2, backward, forward):
    """Some units of one hidden layer (2 -> n -> 3; r0, r1, r2: their output weights):
    sample k's backward pass (its error `delta`, its input `old`, its hidden outputs
    `h`) and sample k+1's forward pass (input
    `new`) in one sweep over the hidden units, a block of len(tmp) units at a time
    (simple loops that vectorise, on data still in L1). Unit j's weights get k's
    update before k+1 reads them, as in sequential SGD. Leaves k+1's hidden
    outputs in `h` and these units' shares of its output sums (without bias) in `out`."""
    n = len(h)
    d0, d1, d2 = delta[0], delta[1], delta[2]
    e0, e1, e2 = lr2 * d0, lr2 * d1, lr2 * d2
    p0, p1, q0, q1 = old[0], old[1], new[0], new[1]
    s0 = s1 = s2 = np.float32(0.0)
    for j0 in range(0, n, len(tmp)):
        # Slices per block, indexed from range(): indices LLVM knows are >= 0.
        j1 = min(n, j0 + len(tmp))
        c0, c1, c2, hb = r0[j0:j1], r1[j0:j1], r2[j0:j1], h[j0:j1]
        wb, bb = w1[2 * j0 : 2 * j1], b1[j0:j1]
        if backward:
            for j in range(j1 - j0):
                a = hb[j]
                g = c0[j] * d0 + c1[j] * d1 + c2[j] * d2
                c0[j] -= e0 * a
                c1[j] -= e1 * a
                c2[j] -= e2 * a
                tmp[j] = lr1 * (g if a >= 0 else g * SLOPE)
            for j in range(j1 - j0):
                e = tmp[j]
                wb[2 * j] -= e * p0
                wb[2 * j + 1] -= e * p1
                bb[j] -= e
        if forward:
            for j in range(j1 - j0):
                z = wb[2 * j] * q0 + wb[2 * j + 1] * q1 + bb[j]
                a = z if z >= 0 else z * SLOPE
                hb[j] = a
                s0 += c0[j] * a
                s1 += c1[j] * a
                s2 += c2[j] * a
    out[0] = s0
    out[1] = s1
    out[2] = s2


@njit(**OPTS)
def sgd_shallow(params, sizes, lrs, X, Y, order, bounds, acts, sums, flags, stop, me, threads):
    """kernels.sgd_deep for 2 -> n -> 3 leaky ReLU nets: one sweep of the weights per
    sample, each thread over its slices' hidden units, meeting once per sample to add
    the output's partial sums in slice order."""
    n = sizes[1]
    count = bounds.shape[1] - 1
    first, end = me * count // threads, (me + 1) * count // threads
    w1, b1 = params[: 2 * n], params[2 * n : 3 * n]
    w2 = params[3 * n : 6 * n]
    b2 = params[6 * n : 6 * n + 3].copy()  # each thread's own copy
    h = acts[LINE : LINE + n]  # the hidden units, as kernels.sgd_deep lays them out
    delta = np.zeros(3, dtype=np.float32)
    part = np.empty(3, dtype=np.float32)
    tmp = np.empty(512, dtype=np.float32)
    total = 0.0
    gen = 0
    for k in range(len(order) + 1):
        at_first, at_last = k == 0, k == len(order)
        new = X[order[k]] if not at_last else X[order[k - 1]]
        old = X[order[k - 1]] if not at_first else new
        sums_k = sums[k & 1]  # two sets, so a fast thread never overwrites a slow one's
        for s in range(first, end):
            lo, hi = bounds[1, s], bounds[1, s + 1]
            r0, r1, r2 = w2[lo:hi], w2[n + lo : n + hi], w2[2 * n + lo : 2 * n + hi]
            w, b, hs = w1[2 * lo : 2 * hi], b1[lo:hi], h[lo:hi]
            _shallow_sweep(
                w, b, r0, r1, r2, hs, old, new, delta, part, tmp, lrs[0], lrs[1], not at_first, not at_last
            )
            for c in range(3):
                sums_k[s, c] = part[c]
        if not at_first:
            for c in range(3):
                b2[c] -= lrs[1] * delta[c]
        if not at_last:
            gen += 1
            if not meet(flags, stop, me, threads, gen):
                return total
            p = order[k]
            for c in range(3):
                o = b2[c]
                for s in range(count):
                    o += sums_k[s, c]
                d = o - Y[p, c]
                delta[c] = d
                total += d * d
            if not math.isfinite(total):
                return total  # every thread sees the same sum, so all stop here
    if me == 0:
        params[6 * n : 6 * n + 3] = b2
    return total
