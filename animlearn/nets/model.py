"""A model: a spec's input encoding, its network, and its optimizer's state."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, replace

import numpy as np

from ..config.settings import Settings
from ..config.spec import NetSpec, parse
from ..errors import AnimlearnError
from . import encoding, network, wide
from .encoding import Encoding
from .network import Network

PREDICT_FLOATS = 1 << 19  # activations per painting batch (2 MB): bounds memory, and stays in cache
WIDE_ROWS = 1024  # pixels per batch of wide.paint, which keeps no activations


@dataclass
class Model:
    spec: NetSpec
    net: Network  # the perceptron after the encoding
    enc: Encoding
    lr: float  # mini-batch optimizers' rate (per-sample sgd uses net.lrs)
    moments: np.ndarray  # the optimizer's: momentum's velocity, Adam's two moments; empty for sgd
    steps: int = 0
    halflife: float = 0.0  # epochs over which every rate halves; 0: they stay put

    @property
    def learnable(self) -> int:
        """Parameters, learnable encoding tables included."""
        return self.enc.learnable + len(self.net.params)

    @property
    def per_sample(self) -> bool:
        return self.spec.batch_size(1) == 1

    @property
    def name(self) -> str:
        return self.spec.label()

    def rate(self, epochs: float) -> float:
        """The factor on the starting rates after `epochs` of training."""
        return 0.5 ** (epochs / self.halflife) if self.halflife else 1.0

    def split(self, flat: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
        """Pairs of (learnable array, its part of `flat`), laid out [table, params]."""
        n = self.enc.learnable
        return [(self.enc.table, flat[:n]), (self.net.params, flat[n:])]

    def copy(self, moments: bool = True) -> Model:
        """The model as it is now, safe from the training threads; without
        `moments`, the optimizer's are shared, not copied (painting needs none)."""
        net = replace(self.net, params=self.net.params.copy())
        enc = replace(self.enc, table=self.enc.table.copy())
        return replace(self, net=net, enc=enc, moments=self.moments.copy() if moments else self.moments)

    def saved(self) -> tuple[dict, dict[str, np.ndarray]]:
        """What a checkpoint keeps: a JSON-able header and the learned arrays."""
        meta = {"spec": asdict(self.spec), "lrs": self.net.lrs.tolist(), "lr": self.lr, "steps": self.steps}
        meta["halflife"] = self.halflife
        arrays = {"params": self.net.params, "table": self.enc.table, "matrix": self.enc.matrix}
        return meta, dict(arrays, moments=self.moments)

    @classmethod
    def restored(cls, meta: dict, arrays: dict[str, np.ndarray], width: int, height: int) -> Model:
        """A saved model: its spec rebuilds the layout, the arrays fill it."""
        spec = NetSpec(**dict(meta["spec"], hidden=tuple(meta["spec"]["hidden"])))
        enc = encoding.make(spec, width, height, np.random.default_rng(0))
        enc.table, enc.matrix = arrays["table"], arrays["matrix"]
        lrs = np.array(meta["lrs"], np.float32)
        net = Network(spec.hidden, arrays["params"], lrs, spec.act, spec.omega, enc.dim)
        halflife = meta.get("halflife", spec.halflife or 0.0)  # older checkpoints: the spec's
        return cls(spec, net, enc, meta["lr"], arrays["moments"], meta["steps"], halflife)


MAX_PARAMS = 50_000_000  # 200 MB of float32, three times that with Adam's moments
MAX_FEATURE_BYTES = 1 << 30  # a fixed encoding is computed once for every pixel


def parameters(spec: NetSpec, width: int, height: int) -> int:
    """What the spec's network learns on a width x height picture, a grid's tables included."""
    count = network.param_count(spec.hidden, encoding.dim(spec))
    if spec.encoding == "grid":
        from . import grid

        count += grid.plan(width, height, spec.levels, spec.features, spec.cap).size
    return count


