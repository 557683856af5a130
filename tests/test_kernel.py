"""The Numba kernel against the slow NumPy reference in tests/reference.py."""

import numpy as np
import pytest
import reference
from conftest import smooth_picture

from animlearn.config.spec import NetSpec, parse
from animlearn.errors import Diverged
from animlearn.io import target
from animlearn.nets import model, network
from animlearn.train import layers
from animlearn.train.meet import Stop
from animlearn.train.sgd import PerSample
from animlearn.train.trainer import Trainer


def run_flat(params, sizes, lrs, X, Y, order, act="leaky", omega=30.0, threads=1):
    net = network.Network(tuple(sizes[1:-1]), params, lrs, act, omega, int(sizes[0]))
    return run_kernel(net, X, Y, order, threads)


def run_kernel(net, X, Y, order, threads=1):
    stepper = PerSample(net, threads, Stop())
    try:
        return stepper.steps(X, Y, order, net.lrs)
    finally:
        stepper.close()


def lr_for(act):
    """0.1, but 0.001 for sine: sin(30 z) nets turn chaotic from about 0.003 on (weights
    in the hundreds after 300 steps), and chaos parts float32 runs from float64 ones."""
    return 0.001 if act == "sine" else 0.1


def data(n, seed=1):
    rng = np.random.default_rng(seed)
    return rng.random((n, 2), dtype=np.float32), rng.random((n, 3), dtype=np.float32)


# Widths cover the row blocks and their remainders, narrow layers updated at once,
# layers wide enough to defer their updates (>= kernels.WIDE on both sides, flushed
# every kernels.LAZY samples and at the end), and one-hidden-layer nets (fused sweep
# for leaky ReLU, the general path for the others).
@pytest.mark.parametrize("act", layers.ACTS)
@pytest.mark.parametrize("hidden", [(9, 6, 7), (8,), (4, 13), (50,), (20, 33, 17), (40, 24, 8)])
@pytest.mark.parametrize("lr_scale", ["fan-in", "none"])
def test_kernel_matches_reference_after_hundreds_of_updates(hidden, lr_scale, act):
    X, Y = data(40)
    net = network.create(hidden, lr_for(act), lr_scale, np.random.default_rng(0), act=act)
    start = net.params.copy()
    order = np.random.default_rng(2).integers(0, len(X), 300).astype(np.int64)
    ref, ref_total = reference.sgd(
        reference.unflatten(net.params, net.sizes), X, Y, order, net.lrs, act, net.omega
    )
    total = run_kernel(net, X, Y, order)
    np.testing.assert_allclose(net.params, reference.flatten(ref), rtol=1e-3, atol=2e-5)
    assert total == pytest.approx(ref_total, rel=1e-4)
    # The run changed the weights: the comparison above is not trivial.
    assert not np.allclose(net.params, start)


# Encoded inputs (sizes[0] = 24, not the 2 coordinates): a narrow first layer updated
# without a gradient into the inputs, a wide one with deferred updates, and one hidden
# layer (not the fused sweep, which is for 2 inputs).
@pytest.mark.parametrize("act", layers.ACTS)
@pytest.mark.parametrize("hidden", [(8, 6), (20, 17), (30,), (5,)])
def test_wide_inputs_match_reference(hidden, act):
    rng = np.random.default_rng(7)
    X = rng.uniform(-1, 1, (40, 24)).astype(np.float32)
    Y = rng.random((40, 3), dtype=np.float32)
    sizes = np.array((24, *hidden, 3), dtype=np.int64)
    params = network.init_params(sizes, rng, act, raw=False)
    start = params.copy()
    lrs = (lr_for(act) / np.sqrt(sizes[:-1] + 1)).astype(np.float32)
    order = rng.integers(0, len(X), 300).astype(np.int64)
    ref, ref_total = reference.sgd(reference.unflatten(params, sizes), X, Y, order, lrs, act)
    total = run_flat(params, sizes, lrs, X, Y, order, act)
    np.testing.assert_allclose(params, reference.flatten(ref), rtol=1e-3, atol=2e-5)
    assert total == pytest.approx(ref_total, rel=1e-4)
    first = slice(0, 24 * hidden[0])
    assert not np.allclose(params[first], start[first])


