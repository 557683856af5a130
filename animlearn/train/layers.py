"""Numba building blocks of the deep per-sample kernel (kernels.py): activations,
and a layer's updates over one slice of its rows."""

import math

import numpy as np
from numba import njit

from ..config.spec import ACTS
from ..nets.network import SLOPE
from .matvec import OPTS, _matvec_t

# An activation's code is its index in ACTS: leaky (z if z >= 0 else SLOPE z),
# relu (max(z, 0)), tanh, sine (SIREN: sin(omega z)).
LEAKY, RELU, TANH, SINE = range(len(ACTS))


@njit(**OPTS)
def _activate(z, slope, act, omega):
    """Applies activation `act` to the pre-activations `z` in place and stores its
    derivative at each z in `slope`. Multiplying by the derivative (rather than
    selecting 0) keeps a NaN a NaN, for the trainer to see."""
    one, zero = np.float32(1.0), np.float32(0.0)
    if act == LEAKY:
        for j in range(len(z)):
            s = one if z[j] >= 0 else SLOPE
            slope[j] = s
            z[j] *= s
    elif act == RELU:
        for j in range(len(z)):
            s = one if z[j] > 0 else zero
            slope[j] = s
            z[j] *= s
    elif act == TANH:
        for j in range(len(z)):
            t = math.tanh(z[j])
            slope[j] = one - t * t
            z[j] = t
    else:  # SINE
        for j in range(len(z)):
            x = omega * z[j]
            slope[j] = omega * math.cos(x)
            z[j] = math.sin(x)


@njit(**OPTS)
def _backprop(w, a, delta, grad, n_in, n_out, lr, c0, c1):
    """For narrow layers, over columns c0:c1: grad = w^T delta with the old w, then
    w -= lr delta a^T, in one sweep of w, four rows at a time."""
    g, x = grad[c0:c1], a[c0:c1]
    n = c1 - c0
    for i in range(n):
        g[i] = 0.0
    j = 0
    while j + 4 <= n_out:
        w0 = w[j * n_in + c0 : j * n_in + c1]
        w1 = w[(j + 1) * n_in + c0 : (j + 1) * n_in + c1]
        w2 = w[(j + 2) * n_in + c0 : (j + 2) * n_in + c1]
        w3 = w[(j + 3) * n_in + c0 : (j + 3) * n_in + c1]
        d0, d1, d2, d3 = delta[j], delta[j + 1], delta[j + 2], delta[j + 3]
        e0, e1, e2, e3 = lr * d0, lr * d1, lr * d2, lr * d3
        for i in range(n):
            xi = x[i]
            g[i] += w0[i] * d0 + w1[i] * d1 + w2[i] * d2 + w3[i] * d3
            w0[i] -= e0 * xi
            w1[i] -= e1 * xi
            w2[i] -= e2 * xi
            w3[i] -= e3 * xi
        j += 4
    while j < n_out:
        row = w[j * n_in + c0 : j * n_in + c1]
        d = delta[j]
        e = lr * d
        for i in range(n):
            g[i] += row[i] * d
            row[i] -= e * x[i]
        j += 1


@njit(**OPTS)
def _update(w, a, delta, n_in, n_out, lr):
    """The first layer's update: no gradient flows into the inputs, so no w^T delta."""
    for j in range(n_out):
        row = w[j * n_in : (j + 1) * n_in]
        e = lr * delta[j]
        for i in range(n_in):
            row[i] -= e * a[i]


@njit(**OPTS)
def _update2(w, a, delta, n_out, lr):
    """_update for two inputs (the coordinates), unrolled."""
    x0 = a[0]
    x1 = a[1]
    for j in range(n_out):
        e = lr * delta[j]
        w[2 * j] -= e * x0
        w[2 * j + 1] -= e * x1


@njit(**OPTS)
def _dots(A, a, coef, m):
    """coef[t] = A[t] . a for the m deferred inputs."""
    for t in range(m):
        s = np.float32(0.0)
        at = A[t]
        for i in range(len(a)):
            s += at[i] * a[i]
        coef[t] = s


@njit(**OPTS)
def _less(out, U, coef, m):
    """out -= sum_t coef[t] U[t]: a forward product with a slice's stored rows turned
    into one with its current rows (U: the slice's deferred updates)."""
    for t in range(m):
        c = coef[t]
        ut = U[t]
        for j in range(len(out)):
            out[j] -= c * ut[j]


@njit(**OPTS)
def _less_t(g, A, coef, m, c0, c1):
    """g[c0:c1] -= sum_t A[t, c0:c1] coef[t], coef[t] = U[t] . d: a slice's share of
    the backward product with the current matrix, from the one with the stored matrix
    (U: the slice's deferred updates, d: its deltas)."""
    gw = g[c0:c1]
    for t in range(m):
        c = coef[t]
        at = A[t, c0:c1]
        for i in range(c1 - c0):
            gw[i] -= c * at[i]


@njit(**OPTS)
def _grad(w, a, d, g, A, coef, m, lazy, n_in, n_out, lr, c0, c1):
    """A slice's part of W^T d over columns c0:c1 into g: from the stored rows less the
    deferred updates in a wide layer, else from the rows as they are, updating them."""
    if c0 == c1:
        return
    if lazy:
        _matvec_t(w, d, g, n_in, n_out, c0, c1)
        _less_t(g, A, coef, m, c0, c1)
    else:
        _backprop(w, a, d, g, n_in, n_out, lr, c0, c1)
