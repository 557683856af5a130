"""Painting a 2 -> n -> 3 leaky ReLU net, the seed's shallow one, in a Numba kernel.

numpy's products would write its hidden layer, n wide (45,450 for the seed's), to
memory and read it back for every batch of pixels: 55-70 µs a pixel. Here a pixel's
hidden units live only in registers, and four pixels share each pass over the
weights. The sums run in one fixed order per pixel, whatever its batch.
"""

import numpy as np
from numba import njit

from .jit import OPTS
from .network import SLOPE

PIXELS = 4  # pixels per pass over the weights


def applies(sizes: np.ndarray, act: str) -> bool:
    """Whether a net is 2 -> n -> 3 with leaky ReLU: the kernel's (and training's fused) shape."""
    return len(sizes) == 3 and sizes[0] == 2 and sizes[2] == 3 and act == "leaky"


@njit(**OPTS)
def _four(wx, wy, b, wr, wg, wb, c, X, out):
    """out[:4] = the colours of the four pixels X[:4]; c: the output biases."""
    x0, y0, x1, y1 = X[0, 0], X[0, 1], X[1, 0], X[1, 1]
    x2, y2, x3, y3 = X[2, 0], X[2, 1], X[3, 0], X[3, 1]
    one = np.float32(1.0)
    r0 = g0 = b0 = r1 = g1 = b1 = r2 = g2 = b2 = r3 = g3 = b3 = np.float32(0.0)
    for j in range(len(b)):
        h0 = wx[j] * x0 + wy[j] * y0 + b[j]
        h1 = wx[j] * x1 + wy[j] * y1 + b[j]
        h2 = wx[j] * x2 + wy[j] * y2 + b[j]
        h3 = wx[j] * x3 + wy[j] * y3 + b[j]
        h0 *= one if h0 >= 0 else SLOPE  # a NaN stays a NaN
        h1 *= one if h1 >= 0 else SLOPE
        h2 *= one if h2 >= 0 else SLOPE
        h3 *= one if h3 >= 0 else SLOPE
        r0, g0, b0 = r0 + wr[j] * h0, g0 + wg[j] * h0, b0 + wb[j] * h0
        r1, g1, b1 = r1 + wr[j] * h1, g1 + wg[j] * h1, b1 + wb[j] * h1
        r2, g2, b2 = r2 + wr[j] * h2, g2 + wg[j] * h2, b2 + wb[j] * h2
        r3, g3, b3 = r3 + wr[j] * h3, g3 + wg[j] * h3, b3 + wb[j] * h3
    out[0, 0], out[0, 1], out[0, 2] = r0 + c[0], g0 + c[1], b0 + c[2]
    out[1, 0], out[1, 1], out[1, 2] = r1 + c[0], g1 + c[1], b1 + c[2]
    out[2, 0], out[2, 1], out[2, 2] = r2 + c[0], g2 + c[1], b2 + c[2]
    out[3, 0], out[3, 1], out[3, 2] = r3 + c[0], g3 + c[1], b3 + c[2]


@njit(**OPTS)
def paint(params, n, X, out):
    """out = the colours of the (N, 2) float32 inputs X: (N, 3) float32. `params` is the
    flat layout of network.Network: W1 (n x 2), b1, W2 (3 x n), b2."""
    wx = params[0 : 2 * n : 2].copy()  # each input's weights contiguous, to vectorise
    wy = params[1 : 2 * n : 2].copy()
    b = params[2 * n : 3 * n]
    wr, wg, wb = params[3 * n : 4 * n], params[4 * n : 5 * n], params[5 * n : 6 * n]
    c = params[6 * n : 6 * n + 3]
    tail = len(X) % PIXELS
    whole = len(X) - tail
    for p in range(0, whole, PIXELS):
        _four(wx, wy, b, wr, wg, wb, c, X[p : p + PIXELS], out[p : p + PIXELS])
    if tail:  # the last few pixels, padded to four
        X4, out4 = np.zeros((PIXELS, 2), np.float32), np.empty((PIXELS, 3), np.float32)
        X4[:tail] = X[whole:]
        _four(wx, wy, b, wr, wg, wb, c, X4, out4)
        out[whole:] = out4[:tail]
