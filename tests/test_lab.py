"""The lab: network specs, encodings, mini-batch optimizers, several networks at once."""

import math

import numpy as np
import pytest
import reference

from animlearn.config import settings, spec
from animlearn.config.spec import NetSpec
from animlearn.errors import AnimlearnError
from animlearn.nets import encoding, model
from animlearn.train import optim
from animlearn.train.trainer import Trainer


def test_specs_parse_and_print_back():
    s = spec.parse("3x256:relu:fourier=256:sigma=10:adam")
    assert (s.hidden, s.act, s.encoding, s.frequencies, s.sigma, s.optimizer) == (
        (256,) * 3,
        "relu",
        "fourier",
        256,
        10.0,
        "adam",
    )
    assert spec.parse("1x45450:lr=0.01").lr == 0.01
    assert spec.parse("256,128:tanh").hidden == (256, 128)
    assert spec.parse("2x64:grid:adam:cap=2^14").cap == 16384
    for text in ["4x300", "3x256:relu:fourier=256:adam", "2x64:relu:grid=8:cap=16384:adam:batch=1024"]:
        assert spec.parse(spec.parse(text).text()) == spec.parse(text)
    assert NetSpec().label() == "4 × 300"
    assert spec.parse("3x256:sine:adam").label() == "3 × 256 sine · adam"
    assert spec.parse("3x256:relu:fourier=256:adam").label() == "3 × 256 relu · fourier 256 σ 10 · adam"


@pytest.mark.parametrize(
    "text, lr",
    [
        ("4x256:sine:adam", 1e-4),
        ("4x256:adam", 3e-3),
        ("4x256:relu:adam", 3e-3),
        ("4x256:tanh:adam", 3e-3),
        ("3x256:tanh:fourier=256:adam", 1e-3),
        ("3x256:relu:fourier=256:adam", 1e-3),
        ("3x256:relu:posenc=8:adam", 1e-3),
        ("2x64:relu:grid=8:adam", 1e-2),
        ("2x64:sine:grid=8:adam", 1e-2),
        ("4x256:sine:adam:lr=1e-3", 1e-3),
        ("4x256:sine:momentum", 0.2),
        ("4x300", 0.1),
    ],
)
def test_default_learning_rates_follow_activation_and_encoding(text, lr):
    assert spec.parse(text).learning_rate(0.1) == lr


@pytest.mark.parametrize(
    "text, problem",
    [
        ("4y300", "is not layers"),
        ("0x300", "is not layers"),
        ("4x300:swish", "unknown option"),
        ("4x300:lr=-1", "lr='-1' must be a number above 0"),
        ("4x300:batch=abc", "batch='abc' must be a whole number"),
        ("4x300:sigma", "needs a value"),
        ("2x64:grid", "add :adam"),
        ("2x64:adam:lr-scale=none", "per-sample sgd only"),
    ],
)
def test_bad_specs_say_what_is_wrong_and_show_examples(text, problem):
    with pytest.raises(AnimlearnError, match=problem) as e:
        spec.parse(text)
    assert "e.g. 4x300" in str(e.value) and "\n" not in str(e.value)


def test_halflife_0_is_a_constant_learning_rate_as_the_spec_table_says():
    constant = model.build(spec.parse("4x300:halflife=0"), 0.3, "fan-in", 8, 8, np.random.default_rng(0), 10)
    assert constant.rate(100) == 1.0 and constant.spec.text() == "4x300:halflife=0"
    halves = model.build(spec.parse("4x300:halflife=10"), 0.3, "fan-in", 8, 8, np.random.default_rng(0))
    assert halves.rate(20) == pytest.approx(0.25)
    with pytest.raises(AnimlearnError, match="halflife='-1' must be a number 0 or above"):
        spec.parse("4x300:halflife=-1")


def test_the_runs_halflife_decays_sgd_nets_without_their_own():
    s = settings.resolve(epochs=100, nets=("4x300", "4x300:halflife=0", "2x64:relu:adam"))
    models, _ = model.lineup(s, 8, 8)
    assert s.halflife == 25  # a quarter of the epochs
    assert [m.rate(50) for m in models] == pytest.approx([0.25, 1.0, 1.0])
    assert models[0].name == "4 × 300"  # the run's rate and decay, like its --lr, are not in titles
    assert settings.resolve("seed").halflife == 0 and settings.resolve(halflife=10).halflife == 10
    with pytest.raises(AnimlearnError, match="--halflife -1: must be a number 0 or more"):
        settings.resolve(halflife=-1)


