"""Numba kernels: per-sample SGD over flat float32 arrays.

A network is one flat float32 array `params` plus `sizes` = [2, h1, ..., hk, 3].
Layer l holds a weight matrix (sizes[l+1] x sizes[l], row-major) followed by its
biases; `layout(sizes)` gives where each starts. Hidden layers are leaky ReLU,
the output is linear, the loss per sample is 0.5 * ||y - t||^2.
"""

import numpy as np
from numba import njit

SLOPE = np.float32(0.01)

# Reassociation lets LLVM vectorise the inner loops; no 'nnan'/'ninf', so a
# diverging network still produces NaN/inf that the trainer can see.
FAST = {"reassoc", "contract", "nsz", "arcp"}
OPTS = dict(cache=True, nogil=True, fastmath=FAST)


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
def _dense(w, b, a, out, n_in, n_out, leaky):
    """out = w @ a + b (then leaky ReLU), four rows at a time so each a[i] is
    loaded once for four rows."""
    j = 0
    while j + 4 <= n_out:
        w0 = w[j * n_in : (j + 1) * n_in]
        w1 = w[(j + 1) * n_in : (j + 2) * n_in]
        w2 = w[(j + 2) * n_in : (j + 3) * n_in]
        w3 = w[(j + 3) * n_in : (j + 4) * n_in]
        s0 = s1 = s2 = s3 = np.float32(0.0)
        for i in range(n_in):
            x = a[i]
            s0 += w0[i] * x
            s1 += w1[i] * x
            s2 += w2[i] * x
            s3 += w3[i] * x
        out[j] = s0 + b[j]
        out[j + 1] = s1 + b[j + 1]
        out[j + 2] = s2 + b[j + 2]
        out[j + 3] = s3 + b[j + 3]
        j += 4
    while j < n_out:
        row = w[j * n_in : (j + 1) * n_in]
        s = np.float32(0.0)
        for i in range(n_in):
            s += row[i] * a[i]
        out[j] = s + b[j]
        j += 1
    if leaky:
        for j in range(n_out):
            if out[j] < 0:
                out[j] *= SLOPE


@njit(**OPTS)
def _dense2(w, b, a, out, n_out):
    """The first layer, from the two coordinates: vectorised over its units."""
    x0 = a[0]
    x1 = a[1]
    for j in range(n_out):
        s = w[2 * j] * x0 + w[2 * j + 1] * x1 + b[j]
        out[j] = s if s >= 0 else s * SLOPE


@njit(**OPTS)
def _backprop(w, b, a, delta, grad, n_in, n_out, lr):
    """grad = w^T delta with the old w, then w -= lr delta a^T and b -= lr delta,
    in one sweep of w, four rows at a time."""
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
def _update2(w, b, a, delta, n_out, lr):
    """The first layer's update; no gradient flows into the coordinates."""
    x0 = a[0]
    x1 = a[1]
    for j in range(n_out):
        e = lr * delta[j]
        w[2 * j] -= e * x0
        w[2 * j + 1] -= e * x1
        b[j] -= e


@njit(**OPTS)
def sgd_steps(params, sizes, lrs, X, Y, order, acts, delta, grad):
    """One SGD update per sample in `order`, in that order; returns the summed
    squared error (each sample's, before its update).

    `acts` holds sum(sizes) floats, `delta` and `grad` max(sizes) floats each:
    scratch space the caller owns, so the kernel allocates nothing per sample.
    """
    offsets = layout(sizes)
    n_layers = len(sizes) - 1
    starts = np.zeros(len(sizes) + 1, dtype=np.int64)
    for layer in range(len(sizes)):
        starts[layer + 1] = starts[layer] + sizes[layer]
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
            if n_in == 2 and layer < n_layers - 1:
                _dense2(w, b, a, out, n_out)
            else:
                _dense(w, b, a, out, n_in, n_out, layer < n_layers - 1)
        out = acts[starts[n_layers] : starts[n_layers + 1]]
        for j in range(sizes[n_layers]):
            d = out[j] - Y[p, j]
            delta[j] = d
            total += d * d
        # Backward: leaky ReLU's derivative is 1 where its output is >= 0, else SLOPE.
        for layer in range(n_layers - 1, -1, -1):
            n_in, n_out = sizes[layer], sizes[layer + 1]
            w = params[offsets[layer, 0] : offsets[layer, 1]]
            b = params[offsets[layer, 1] : offsets[layer, 1] + n_out]
            a = acts[starts[layer] : starts[layer + 1]]
            if layer > 0:
                _backprop(w, b, a, delta, grad, n_in, n_out, lrs[layer])
                for i in range(n_in):
                    delta[i] = grad[i] if a[i] >= 0 else grad[i] * SLOPE
            elif n_in == 2:
                _update2(w, b, a, delta, n_out, lrs[layer])
            else:
                _backprop(w, b, a, delta, grad, n_in, n_out, lrs[layer])
    return total
