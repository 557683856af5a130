"""One network's per-sample SGD on several threads: the same bytes as one thread, the
float64 reference's numbers, and barriers that a stop, a NaN or an error always release."""

import threading
import time

import numpy as np
import pytest
import reference
from typer.testing import CliRunner

from animlearn.canvas import paint
from animlearn.cli import app
from animlearn.config.spec import NetSpec, parse
from animlearn.nets import model, network
from animlearn.train import kernels, layers, sgd
from animlearn.train.meet import Stop
from animlearn.train.sgd import PerSample, Team
from animlearn.train.trainer import Trainer

SLICES = 4  # as kernels.SLICES, forced on nets small enough to test quickly
BOUND = 120.0  # seconds: far beyond any of these calls (and a first compilation), short of a hang


def lr_for(act):
    return 0.001 if act == "sine" else 0.1


def data(n, n_in=2, seed=1):
    rng = np.random.default_rng(seed)
    X = rng.random((n, n_in), dtype=np.float32) if n_in == 2 else rng.uniform(-1, 1, (n, n_in))
    return X.astype(np.float32), rng.random((n, 3), dtype=np.float32)


def train(net, X, Y, order, threads, slices=SLICES, stop=None):
    stepper = PerSample(net, threads, stop or Stop(), slices)
    try:
        return stepper.steps(X, Y, order, net.lrs)
    finally:
        stepper.close()


def bounded(fn, seconds=BOUND):
    """fn() on a thread; fails the test if it has not returned within `seconds`."""
    out = {}

    def call():
        try:
            out["value"] = fn()
        except BaseException as e:
            out["error"] = e

    worker = threading.Thread(target=call, daemon=True)
    worker.start()
    worker.join(seconds)
    assert not worker.is_alive(), f"hung: still running after {seconds} s"
    if "error" in out:
        raise out["error"]
    return out["value"]


# Deep nets cut into 4 slices, narrow and wide (deferred) layers; one hidden layer
# through the fused kernel (leaky) and the general one (the others); encoded inputs.
CASES = [((40, 24, 33), 2), ((50,), 2), ((70,), 2), ((20, 33, 17), 2), ((36, 20), 24)]


@pytest.mark.parametrize("act", layers.ACTS)
@pytest.mark.parametrize("hidden, n_in", CASES)
def test_threads_give_the_same_bytes_and_the_references_numbers(act, hidden, n_in):
    X, Y = data(40, n_in)
    order = np.random.default_rng(2).integers(0, len(X), 300).astype(np.int64)
    results = []
    for threads in (1, 2, 3, 4):
        net = network.create(hidden, lr_for(act), "fan-in", np.random.default_rng(0), act, n_in=n_in)
        start = net.params.copy()
        total = bounded(lambda net=net, t=threads: train(net, X, Y, order, t))
        results.append((net.params, total))
    ref, ref_total = reference.sgd(reference.unflatten(start, net.sizes), X, Y, order, net.lrs, act)
    np.testing.assert_allclose(results[0][0], reference.flatten(ref), rtol=1e-3, atol=2e-5)
    assert results[0][1] == pytest.approx(ref_total, rel=1e-4)
    assert not np.allclose(results[0][0], start)
    for params, total in results[1:]:
        assert np.array_equal(params, results[0][0]) and total == results[0][1]


def test_many_short_calls_match_one_thread():
    """Hundreds of calls of 0 to 3 samples: every call starts and ends its barriers cleanly."""
    X, Y = data(64)
    order = np.random.default_rng(5).integers(0, len(X), 400).astype(np.int64)
    cuts = np.cumsum(np.random.default_rng(6).integers(0, 4, 300))
    cuts = np.concatenate([[0], cuts[cuts < len(order)], [len(order)]])
    nets = []
    for threads in (1, 2):
        net = network.create((40, 40), 0.1, "fan-in", np.random.default_rng(0))
        stepper = PerSample(net, threads, Stop(), SLICES)
        totals = bounded(
            lambda s=stepper, n=net: [s.steps(X, Y, order[a:b], n.lrs) for a, b in zip(cuts[:-1], cuts[1:])]
        )
        stepper.close()
        nets.append((net.params, totals))
    assert np.array_equal(nets[0][0], nets[1][0]) and nets[0][1] == nets[1][1]