def check_size(spec: NetSpec, width: int, height: int) -> None:
    """Refuse, before allocating anything, a network too big for a laptop."""
    n_in = encoding.dim(spec)
    count = parameters(spec, width, height)
    if count > MAX_PARAMS:
        raise AnimlearnError(
            f"the {spec.text()} network has {count:,} parameters, more than {MAX_PARAMS:,}; "
            "use smaller layers" + (" or a cap" if spec.encoding == "grid" else "")
        )
    feature_bytes = 4 * width * height * n_in
    if spec.encoding != "grid" and feature_bytes > MAX_FEATURE_BYTES:
        raise AnimlearnError(
            f"the {spec.text()} network's {n_in:,} input features for {width * height:,} pixels need "
            f"{feature_bytes / 2**30:.1f} GB; use fewer features or a smaller --size"
        )


def build(
    spec: NetSpec,
    lr: float,
    lr_scale: str,
    width: int,
    height: int,
    rng: np.random.Generator,
    halflife: float = 0.0,
) -> Model:
    """A new model for a width x height picture; `lr`, `lr_scale` and `halflife` are the
    run's, used where the spec does not set its own (see NetSpec.learning_rate, decay)."""
    check_size(spec, width, height)
    rate = spec.learning_rate(lr)
    scale = (spec.lr_scale or lr_scale) if spec.optimizer == "sgd" else "none"
    net = network.create(
        spec.hidden,
        rate,
        scale,
        rng,
        act=spec.act,
        omega=spec.omega,
        n_in=encoding.dim(spec),
        raw=spec.encoding == "raw",
    )
    enc = encoding.make(spec, width, height, rng)
    size = {"sgd": 0, "momentum": 1, "adam": 2}[spec.optimizer] * (enc.learnable + len(net.params))
    return Model(spec, net, enc, rate, np.zeros(size, np.float32), halflife=spec.decay(halflife))


def lineup(s: Settings, width: int, height: int) -> tuple[list[Model], int]:
    """The run's models (the --shallow one first, if any) and the seed of its pixel order.

    Each draws from its own seed stream, so a network and the order are the same
    whether or not others train beside it.
    """
    specs = [parse(text) for text in s.nets] or [NetSpec(hidden=s.hidden)]
    streams = np.random.SeedSequence(s.seed).spawn(2 + len(specs))
    own = [streams[1], *streams[3:]]  # stream 2 is the shallow net's

    def make(spec: NetSpec, stream: np.random.SeedSequence) -> Model:
        return build(spec, s.lr, s.lr_scale, width, height, np.random.default_rng(stream), s.halflife or 0.0)

    models = [make(spec, stream) for spec, stream in zip(specs, own)]
    if s.shallow:
        wide = s.shallow_width or network.equal_params_width(models[0].learnable)
        models.insert(0, make(NetSpec(hidden=(wide,)), streams[2]))
    return models, int(streams[0].generate_state(1)[0])


def predict(model: Model, coords: np.ndarray, threads: int = 1) -> np.ndarray:
    """The model's colours for (N, 2) float32 coordinates: (N, 3) float32. Batches of rows
    go to `threads` threads (numpy and the kernel let go of the GIL). The batches are the
    same for any number of threads, so the numbers are too: BLAS may round a row
    differently in a batch of another size (OpenBLAS on Zen 3 does)."""
    net = model.net
    kernel = wide.applies(net.sizes, net.act)
    rows = WIDE_ROWS if kernel else max(1, PREDICT_FLOATS // max(net.hidden + (model.enc.dim,)))
    out = np.empty((len(coords), network.OUT), dtype=np.float32)

    def batch(start: int) -> None:
        feats = encoding.encode(model.enc, coords[start : start + rows])
        if kernel:
            wide.paint(net.params, net.hidden[0], feats, out[start : start + rows])
        else:
            out[start : start + rows] = network.forward(net, feats)

    starts = range(0, len(coords), rows)
    if threads > 1 and len(starts) > 1:
        with ThreadPoolExecutor(min(threads, len(starts))) as pool:
            list(pool.map(batch, starts))
    else:
        for start in starts:
            batch(start)
    return out
