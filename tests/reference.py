"""A slow, independent reference for the training kernel: plain NumPy, float64,
one matrix per layer, written from the maths rather than from the kernel."""

import numpy as np

SLOPE = 0.01
OMEGA = 30.0


def activation(act, z, omega=OMEGA):
    """A hidden layer's activation of pre-activations z, and its derivative dA/dz."""
    if act == "leaky":
        return np.where(z >= 0, z, SLOPE * z), np.where(z >= 0, 1.0, SLOPE)
    if act == "relu":
        return np.maximum(z, 0.0), np.where(z > 0, 1.0, 0.0)
    if act == "tanh":
        return np.tanh(z), 1.0 - np.tanh(z) ** 2
    if act == "sine":
        return np.sin(omega * z), omega * np.cos(omega * z)
    raise ValueError(act)


def unflatten(params, sizes):
    """Flat float32 params -> list of (W, b) float64 copies, W as (fan_out, fan_in)."""
    layers, at = [], 0
    for fan_in, fan_out in zip(sizes, sizes[1:]):
        w = params[at : at + fan_in * fan_out].astype(np.float64).reshape(fan_out, fan_in)
        at += fan_in * fan_out
        b = params[at : at + fan_out].astype(np.float64)
        at += fan_out
        layers.append((w, b))
    return layers


def flatten(layers):
    return np.concatenate([np.concatenate([w.ravel(), b]) for w, b in layers])


def forward(layers, x, act="leaky", omega=OMEGA):
    """Pre-activations and activations of every layer for one input."""
    zs, acts = [], [np.asarray(x, np.float64)]
    for k, (w, b) in enumerate(layers):
        z = w @ acts[-1] + b
        zs.append(z)
        acts.append(z if k == len(layers) - 1 else activation(act, z, omega)[0])
    return zs, acts


def loss(layers, x, t, act="leaky", omega=OMEGA):
    return 0.5 * np.sum((forward(layers, x, act, omega)[1][-1] - t) ** 2)


def gradients(layers, x, t, act="leaky", omega=OMEGA):
    """d loss / d (W, b) for every layer, by backpropagation."""
    zs, acts = forward(layers, x, act, omega)
    delta = acts[-1] - t
    grads = [None] * len(layers)
    for k in range(len(layers) - 1, -1, -1):
        w, _ = layers[k]
        grads[k] = (np.outer(delta, acts[k]), delta.copy())
        if k > 0:
            delta = (w.T @ delta) * activation(act, zs[k - 1], omega)[1]
    return grads


def sgd(layers, X, Y, order, lrs, act="leaky", omega=OMEGA):
    """Per-sample SGD in the given order; returns new layers and summed squared error."""
    layers = [(w.copy(), b.copy()) for w, b in layers]
    total = 0.0
    for p in order:
        total += 2 * loss(layers, X[p], Y[p], act, omega)
        grads = gradients(layers, X[p], Y[p], act, omega)
        layers = [(w - lr * gw, b - lr * gb) for (w, b), (gw, gb), lr in zip(layers, grads, lrs)]
    return layers, total
