"""Numba building blocks of the deep per-sample kernel (kernels.py): activations,
and a layer's updates over one slice of its rows."""

import math

import numpy as np
from numba import njit

from ..config.spec import ACTS
from ..nets.network import SLOPE
from .matvec import OPTS

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
def _backprop(w, b, a, delta, grad, n_in, n_out, lr):
    """For narrow layers: grad = w^T delta with the old w, then w -= lr delta a^T
    and b -= lr delta, in one sweep of w, four rows at a time."""
    for i in range(n_in):
        grad[i] = 0.0
    j = 0
    while j + 4 <= n_out:
        w0 = w[j * n_in : (j + 1) * n_in]
        w1 = w[(j + 1) * n_in : (j + 2) * n_in]
        w2 = w[(j + 2) * n_in : (j + 3) * n_in]
        w3 = w[(j + 3) * n_in : (j + 4) * n_in]
        d0, d1, d2, d3 = delta[j], delta[j + 1], delta[j + 2], delta[j + 3]
        e0, e1, e2, e3 = lr * d0, lr * d1, lr * d2, lr * d3
        for i in range(n_in):
            x = a[i]
            grad[i] += w0[i] * d0 + w1[i] * d1 + w2[i] * d2 + w3[i] * d3
            w0[i] -= e0 * x
            w1[i] -= e1 * x
            w2[i] -= e2 * x
            w3[i] -= e3 * x
        j += 4
    while j < n_out:
        row = w[j * n_in : (j + 1) * n_in]
        d = delta[j]
        e = lr * d
        for i in range(n_in):
            grad[i] += row[i] * d
            row[i] -= e * a[i]
        j += 1
    for j in range(n_out):
        b[j] -= lr * delta[j]


@njit(**OPTS)
def _update(w, b, a, delta, n_in, n_out, lr):
    """The first layer's update: no gradient flows into the inputs, so no w^T delta."""
    for j in range(n_out):
        row = w[j * n_in : (j + 1) * n_in]
        e = lr * delta[j]
        for i in range(n_in):
            row[i] -= e * a[i]
        b[j] -= e


@njit(**OPTS)
def _update2(w, b, a, delta, n_out, lr):
    """_update for two inputs (the coordinates), unrolled."""
    x0 = a[0]
    x1 = a[1]
    for j in range(n_out):
        e = lr * delta[j]
        w[2 * j] -= e * x0
        w[2 * j + 1] -= e * x1
        b[j] -= e


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
def _less_t(g, A, U, d, coef, m):
    """g -= sum_t A[t] (U[t] . d): a slice's share of the backward product with the
    current matrix, from the one with the stored matrix."""
    _dots(U, d, coef, m)
    for t in range(m):
        c = coef[t]
        at = A[t]
        for i in range(len(g)):
            g[i] -= c * at[i]
