"""Numba kernels: per-sample SGD over flat float32 arrays.

A network is one flat float32 array `params` plus `sizes` = [n_in, h1, ..., hk, n_out]
(n_in = 2 for raw (x, y) coordinates, more for encoded inputs). Layer l holds a
weight matrix (sizes[l+1] x sizes[l], row-major) followed by its biases;
`layout(sizes)` gives where each starts. Hidden layers use one activation from
ACTS, the output is linear, the loss per sample is 0.5 * ||y - t||^2.

Speed comes from memory traffic, not arithmetic: a 4 x 300 net is 1.09 MB of
weights, streamed from L2/L3 at each sweep. Every sample needs two sweeps of each
matrix (W a forward, W^T delta backward, one after the other), so the kernel
avoids a third one:
- Wide layers defer their rank-1 updates. For up to LAZY samples a layer keeps
  W = W_stored - sum_t u_t a_t^T with u_t = lr delta_t: products with W are a
  read-only product with W_stored plus a small correction, and the deferred
  updates are applied in one pass, in cache, every LAZY samples.
- A leaky ReLU net with one hidden layer and two inputs does sample k's backward
  pass and sample k+1's forward pass in a single sweep over its hidden units
  (shallow.py).
Both are the same per-sample SGD, one update per sample in order; only the
float32 summation order differs.
"""

import math

import numpy as np
from numba import njit

from ..config.spec import ACTS
from ..nets.network import SLOPE
from .matvec import OPTS, _apply_deferred, _correct, _matvec, _matvec_t
from .shallow import sgd_shallow