def test_chunked_calls_match_one_call():
    """Each call leaves every deferred update applied, so chunks resume exactly."""
    X, Y = data(64)
    order = np.random.default_rng(5).integers(0, len(X), 100).astype(np.int64)
    for hidden in [(24, 24), (30,)]:
        whole = network.create(hidden, 0.1, "fan-in", np.random.default_rng(0))
        parts = network.create(hidden, 0.1, "fan-in", np.random.default_rng(0))
        total = run_kernel(whole, X, Y, order)
        chunked = sum(run_kernel(parts, X, Y, order[at : at + 7]) for at in range(0, len(order), 7))
        np.testing.assert_allclose(parts.params, whole.params, rtol=1e-5, atol=1e-7)
        assert chunked == pytest.approx(total, rel=1e-5)
        assert run_kernel(parts, X, Y, order[:0]) == 0.0


@pytest.mark.parametrize("act", layers.ACTS)
def test_one_update_is_minus_lr_times_the_finite_difference_gradient(act):
    X, Y = data(1)
    lr = 1e-2
    net = network.create((6, 5), lr, "none", np.random.default_rng(3), act=act)
    net.params[:] += np.random.default_rng(4).normal(0, 0.05, net.params.shape).astype(np.float32)
    before = net.params.astype(np.float64)
    run_kernel(net, X, Y, np.array([0], np.int64))
    step = (before - net.params) / lr

    eps = 1e-6
    numeric = np.empty_like(before)
    for k in range(len(before)):
        hi, lo = before.copy(), before.copy()
        hi[k] += eps
        lo[k] -= eps
        f_hi = reference.loss(reference.unflatten(hi, net.sizes), X[0], Y[0], act, net.omega)
        f_lo = reference.loss(reference.unflatten(lo, net.sizes), X[0], Y[0], act, net.omega)
        numeric[k] = (f_hi - f_lo) / (2 * eps)
    np.testing.assert_allclose(step, numeric, rtol=2e-2, atol=2e-4)
    assert np.abs(numeric).max() > 1e-2


def test_layers_have_the_seed_init_and_fan_in_learning_rates():
    net = network.create((300, 300), 0.1, "fan-in", np.random.default_rng(0))
    (w1, b1), (w2, b2), (w3, b3) = net.layers()
    assert w1.shape == (300, 2) and w3.shape == (3, 300)
    assert np.std(w2) == pytest.approx(0.3 / np.sqrt(300), rel=0.02)
    assert not b1.any() and not b2.any() and not b3.any()
    np.testing.assert_allclose(net.lrs, [0.1 / np.sqrt(3), 0.1 / np.sqrt(301), 0.1 / np.sqrt(301)], rtol=1e-6)
    flat = network.create((300, 300), 0.1, "none", np.random.default_rng(0))
    np.testing.assert_allclose(flat.lrs, 0.1)


def test_sine_has_the_siren_init():
    net = network.create((300, 300), 0.1, "fan-in", np.random.default_rng(0), act="sine", omega=30.0)
    # SIREN's first layer, +-1/fan_in, is for coordinates in [-1, 1]; ours span [0, 1].
    for k, (w, b) in enumerate(net.layers()):
        bound = 2 / 2 if k == 0 else np.sqrt(6 / 300) / 30
        assert np.abs(w).max() > 0.9 * bound and b.any()
        assert max(np.abs(w).max(), np.abs(b).max()) <= bound * (1 + 1e-6)  # float32 rounding
    # Encoded inputs (sin and cos, in [-1, 1]) keep SIREN's +-1/fan_in.
    for text, bound in [("2x64:sine:adam", 2 / 2), ("2x64:sine:fourier=128:adam", 1 / 256)]:
        w, _ = model.build(parse(text), 0.1, "fan-in", 8, 8, np.random.default_rng(0)).net.layers()[0]
        assert 0.9 * bound < np.abs(w).max() <= bound * (1 + 1e-6)
    with pytest.raises(ValueError, match="unknown activation 'gelu'"):
        network.create((8,), 0.1, "fan-in", np.random.default_rng(0), act="gelu")


def test_sine_first_layer_spans_sirens_phases_on_our_coordinates():
    """omega W x over our [0, 1] coordinates varies as much as SIREN's over [-1, 1]:
    on average 2.4 cycles across the picture per unit and axis (Sitzmann et al. 2020)."""
    net = network.create((4096,), 0.1, "fan-in", np.random.default_rng(0), act="sine", omega=30.0)
    w, _ = net.layers()[0]
    cycles = net.omega * np.abs(w) * (1 - 0) / (2 * np.pi)  # our coordinates span [0, 1]
    siren = 30 * (1 / 4) * (1 - -1) / (2 * np.pi)  # mean |w| of U(+-1/2) is 1/4, over [-1, 1]
    assert cycles.mean() == pytest.approx(siren, rel=0.03)