def test_a_stop_at_any_point_releases_every_thread():
    """Stops at random moments of a long call, many times: each call returns at once."""
    X, Y = data(2000)
    order = np.tile(np.arange(len(X)), 200).astype(np.int64)  # far longer than any wait below
    net = network.create((64, 64, 64), 0.01, "fan-in", np.random.default_rng(0))
    train(net, X, Y, order[:5], 2)  # compiled before timing
    rng = np.random.default_rng(7)
    for _ in range(30):
        stop = Stop()
        stepper = PerSample(net, 2, stop, SLICES)
        timer = threading.Timer(rng.uniform(0, 0.05), stop.set)
        timer.start()
        began = time.perf_counter()
        bounded(lambda s=stepper: s.steps(X, Y, order, net.lrs))
        assert time.perf_counter() - began < 2.0
        timer.join()
        stepper.close()


def test_a_nan_in_one_slice_stops_every_thread_at_the_same_sample():
    X, Y = data(200)
    order = np.tile(np.arange(len(X)), 50).astype(np.int64)
    net = network.create((64, 64), 0.1, "fan-in", np.random.default_rng(0))
    w, _ = net.layers()[1]
    w[40, 3] = np.nan  # a row of the last slice only
    total = bounded(lambda: train(net, X, Y, order, 2))
    assert np.isnan(total)


def test_an_error_in_one_thread_releases_the_others():
    """Thread 1 fails before its first barrier; thread 0, a real kernel, would wait for
    it forever without the stop word the failure raises."""
    X, Y = data(100)
    net = network.create((64, 64), 0.1, "fan-in", np.random.default_rng(0))
    stepper = PerSample(net, 2, Stop(), SLICES)
    stop, team = Stop(), Team(2)

    def member(me):
        if me == 1:
            raise RuntimeError("thread 1 failed")
        stepper.flags[:] = 0
        args = (net.params, net.sizes, net.lrs, X, Y, np.arange(100, dtype=np.int64))
        shared = (stepper.bounds, stepper.acts, stepper.shares, stepper.sums, stepper.flags)
        return kernels.sgd_deep(*args, 0, np.float32(30), *shared, stop.word, 0, 2)

    with pytest.raises(RuntimeError, match="thread 1 failed"):
        bounded(lambda: team.run(member, stop))
    assert stop.is_set()
    team.close()
    stepper.close()


def test_a_large_network_is_cut_and_a_small_one_is_not():
    assert kernels.cuts(np.array([2, 300, 300, 300, 300, 3])).shape == (6, kernels.SLICES + 1)
    assert kernels.cuts(np.array([2, 45450, 3])).shape == (3, kernels.SLICES + 1)
    assert kernels.cuts(np.array([2, 64, 64, 3])).shape == (4, 2)
    bounds = kernels.cuts(np.array([2, 300, 3]))[1]
    assert bounds[0] == 0 and bounds[-1] == 300 and np.all(bounds[1:-1] % kernels.ALIGN == 0)


def test_the_trainer_gives_the_same_weights_on_any_thread_count():
    """A deep and a shallow net in one trainer: trained in turn on two threads each, or
    side by side on one, the weights come out the same."""
    X, Y = data(3000)
    runs = []
    for threads in (1, 2):
        models = [
            model.build(NetSpec(h), 0.1, "fan-in", 1, 1, np.random.default_rng(0))
            for h in [(128, 128), (4000,)]
        ]
        trainer = Trainer(models, X, Y, seed=3, threads=threads)
        for _ in range(2):
            list(trainer.epoch_parts(3))
        trainer.close()
        runs.append([m.net.params for m in models])
    for one, two in zip(*runs):
        assert np.array_equal(one, two)


def test_threads_1_and_2_write_the_same_bytes(picture, tmp_path):
    """A net large enough to be cut (see kernels.cuts), through the CLI."""
    outputs = []
    for threads in ("1", "2"):
        out = tmp_path / f"t{threads}.gif"
        args = ["render", str(picture), "-o", str(out), "--size", "16", "--epochs", "3"]
        result = CliRunner().invoke(app, [*args, "--hidden", "200,200", "--threads", threads])
        assert result.exit_code == 0, result.output
        outputs.append(out.read_bytes())
    assert outputs[0] == outputs[1]


