"""Numba building blocks for the SGD kernels: matrix-vector products over flat
row-major float32 matrices, and deferred rank-1 updates (see kernels.py)."""

import numpy as np
from numba import njit

from ..nets.jit import OPTS


@njit(**OPTS)
def _matvec(w, a, out, n_in, n_out):
    """out = w @ a, eight rows at a time so each a[i] is loaded once for eight rows."""
    j = 0
    while j + 8 <= n_out:
        w0 = w[j * n_in : (j + 1) * n_in]
        w1 = w[(j + 1) * n_in : (j + 2) * n_in]
        w2 = w[(j + 2) * n_in : (j + 3) * n_in]
        w3 = w[(j + 3) * n_in : (j + 4) * n_in]
        w4 = w[(j + 4) * n_in : (j + 5) * n_in]
        w5 = w[(j + 5) * n_in : (j + 6) * n_in]
        w6 = w[(j + 6) * n_in : (j + 7) * n_in]
        w7 = w[(j + 7) * n_in : (j + 8) * n_in]
        s0 = s1 = s2 = s3 = s4 = s5 = s6 = s7 = np.float32(0.0)
        for i in range(n_in):
            x = a[i]
            s0 += w0[i] * x
            s1 += w1[i] * x
            s2 += w2[i] * x
            s3 += w3[i] * x
            s4 += w4[i] * x
            s5 += w5[i] * x
            s6 += w6[i] * x
            s7 += w7[i] * x
        out[j] = s0
        out[j + 1] = s1
        out[j + 2] = s2
        out[j + 3] = s3
        out[j + 4] = s4
        out[j + 5] = s5
        out[j + 6] = s6
        out[j + 7] = s7
        j += 8
    while j < n_out:
        row = w[j * n_in : (j + 1) * n_in]
        s = np.float32(0.0)
        for i in range(n_in):
            s += row[i] * a[i]
        out[j] = s
        j += 1


@njit(**OPTS)
def _matvec_t(w, d, g, n_in, n_out):
    """g = w^T d, eight rows at a time, last rows first: the forward pass has
    just swept them, so they are the ones still in cache."""
    for i in range(n_in):
        g[i] = 0.0
    j = n_out
    while j >= 8:
        j -= 8
        w0 = w[j * n_in : (j + 1) * n_in]
        w1 = w[(j + 1) * n_in : (j + 2) * n_in]
        w2 = w[(j + 2) * n_in : (j + 3) * n_in]
        w3 = w[(j + 3) * n_in : (j + 4) * n_in]
        w4 = w[(j + 4) * n_in : (j + 5) * n_in]
        w5 = w[(j + 5) * n_in : (j + 6) * n_in]
        w6 = w[(j + 6) * n_in : (j + 7) * n_in]
        w7 = w[(j + 7) * n_in : (j + 8) * n_in]
        d0, d1, d2, d3 = d[j], d[j + 1], d[j + 2], d[j + 3]
        d4, d5, d6, d7 = d[j + 4], d[j + 5], d[j + 6], d[j + 7]
        for i in range(n_in):
            g[i] += (w0[i] * d0 + w1[i] * d1 + w2[i] * d2 + w3[i] * d3) + (
                w4[i] * d4 + w5[i] * d5 + w6[i] * d6 + w7[i] * d7
            )
    while j > 0:
        j -= 1
        row = w[j * n_in : (j + 1) * n_in]
        dj = d[j]
        for i in range(n_in):
            g[i] += row[i] * dj


@njit(**OPTS)
def _apply_deferred(w, U, A, m, n_in, n_out):
    """w -= U[:m]^T A[:m]: m deferred rank-1 updates, eight per pass over a row
    while the row sits in L1."""
    for j in range(n_out):
        row = w[j * n_in : (j + 1) * n_in]
        t = 0
        while t + 8 <= m:
            c0, c1, c2, c3 = U[t, j], U[t + 1, j], U[t + 2, j], U[t + 3, j]
            c4, c5, c6, c7 = U[t + 4, j], U[t + 5, j], U[t + 6, j], U[t + 7, j]
            a0, a1, a2, a3 = A[t], A[t + 1], A[t + 2], A[t + 3]
            a4, a5, a6, a7 = A[t + 4], A[t + 5], A[t + 6], A[t + 7]
            for i in range(n_in):
                row[i] -= (c0 * a0[i] + c1 * a1[i] + c2 * a2[i] + c3 * a3[i]) + (
                    c4 * a4[i] + c5 * a5[i] + c6 * a6[i] + c7 * a7[i]
                )
            t += 8
        while t < m:
            c = U[t, j]
            at = A[t]
            for i in range(n_in):
                row[i] -= c * at[i]
            t += 1