@pytest.mark.parametrize("pixels", [1, 4, 50, 1027])
def test_a_wide_shallow_net_is_painted_as_the_reference_paints_it(pixels):
    """2 -> n -> 3 leaky nets are painted by a kernel (nets/wide.py), not numpy's products;
    any number of pixels, four at a time and a padded tail."""
    m = model.build(parse("1x300"), 0.1, "fan-in", 40, 30, np.random.default_rng(0))
    net = m.net
    net.params[:] = np.random.default_rng(1).normal(0, 0.3, net.params.shape)  # units on both sides of 0
    coords = data(pixels, seed=3)[0]
    layers_ = reference.unflatten(net.params, net.sizes)
    want = [reference.forward(layers_, x, "leaky", net.omega)[1][-1] for x in coords]
    np.testing.assert_allclose(model.predict(m, coords), want, rtol=1e-4, atol=1e-4)
    net.params[7] = np.nan  # one unit's weight: every pixel's colours
    assert np.isnan(model.predict(m, coords)).all()


@pytest.mark.parametrize("act", layers.ACTS)
def test_predict_matches_the_reference_forward_pass(act):
    net = network.create((7, 12), lr_for(act), "fan-in", np.random.default_rng(0), act=act)
    # Train a little so biases are not zero and the weights are not the init's.
    X, Y = data(40)
    run_kernel(net, X, Y, np.arange(40, dtype=np.int64))
    coords = data(50, seed=3)[0]
    layers = reference.unflatten(net.params, net.sizes)
    want = [reference.forward(layers, x, act, net.omega)[1][-1] for x in coords]
    np.testing.assert_allclose(network.forward(net, coords), want, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("act", layers.ACTS)
def test_the_trainer_trains_with_the_networks_activation(act):
    X, Y = data(200)
    spec = NetSpec((16, 16), act=act, omega=20.0)
    m = model.build(spec, lr_for(act), "fan-in", 1, 1, np.random.default_rng(0))
    net = m.net
    same = network.create((16, 16), lr_for(act), "fan-in", np.random.default_rng(0), act=act, omega=20.0)
    trainer = Trainer([m], X, Y, seed=4)
    [_] = trainer.epoch_parts(1)
    trainer.close()
    run_kernel(same, X, Y, np.random.default_rng(4).permutation(len(X)).astype(np.int64))
    assert np.array_equal(net.params, same.params)


@pytest.mark.parametrize("act", layers.ACTS)
def test_each_activation_learns_a_smooth_picture(act):
    coords = target.raster(40, 30)
    colours = (smooth_picture(40, 30).reshape(-1, 3) / np.float32(255)).astype(np.float32)
    m = model.build(NetSpec((64, 64), act=act), lr_for(act), "fan-in", 1, 1, np.random.default_rng(0))
    trainer = Trainer([m], coords, colours, seed=0)
    # SIREN's first layer starts at SIREN's frequencies, twice those of the init before
    # it was drawn for [0, 1] coordinates: on this smooth picture per-sample SGD at 1e-3
    # then passes 0.004 in epoch 10 rather than 4 (0.0023 and 0.0002 after 12).
    losses = [next(trainer.epoch_parts(1))[0] for _ in range(12 if act == "sine" else 6)]
    trainer.close()
    # Below 0.004 is past the best nearly linear fit (about 0.006).
    assert losses[-1] < 0.25 * losses[0] and losses[-1] < 0.004, losses


def test_equal_parameter_shallow_width():
    assert network.param_count((300,) * 4) == 272_703
    assert network.equal_params_width(272_703) == 45_450
    assert network.param_count((45_450,)) == 272_703


def test_training_is_deterministic_for_a_seed():
    X, Y = data(200)

    def train(seed):
        m = model.build(NetSpec(hidden=(16, 16)), 0.1, "fan-in", 1, 1, np.random.default_rng(0))
        trainer = Trainer([m], X, Y, seed=seed)
        for _ in range(3):
            [_] = trainer.epoch_parts(1)
        trainer.close()
        return m.net.params

    assert np.array_equal(train(5), train(5))
    assert not np.array_equal(train(5), train(6))


def test_divergence_names_the_network():
    X, Y = data(200)
    m = model.build(NetSpec(hidden=(32, 32)), 1e4, "none", 1, 1, np.random.default_rng(0))
    trainer = Trainer([m], X, Y, seed=0)
    with pytest.raises(Diverged, match=r"2 × 32 network diverged.*lower --lr"):
        for _ in range(3):
            [_] = trainer.epoch_parts(1)
    trainer.close()