@pytest.mark.parametrize("bad", ["0", "-1", "1.5"])
def test_a_bad_thread_count_is_one_line_and_exit_2(picture, tmp_path, bad):
    out = tmp_path / "x.gif"
    result = CliRunner().invoke(app, ["render", str(picture), "-o", str(out), "--threads", bad])
    assert result.exit_code == 2 and "--threads" in result.output and "Traceback" not in result.output
    assert not out.exists()


def test_calls_switch_between_the_team_and_one_thread_without_changing_the_numbers():
    """Each call runs on whichever was lately faster, the other one every PROBE calls:
    switching at any call leaves the weights as one thread makes them."""
    X, Y = data(3000)
    order = np.random.default_rng(8).integers(0, len(X), 6000).astype(np.int64)
    nets = [network.create((64, 64), 0.1, "fan-in", np.random.default_rng(0)) for _ in range(2)]
    solo = PerSample(nets[0], 1, Stop(), SLICES)
    mixed = PerSample(nets[1], 2, Stop(), SLICES)
    used = []
    for k, at in enumerate(range(0, len(order), 300)):
        mixed.rates = {2: 2.0, 1: 1.0} if k % 3 else {2: 1.0, 1: 2.0}  # as if timed so
        used.append(mixed._choose())
        mixed.calls -= 1  # steps() chooses again, the same way
        for stepper, net in ((solo, nets[0]), (mixed, nets[1])):
            bounded(lambda s=stepper, n=net, o=order[at : at + 300]: s.steps(X, Y, o, n.lrs))
    assert {1, 2} <= set(used)
    assert np.array_equal(nets[0].params, nets[1].params)
    solo.close()
    mixed.close()


def test_the_faster_way_is_chosen_and_the_other_timed_less_often_while_the_lead_holds():
    stepper = PerSample(network.create((64, 64), 0.1, "fan-in", np.random.default_rng(0)), 2, Stop(), 2)
    assert [stepper._choose(), stepper._choose()] == [2, 2]  # nothing timed yet: the team first
    stepper.rates = {2: 900.0, 1: 1000.0}  # the team was slower: other work took a core
    choices = [stepper._choose() for _ in range(15 * sgd.PROBE)]
    probes = [k for k, threads in enumerate(choices) if threads == 2]
    assert np.diff(probes).tolist() == [2 * sgd.PROBE, 4 * sgd.PROBE]  # after PROBE, then doubling
    assert probes[0] == sgd.PROBE
    stepper.rates = {2: 2000.0, 1: 1000.0}  # the cores are free again: the lead changes
    choices = [stepper._choose() for _ in range(2 * sgd.PROBE)]
    assert [k for k, threads in enumerate(choices) if threads == 1] == [sgd.PROBE]
    stepper.rates = {2: 2000.0, 1: 1000.0}
    for _ in range(64 * sgd.PROBE_MAX):
        stepper._choose()
    assert stepper.every == sgd.PROBE_MAX  # a long run probes at most every PROBE_MAX calls
    stepper.close()


PAINTED = [
    "1x300",  # nets/wide.py's kernel
    "4x64",
    "2x32:tanh",
    "2x32:sine:adam",
    "2x32:relu:fourier=16:adam",
    "2x16:relu:grid=3:adam",
]


@pytest.mark.parametrize("text", PAINTED)
def test_a_frame_painted_on_several_threads_has_the_same_pixels(monkeypatch, text):
    """While a team waits, its frame is painted in batches of rows on its threads."""
    m = model.build(parse(text), 0.1, "fan-in", 40, 30, np.random.default_rng(0))
    m.net.params[:] = np.random.default_rng(1).normal(0, 0.3, m.net.params.shape)  # not a flat picture
    m.enc.table[:] = np.random.default_rng(2).normal(0, 1, m.enc.table.shape)  # a grid's, if any
    whole = paint.picture(m, 40, 30)
    assert len(np.unique(whole)) > 50
    monkeypatch.setattr(model, "PREDICT_FLOATS", 64 * 37)  # many batches, the last one short
    monkeypatch.setattr(model, "WIDE_ROWS", 37)  # the same for nets/wide.py's kernel
    one = paint.picture(m, 40, 30)
    # BLAS may round a row differently in a batch of another size (OpenBLAS on Zen 3 does),
    # so the batches are fixed whatever the threads, and only the colours' last bit may move
    assert np.abs(one.astype(int) - whole).max() <= 1
    assert np.array_equal(paint.picture(m, 40, 30, threads=3), one)
