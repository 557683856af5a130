"""Mini-batch training: forward and backward passes as matrix products (BLAS),
then SGD, SGD with momentum, or Adam.

The loss of a batch is the mean over its samples of 0.5 * ||y - t||^2. A batch is
split into fixed halves that run on two threads and whose gradients are summed
in a fixed order, so results do not depend on how many cores there are.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from ..nets import encoding
from ..nets.model import Model
from ..nets.network import activate, derivative

BETA1, BETA2, EPS = 0.9, 0.99, 1e-10  # Adam; beta2 and eps as Instant-NGP's
MOMENTUM = 0.9
SPLIT = 2  # a batch is cut in this many parts, each one thread's work


def _gradients(model: Model, feats: np.ndarray, coords: np.ndarray, y: np.ndarray, scale: float) -> tuple:
    """The summed squared error of one part of a batch and its gradient, scaled by
    `scale`, as one flat array laid out like [table, params]."""
    net, enc = model.net, model.enc
    layers = net.layers()
    acts, pres = [feats], []
    for k, (w, b) in enumerate(layers):
        z = acts[-1] @ w.T
        z += b
        pres.append(z)
        acts.append(z if k == len(layers) - 1 else activate(z, net.act, net.omega))
    err = acts[-1] - y
    total = float(np.einsum("ij,ij->", err, err, dtype=np.float64))
    grad = np.empty(model.learnable, np.float32)
    at = model.learnable
    delta = err * np.float32(scale)
    for k in range(len(layers) - 1, -1, -1):
        w, b = layers[k]
        at -= w.size + b.size
        np.matmul(delta.T, acts[k], out=grad[at : at + w.size].reshape(w.shape))
        grad[at + w.size : at + w.size + b.size] = delta.sum(axis=0)
        if k > 0:
            delta = (delta @ w) * derivative(pres[k - 1], acts[k], net.act, net.omega)
        elif enc.learnable:
            grad[: enc.learnable] = 0.0
            encoding.backward(enc, coords, delta @ w, grad[: enc.learnable])
    return total, grad


class Stepper:
    """Runs one network's mini-batches; owns its threads."""

    def __init__(
        self, model: Model, feats: np.ndarray, coords: np.ndarray, colours: np.ndarray, threads: int
    ):
        self.model = model
        self.feats = feats  # precomputed features, or None when the encoding learns
        self.coords = coords
        self.colours = colours
        self.pool = ThreadPoolExecutor(max_workers=threads) if threads > 1 else None

    def _part(self, idx: np.ndarray, scale: float) -> tuple:
        coords = self.coords[idx]
        feats = self.feats[idx] if self.feats is not None else encoding.encode(self.model.enc, coords)
        return _gradients(self.model, feats, coords, self.colours[idx], scale)

    def steps(self, order: np.ndarray, stop: threading.Event, at: float = 0.0) -> float:
        """Train on `order` in batches, `at` epochs into the run; returns the
        summed squared error."""
        size = self.model.spec.batch_size(len(self.coords))
        total = 0.0
        for start in range(0, len(order), size):
            if stop.is_set():
                break
            idx = order[start : start + size]
            parts = np.array_split(idx, SPLIT) if len(idx) >= 2 * SPLIT else [idx]
            scale = 1.0 / len(idx)
            if self.pool is not None and len(parts) > 1:
                results = list(self.pool.map(self._part, parts, [scale] * len(parts)))
            else:
                results = [self._part(p, scale) for p in parts]
            grad = results[0][1]
            for _, g in results[1:]:
                grad += g
            total += sum(r[0] for r in results)
            if not np.isfinite(total):
                break
            update(self.model, grad, self.model.rate(at + start / len(self.coords)))
        return total

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True)


def update(model: Model, grad: np.ndarray, factor: float = 1.0) -> None:
    """One optimizer step on [table, params] given the batch's mean gradient, with
    the learning rates scaled by `factor`."""
    spec = model.spec
    model.steps += 1
    lr = np.float32(model.lr * factor)
    if spec.optimizer == "adam":
        n = model.learnable
        m, v = model.moments[:n], model.moments[n:]
        m *= BETA1
        m += (1 - BETA1) * grad
        v *= BETA2
        grad *= grad
        v += (1 - BETA2) * grad
        t = model.steps
        step = lr * np.sqrt(1 - BETA2**t) / (1 - BETA1**t)
        np.sqrt(v, out=grad)
        grad += EPS
        np.divide(m, grad, out=grad)
        grad *= np.float32(step)
    elif spec.optimizer == "momentum":
        model.moments *= MOMENTUM
        model.moments += grad
        grad[:] = model.moments
        grad *= lr
    else:  # sgd: the network's per-layer rates (see network.create)
        at = model.enc.learnable
        grad[:at] *= lr
        for (w, b), layer_lr in zip(model.net.layers(), model.net.lrs):
            grad[at : at + w.size + b.size] *= layer_lr * np.float32(factor)
            at += w.size + b.size
    for array, part in model.split(grad):
        array -= part