def test_fourier_and_positional_features_follow_their_formulas():
    rng = np.random.default_rng(0)
    coords = rng.random((5, 2), dtype=np.float32)
    enc = encoding.make(spec.parse("2x8:fourier=3:sigma=2"), 10, 10, rng)
    angles = 2 * np.pi * coords.astype(np.float64) @ enc.matrix
    want = np.concatenate([np.sin(angles), np.cos(angles)], axis=1)
    np.testing.assert_allclose(encoding.encode(enc, coords), want, atol=2e-5)
    # The frequencies are N(0, sigma^2): n of them estimate sigma within a standard error of
    # sigma / sqrt(2n) (1.1% for 4096), and their mean within sigma / sqrt(n); allow 3 of each.
    n = 2 * 2048
    freqs = encoding.make(spec.parse("2x8:fourier=2048:sigma=2"), 10, 10, rng).matrix
    assert freqs.size == n and freqs.std() == pytest.approx(2, rel=3 / np.sqrt(2 * n))
    assert abs(freqs.mean()) < 3 * 2 / np.sqrt(n)
    enc = encoding.make(spec.parse("2x8:posenc=2"), 10, 10, rng)
    x, y = coords[:, :1].astype(np.float64), coords[:, 1:].astype(np.float64)
    # Columns in the order a trained network's first layer expects: x and y, then the sines
    # of x's octaves (low to high) and of y's, then the cosines in the same order.
    ang = np.concatenate([np.pi * x, 2 * np.pi * x, np.pi * y, 2 * np.pi * y], axis=1)
    want = np.concatenate([x, y, np.sin(ang), np.cos(ang)], axis=1)
    np.testing.assert_allclose(encoding.encode(enc, coords), want, atol=2e-5)


def small(text, seed=0):
    return model.build(spec.parse(text), 0.1, "fan-in", 16, 16, np.random.default_rng(seed))


def test_a_batch_gradient_is_the_mean_of_the_reference_per_sample_gradients():
    m = small("6,5:sgd:batch=8")
    rng = np.random.default_rng(1)
    X, Y = rng.random((8, 2), dtype=np.float32), rng.random((8, 3), dtype=np.float32)
    total, grad = optim._gradients(m, X, X, Y, 1 / 8)
    layers = reference.unflatten(m.net.params, m.net.sizes)
    want = [reference.gradients(layers, x, t) for x, t in zip(X, Y)]
    mean = reference.flatten(
        [(sum(g[k][0] for g in want) / 8, sum(g[k][1] for g in want) / 8) for k in range(3)]
    )
    np.testing.assert_allclose(grad, mean, rtol=1e-4, atol=1e-6)
    assert total == pytest.approx(sum(2 * reference.loss(layers, x, t) for x, t in zip(X, Y)), rel=1e-5)


def test_adam_and_momentum_steps_match_their_textbook_formulas():
    for name in ("adam", "momentum"):
        m = small(f"4,3:{name}:lr=0.01")
        start = m.net.params.astype(np.float64).copy()
        grads = [np.random.default_rng(k).normal(size=m.learnable).astype(np.float32) for k in range(3)]
        p, a, b = start.copy(), np.zeros_like(start), np.zeros_like(start)
        for t, g in enumerate(grads, start=1):
            optim.update(m, g.copy())
            g = g.astype(np.float64)
            if name == "adam":
                a = optim.BETA1 * a + (1 - optim.BETA1) * g
                b = optim.BETA2 * b + (1 - optim.BETA2) * g * g
                p -= 0.01 * (a / (1 - optim.BETA1**t)) / (np.sqrt(b / (1 - optim.BETA2**t)) + optim.EPS)
            else:
                a = optim.MOMENTUM * a + g
                p -= 0.01 * a
        np.testing.assert_allclose(m.net.params, p, rtol=1e-4, atol=1e-6)


def smooth(n=24):
    rng = np.random.default_rng(3)
    coords = rng.random((n * n, 2), dtype=np.float32)
    colours = np.stack([coords[:, 0], coords[:, 1], 0.5 + 0.3 * np.sin(4 * coords[:, 0])], 1)
    return coords, colours.astype(np.float32)


@pytest.mark.parametrize(
    "text",
    [
        "3x32:relu:adam:batch=64",
        "2x32:tanh:momentum:batch=32",
        "2x32:fourier=16:sigma=2:adam:batch=64",
        "2x32:relu:posenc=3:sgd:batch=16",
        "2x32:sine:adam:batch=64:lr=1e-4",
    ],
)
def test_every_optimizer_and_encoding_learns(text):
    coords, colours = smooth()
    m = small(text)
    trainer = Trainer([m], coords, colours, seed=0)
    [[first]] = trainer.epoch_parts(1)
    for _ in range(15):
        [[last]] = trainer.epoch_parts(1)
    trainer.close()
    assert last < 0.5 * first and math.isfinite(last)


def test_mini_batch_training_is_deterministic_and_independent_of_threads():
    coords, colours = smooth(12)
    results = []
    for threads in (1, 2, 1):
        m = small("2x16:relu:adam:batch=32")
        stepper = optim.Stepper(m, coords, coords, colours, threads)
        import threading

        stepper.steps(np.random.default_rng(0).permutation(len(coords)), threading.Event())
        stepper.close()
        results.append(m.net.params)
    assert np.array_equal(results[0], results[1]) and np.array_equal(results[0], results[2])