# An activation's code is its index in ACTS: leaky (z if z >= 0 else SLOPE z),
# relu (max(z, 0)), tanh, sine (SIREN: sin(omega z)).
LEAKY, RELU, TANH, SINE = range(len(ACTS))
LAZY = 16  # samples a wide layer's updates are deferred for
WIDE = 16  # layers at least this wide on both sides defer their updates


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
def sgd_steps(params, sizes, lrs, X, Y, order, acts, delta, grad, act, omega):
    """One SGD update per sample in `order`, in that order; returns the summed
    squared error (each sample's, before its update).

    X is (N, sizes[0]) and Y (N, sizes[-1]), float32. Hidden layers use activation
    ACTS[act]; `omega` is sine's frequency (sin(omega z)), unused by the others.
    `acts` holds sum(sizes) floats, `delta` and `grad` max(sizes) floats each:
    scratch space the caller owns, so the kernel allocates nothing per sample
    (per call, it allocates the deferred updates and the activations' derivatives).
    On return every deferred update has been applied to `params`.
    """
    if act < 0 or act >= len(ACTS):
        raise ValueError("act is not an index into ACTS")
    n_layers = len(sizes) - 1
    if len(order) == 0:
        return 0.0
    # The fused sweep reads leaky ReLU's derivative off its output: keeping
    # derivatives in an array, as below, measured 10 to 25% slower at 1 x 45450.
    if n_layers == 2 and sizes[0] == 2 and sizes[2] == 3 and act == LEAKY:
        return sgd_shallow(params, sizes, lrs, X, Y, order, acts, delta)
    freq = np.float32(omega)
    # Each hidden unit's activation derivative, from its forward pass to its backward one
    # (sine's cannot be recovered from its output).
    slopes = np.empty(acts.size, dtype=np.float32)
    offsets = layout(sizes)
    starts = np.zeros(len(sizes) + 1, dtype=np.int64)
    for layer in range(len(sizes)):
        starts[layer + 1] = starts[layer] + sizes[layer]
    # Deferred updates of wide layers: u_t = lr delta_t in U, a_t in A, LAZY rows each.
    lazy = np.zeros(n_layers, dtype=np.bool_)
    u_at = np.zeros(n_layers, dtype=np.int64)
    a_at = np.zeros(n_layers, dtype=np.int64)
    room = 0
    for layer in range(n_layers):
        n_in, n_out = sizes[layer], sizes[layer + 1]
        lazy[layer] = n_in >= WIDE and n_out >= WIDE
        if lazy[layer]:
            u_at[layer] = room
            a_at[layer] = room + LAZY * n_out
            room += LAZY * (n_in + n_out)
    deferred = np.empty(room, dtype=np.float32)
    coef = np.empty(LAZY, dtype=np.float32)
    m = 0  # updates deferred so far
    total = 0.0
    for k in range(len(order)):
        p = order[k]
        for i in range(sizes[0]):
            acts[i] = X[p, i]
        # Forward, keeping every layer's output for backprop.
        for layer in range(n_layers):
            n_in, n_out = sizes[layer], sizes[layer + 1]
            w = params[offsets[layer, 0] : offsets[layer, 1]]
            b = params[offsets[layer, 1] : offsets[layer, 1] + n_out]
            a = acts[starts[layer] : starts[layer + 1]]
            out = acts[starts[layer + 1] : starts[layer + 2]]
            if n_in == 2:
                for j in range(n_out):
                    out[j] = w[2 * j] * a[0] + w[2 * j + 1] * a[1]
            else:
                _matvec(w, a, out, n_in, n_out)
            if lazy[layer]:
                U = deferred[u_at[layer] : a_at[layer]].reshape(LAZY, n_out)
                A = deferred[a_at[layer] : a_at[layer] + LAZY * n_in].reshape(LAZY, n_in)
                _correct(out, U, A, a, coef, m, n_out)
            for j in range(n_out):
                out[j] += b[j]
            if layer < n_layers - 1:
                _activate(out, slopes[starts[layer + 1] : starts[layer + 2]], act, freq)
        out = acts[starts[n_layers] : starts[n_layers + 1]]
        for j in range(sizes[n_layers]):
            d = out[j] - Y[p, j]
            delta[j] = d
            total += d * d
        # Backward: delta of a hidden layer = (w^T delta of the layer above) * slopes.
        for layer in range(n_layers - 1, -1, -1):
            n_in, n_out = sizes[layer], sizes[layer + 1]
            w = params[offsets[layer, 0] : offsets[layer, 1]]
            b = params[offsets[layer, 1] : offsets[layer, 1] + n_out]
            a = acts[starts[layer] : starts[layer + 1]]
            lr = lrs[layer]
            if lazy[layer]:
                U = deferred[u_at[layer] : a_at[layer]].reshape(LAZY, n_out)
                A = deferred[a_at[layer] : a_at[layer] + LAZY * n_in].reshape(LAZY, n_in)
                if layer > 0:
                    _matvec_t(w, delta, grad, n_in, n_out)
                    _correct(grad, A, U, delta[:n_out], coef, m, n_in)
                for j in range(n_out):
                    U[m, j] = lr * delta[j]
                    b[j] -= lr * delta[j]
                A[m, :] = a
            elif layer == 0 and n_in == 2:
                _update2(w, b, a, delta, n_out, lr)
            elif layer == 0:
                _update(w, b, a, delta, n_in, n_out, lr)
            else:
                _backprop(w, b, a, delta, grad, n_in, n_out, lr)
            if layer > 0:
                slope = slopes[starts[layer] : starts[layer + 1]]
                for i in range(n_in):
                    delta[i] = grad[i] * slope[i]
        m += 1
        if m == LAZY or k == len(order) - 1:
            for layer in range(n_layers):
                if lazy[layer]:
                    n_in, n_out = sizes[layer], sizes[layer + 1]
                    U = deferred[u_at[layer] : a_at[layer]].reshape(LAZY, n_out)
                    A = deferred[a_at[layer] : a_at[layer] + LAZY * n_in].reshape(LAZY, n_in)
                    _apply_deferred(params[offsets[layer, 0] : offsets[layer, 1]], U, A, m, n_in, n_out)
            m = 0
    return total
