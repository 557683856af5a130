"""The Numba kernel against the slow NumPy reference in tests/reference.py."""

import numpy as np
import pytest
import reference

from animlearn import kernels, model, network
from animlearn.errors import Diverged
from animlearn.spec import NetSpec
from animlearn.trainer import Trainer


def run_kernel(net, X, Y, order):
    sizes = net.sizes
    acts = np.zeros(sizes.sum(), np.float32)
    delta = np.zeros(sizes.max(), np.float32)
    grad = np.zeros(sizes.max(), np.float32)
    return kernels.sgd_steps(net.params, sizes, net.lrs, X, Y, order, acts, delta, grad)


def data(n, seed=1):
    rng = np.random.default_rng(seed)
    return rng.random((n, 2), dtype=np.float32), rng.random((n, 3), dtype=np.float32)


# Widths cover the row blocks and their remainders, narrow layers updated at once,
# layers wide enough to defer their updates (>= kernels.WIDE on both sides, flushed
# every kernels.LAZY samples and at the end), and one-hidden-layer nets (fused sweep).
@pytest.mark.parametrize("hidden", [(9, 6, 7), (8,), (4, 13), (50,), (20, 33, 17), (40, 24, 8)])
@pytest.mark.parametrize("lr_scale", ["fan-in", "none"])
def test_kernel_matches_reference_after_hundreds_of_updates(hidden, lr_scale):
    X, Y = data(40)
    net = network.create(hidden, 0.1, lr_scale, np.random.default_rng(0))
    order = np.random.default_rng(2).integers(0, len(X), 300).astype(np.int64)
    ref, ref_total = reference.sgd(reference.unflatten(net.params, net.sizes), X, Y, order, net.lrs)
    total = run_kernel(net, X, Y, order)
    np.testing.assert_allclose(net.params, reference.flatten(ref), rtol=1e-3, atol=2e-5)
    assert total == pytest.approx(ref_total, rel=1e-4)
    # The run changed the weights: the comparison above is not trivial.
    assert not np.allclose(net.params, network.create(hidden, 0.1, lr_scale, np.random.default_rng(0)).params)


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


def test_one_update_is_minus_lr_times_the_finite_difference_gradient():
    X, Y = data(1)
    lr = 1e-2
    net = network.create((6, 5), lr, "none", np.random.default_rng(3))
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
        f_hi = reference.loss(reference.unflatten(hi, net.sizes), X[0], Y[0])
        f_lo = reference.loss(reference.unflatten(lo, net.sizes), X[0], Y[0])
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
            trainer.epoch()
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
            trainer.epoch()
    trainer.close()
