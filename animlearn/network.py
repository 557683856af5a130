"""A network: its spec (hidden widths), its flat float32 parameters, init, save/load."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

IN, OUT = 2, 3  # (x, y) -> (r, g, b)
SLOPE = 0.01  # leaky ReLU slope below zero
# Hidden-layer activations, as kernels.ACTS (not imported: painting needs no Numba).
ACTS = ("leaky", "relu", "tanh", "sine")


def param_count(hidden: tuple[int, ...]) -> int:
    sizes = (IN, *hidden, OUT)
    return sum((a + 1) * b for a, b in zip(sizes, sizes[1:]))


def equal_params_width(hidden: tuple[int, ...]) -> int:
    """Width of one hidden layer with (about) as many parameters as `hidden`."""
    # (IN + 1) * w + (w + 1) * OUT = P  =>  w = (P - OUT) / (IN + 1 + OUT)
    return max(1, round((param_count(hidden) - OUT) / (IN + 1 + OUT)))


@dataclass
class Network:
    """Hidden widths, flat parameters, per-layer learning rates, and the hidden
    layers' activation (one of ACTS; omega is sine's frequency, sin(omega z))."""

    hidden: tuple[int, ...]
    params: np.ndarray  # float32, weights then biases for each layer
    lrs: np.ndarray  # float32, one learning rate per layer
    act: str = "leaky"
    omega: float = 30.0

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


def create(
    hidden: tuple[int, ...],
    lr: float,
    lr_scale: str,
    rng: np.random.Generator,
    act: str = "leaky",
    omega: float = 30.0,
) -> Network:
    """A new network with hidden activation `act`, initialised by `init_params`.

    lr_scale 'fan-in' gives layer l the rate lr/sqrt(fan_in + 1), as the seed
    author's code does; 'none' gives every layer lr, as the post reads.
    """
    sizes = (IN, *hidden, OUT)
    params = init_params(sizes, rng, act, omega)
    lrs = [lr / np.sqrt(fan_in + 1) if lr_scale == "fan-in" else lr for fan_in in sizes[:-1]]
    return Network(tuple(hidden), params, np.array(lrs, dtype=np.float32), act, omega)


def init_params(
    sizes: Sequence[int], rng: np.random.Generator, act: str = "leaky", omega: float = 30.0
) -> np.ndarray:
    """Flat float32 parameters for layer sizes (inputs, *hidden, outputs).

    leaky, relu: Gaussian weights with std 0.3/sqrt(fan_in), zero biases (the
    seed's init, drawn exactly as before); relu trains as leaky does with it.
    tanh: the same with std 1/sqrt(fan_in) (LeCun's). At 0.3/sqrt(fan_in) tanh
    stays near its linear part: 2 x 64 and 4 x 300 nets sat at a nearly linear
    fit of a smooth 40 x 30 picture (MSE 0.005 to 0.006) for all the 12 to 40
    epochs run, where std 1/sqrt(fan_in) reached 0.001 within 5.
    sine: SIREN's init (Sitzmann et al. 2020): the first layer uniform in
    +-1/fan_in, later ones in +-sqrt(6/fan_in)/omega, so omega z stays of order 1
    past the first layer. Biases are drawn from the same uniform as their layer's
    weights: zero first-layer biases would give every unit phase 0 at the origin.
    """
    if act not in ACTS:
        raise ValueError(f"unknown activation {act!r}; expected one of {', '.join(ACTS)}")
    parts = []
    for k, (fan_in, fan_out) in enumerate(zip(sizes, sizes[1:])):
        if act == "sine":
            bound = 1 / fan_in if k == 0 else np.sqrt(6 / fan_in) / omega
            parts += [rng.uniform(-bound, bound, fan_out * fan_in), rng.uniform(-bound, bound, fan_out)]
        else:
            w = rng.normal(0.0, (1.0 if act == "tanh" else 0.3) / np.sqrt(fan_in), size=(fan_out, fan_in))
            parts += [w.ravel(), np.zeros(fan_out)]
    return np.concatenate(parts).astype(np.float32)


def activate(a: np.ndarray, act: str, omega: float) -> None:
    """Applies hidden activation `act` to float32 pre-activations in place, as the
    training kernel does."""
    if act == "leaky":
        np.maximum(a, SLOPE * a, out=a)
    elif act == "relu":
        np.maximum(a, 0, out=a)
    elif act == "tanh":
        np.tanh(a, out=a)
    elif act == "sine":
        a *= np.float32(omega)
        np.sin(a, out=a)
    else:
        raise ValueError(f"unknown activation {act!r}; expected one of {', '.join(ACTS)}")


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
                activate(a, net.act, net.omega)
        out[start : start + rows] = a
    return out
