"""A perceptron: hidden widths, activation, flat float32 parameters, init, forward pass."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..config.spec import ACTS

IN, OUT = 2, 3  # (x, y) -> (r, g, b)
SLOPE = np.float32(0.01)  # leaky ReLU slope below zero


def param_count(hidden: tuple[int, ...], n_in: int = IN) -> int:
    sizes = (n_in, *hidden, OUT)
    return sum((a + 1) * b for a, b in zip(sizes, sizes[1:]))


def equal_params_width(params: int) -> int:
    """Width of one hidden layer on (x, y) with (about) `params` parameters."""
    # (IN + 1) * w + (w + 1) * OUT = P  =>  w = (P - OUT) / (IN + 1 + OUT)
    return max(1, round((params - OUT) / (IN + 1 + OUT)))


@dataclass
class Network:
    """Hidden widths, flat parameters, and per-layer learning rates."""

    hidden: tuple[int, ...]
    params: np.ndarray  # float32, weights then biases for each layer
    lrs: np.ndarray  # float32, one learning rate per layer
    act: str = "leaky"  # hidden layers' activation
    omega: float = 30.0  # sine's w0
    n_in: int = IN  # inputs: 2 coordinates, or an encoding's features

    @property
    def sizes(self) -> np.ndarray:
        return np.array((self.n_in, *self.hidden, OUT), dtype=np.int64)

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


def create(
    hidden: tuple[int, ...],
    lr: float,
    lr_scale: str,
    rng: np.random.Generator,
    act: str = "leaky",
    omega: float = 30.0,
    n_in: int = IN,
    raw: bool = True,
) -> Network:
    """A new network with hidden activation `act`, initialised by `init_params`;
    `raw`: its inputs are the coordinates themselves, not an encoding of them.

    lr_scale 'fan-in' gives layer l the rate lr/sqrt(fan_in + 1), as the seed
    author's code does; 'none' gives every layer lr, as the post reads.
    """
    sizes = (n_in, *hidden, OUT)
    params = init_params(sizes, rng, act, omega, raw)
    lrs = [lr / np.sqrt(fan_in + 1) if lr_scale == "fan-in" else lr for fan_in in sizes[:-1]]
    return Network(tuple(hidden), params, np.array(lrs, dtype=np.float32), act, omega, n_in)


def init_params(
    sizes: Sequence[int], rng: np.random.Generator, act: str = "leaky", omega: float = 30.0, raw: bool = True
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
    SIREN's first layer sees coordinates in [-1, 1]; `raw` ones here are in [0, 1],
    half that span, so their weights are drawn from +-2/fan_in: the same phases
    across the picture as SIREN's, 2.4 cycles per unit along an axis on average
    rather than 1.2 (as omega = 15 would). Encoded inputs (sin, cos) span [-1, 1].
    """
    if act not in ACTS:
        raise ValueError(f"unknown activation {act!r}; expected one of {', '.join(ACTS)}")
    parts = []
    for k, (fan_in, fan_out) in enumerate(zip(sizes, sizes[1:])):
        if act == "sine":
            bound = (2 if raw else 1) / fan_in if k == 0 else np.sqrt(6 / fan_in) / omega
            parts += [rng.uniform(-bound, bound, fan_out * fan_in), rng.uniform(-bound, bound, fan_out)]
        else:
            w = rng.normal(0.0, (1.0 if act == "tanh" else 0.3) / np.sqrt(fan_in), size=(fan_out, fan_in))
            parts += [w.ravel(), np.zeros(fan_out)]
    return np.concatenate(parts).astype(np.float32)


def activate(z: np.ndarray, act: str, omega: float) -> np.ndarray:
    """A hidden layer's output from its pre-activations (in place where it can)."""
    if act == "leaky":
        return np.maximum(z, SLOPE * z, out=z)
    if act == "relu":
        return np.maximum(z, 0, out=z)
    if act == "tanh":
        return np.tanh(z, out=z)
    return np.sin(np.float32(omega) * z)


def derivative(z: np.ndarray, a: np.ndarray, act: str, omega: float) -> np.ndarray:
    """d activation / d z, given pre-activations z (if kept) and outputs a."""
    if act == "leaky":
        return np.where(a >= 0, np.float32(1), SLOPE)
    if act == "relu":
        return (a > 0).astype(np.float32)
    if act == "tanh":
        return 1 - a * a
    return np.float32(omega) * np.cos(np.float32(omega) * z)


def forward(net: Network, x: np.ndarray) -> np.ndarray:
    """The network's (N, 3) outputs for (N, n_in) float32 inputs: matrix products."""
    layers = net.layers()
    for k, (w, b) in enumerate(layers):
        x = x @ w.T
        x += b
        if k < len(layers) - 1:
            x = activate(x, net.act, net.omega)
    return x
