"""Specs say what they train: every spec the check lets through trains as it reads, and
every other one is refused before anything trains, with a one-line message."""

import itertools
import math

import numpy as np
import pytest

from animlearn.config import spec
from animlearn.errors import AnimlearnError
from animlearn.nets import model
from animlearn.train.trainer import Trainer

PIXELS = 16 * 16


def data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(1)
    coords = rng.random((PIXELS, 2), dtype=np.float32)
    return coords, np.stack([coords[:, 0], coords[:, 1], coords[:, 0] * coords[:, 1]], 1)


COMBINATIONS = [
    ":".join(part for part in ["2x8", *parts] if part)
    for parts in itertools.product(
        ["leaky", "sine"],
        ["raw", "fourier=4", "grid=2"],
        ["sgd", "momentum", "adam"],
        ["", "batch=1", "batch=16"],
    )
]


@pytest.mark.parametrize("text", COMBINATIONS)
def test_every_spec_the_check_lets_through_trains_as_it_reads(text):
    try:
        s = spec.parse(text)
    except AnimlearnError as e:
        assert "\n" not in str(e) and "e.g. 4x300" in str(e)
        return
    coords, colours = data()
    m = model.build(s, 0.1, "fan-in", 16, 16, np.random.default_rng(0))
    params, table = m.net.params.copy(), m.enc.table.copy()
    trainer = Trainer([m], coords, colours, seed=0, threads=1)
    [[loss]] = trainer.epoch_parts(1)
    trainer.close()
    assert math.isfinite(loss) and not np.array_equal(m.net.params, params)
    batch = s.batch_size(PIXELS)
    if "batch=" in text:
        assert batch == int(text.rsplit("batch=", 1)[1])
    # An optimizer with state keeps it (Adam: two moments, momentum: one) and counts its steps;
    # per-sample SGD has none; a grid's tables learn.
    moments = {"sgd": 0, "momentum": 1, "adam": 2}[s.optimizer] * m.learnable
    assert len(m.moments) == moments and (moments == 0 or np.any(m.moments))
    assert m.steps == (0 if batch == 1 else math.ceil(PIXELS / batch))
    assert batch > 1 or s.optimizer == "sgd"
    if s.encoding == "grid":
        assert not np.array_equal(m.enc.table, table)


@pytest.mark.parametrize(
    "text, problem",
    [
        ("2x64:relu:grid=4:adam:batch=1", "a grid learns its tables with mini-batches; give batch=2"),
        ("2x64:relu:grid=4", "a grid learns its tables with mini-batches; add :adam"),
        ("2x64:relu:adam:batch=1", "batch=1 trains by per-sample SGD, not adam"),
        ("2x64:momentum:batch=1", "batch=1 trains by per-sample SGD, not momentum"),
        ("4x300:sigma=3", "sigma applies to Fourier features only; add :fourier"),
        ("4x300:posenc:sigma=3", "sigma applies to Fourier features only"),
        ("4x300:relu:omega=10", "omega applies to the sine activation only; add :sine"),
        ("4x300:adam:cap=2^14", "cap applies to a grid only"),
        ("4x300:adam:features=4", "features applies to a grid only"),
        ("4x300:relu:tanh", "'relu' and 'tanh' both set the activation; keep one"),
        ("4x300:fourier:posenc", "'fourier' and 'posenc' both set the encoding"),
        ("4x300:sgd:adam", "'sgd' and 'adam' both set the optimizer"),
        ("4x300:lr=0.1:lr=0.2", "'lr=0.1' and 'lr=0.2' both set the lr"),
        ("4x300:posenc=2000", "posenc='2000' is past any use; give at most 24"),
        ("4x300:fourier:sigma=1e300", "sigma='1e300' is past any use"),
        ("4x300:sine:omega=1e300", "omega='1e300' is past any use"),
        ("2x64:grid:adam:cap=2^99", "cap='2^99' is past any use"),
    ],
)
def test_specs_that_would_train_otherwise_are_refused_in_one_line(text, problem):
    with pytest.raises(AnimlearnError) as e:
        spec.parse(text)
    assert problem in str(e.value) and "\n" not in str(e.value)


def test_the_options_that_need_another_are_kept_when_it_is_there():
    assert spec.parse("4x300:fourier:sigma=3").sigma == 3
    assert spec.parse("4x300:sine:omega=10").omega == 10
    assert spec.parse("2x64:grid:adam:cap=2^14:features=4").features == 4
    assert spec.parse("2x64:grid:sgd:batch=64").batch_size(10**6) == 64
    assert spec.parse("4x300:batch=1").batch_size(10**6) == 1
