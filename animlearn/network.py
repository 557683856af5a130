"""A network: its spec (hidden widths), its flat float32 parameters, init, save/load."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

IN, OUT = 2, 3  # (x, y) -> (r, g, b)
SLOPE = 0.01  # leaky ReLU slope below zero


def param_count(hidden: tuple[int, ...]) -> int:
    sizes = (IN, *hidden, OUT)
    return sum((a + 1) * b for a, b in zip(sizes, sizes[1:]))


def equal_params_width(hidden: tuple[int, ...]) -> int:
    """Width of one hidden layer with (about) as many parameters as `hidden`."""
    # (IN + 1) * w + (w + 1) * OUT = P  =>  w = (P - OUT) / (IN + 1 + OUT)
    return max(1, round((param_count(hidden) - OUT) / (IN + 1 + OUT)))


@dataclass
class Network:
    """Hidden widths, flat parameters, and per-layer learning rates."""

    hidden: tuple[int, ...]
    params: np.ndarray  # float32, weights then biases for each layer
    lrs: np.ndarray  # float32, one learning rate per layer

    @property
    def sizes(self) -> np.ndarray:
        return np.array((IN, *self.hidden, OUT), dtype=np.int64)

    @property
    def name(self) -> str:
        """Panel title, e.g. '4 × 300' or '1 × 45450'."""
        widths = set(self.hidden)
        if len(widths) == 1:
            return f"{len(self.hidden)} × {self.hidden[0]}"
        return "-".join(str(w) for w in self.hidden)

    def layers(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """(W, b) views into `params`; W is (fan_out, fan_in)."""
        out, at = [], 0
        sizes = self.sizes
        for fan_in, fan_out in zip(sizes, sizes[1:]):
            w = self.params[at : at + fan_in * fan_out].reshape(fan_out, fan_in)
            at += fan_in * fan_out
            out.append((w, self.params[at : at + fan_out]))
            at += fan_out
        return out

    def is_finite(self) -> bool:
        return bool(np.isfinite(self.params).all())


def create(hidden: tuple[int, ...], lr: float, lr_scale: str, rng: np.random.Generator) -> Network:
    """Gaussian weights with std 0.3/sqrt(fan_in), zero biases (the seed's init).

    lr_scale 'fan-in' gives layer l the rate lr/sqrt(fan_in + 1), as the seed
    author's code does; 'none' gives every layer lr, as the post reads.
    """
    sizes = (IN, *hidden, OUT)
    parts, lrs = [], []
    for fan_in, fan_out in zip(sizes, sizes[1:]):
        w = rng.normal(0.0, 0.3 / np.sqrt(fan_in), size=(fan_out, fan_in))
        parts += [w.ravel(), np.zeros(fan_out)]
        lrs.append(lr / np.sqrt(fan_in + 1) if lr_scale == "fan-in" else lr)
    params = np.concatenate(parts).astype(np.float32)
    return Network(tuple(hidden), params, np.array(lrs, dtype=np.float32))


def predict(net: Network, coords: np.ndarray, batch: int = 1 << 22) -> np.ndarray:
    """The network's colours for (N, 2) float32 coordinates: (N, 3) float32.

    Batched matrix products; rows per batch keep the widest layer's activations
    near `batch` floats, so a 45,450-wide layer does not need gigabytes.
    """
    rows = max(1, batch // max(net.hidden + (OUT,)))
    layers = net.layers()
    out = np.empty((len(coords), OUT), dtype=np.float32)
    for start in range(0, len(coords), rows):
        a = coords[start : start + rows]
        for k, (w, b) in enumerate(layers):
            a = a @ w.T
            a += b
            if k < len(layers) - 1:
                np.maximum(a, SLOPE * a, out=a)
        out[start : start + rows] = a
    return out
