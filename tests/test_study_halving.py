"""The halving scheduler against a plain reference: specs judged over their seeds by their
trend, in any completion order, with ties and divergences; its worked example; resuming."""

import math

import numpy as np
import pytest

from animlearn.errors import AnimlearnError
from animlearn.study.halving import Halving, Step, rungs
from animlearn.study.results import Row, read, records, write


def test_rungs_look_at_half_the_grace_then_start_at_it_and_grow_eta_fold_up_to_the_epochs():
    # by default a tenth of the epochs: a look at 2, then 4, 8 and 16 (8 specs keep 5, 3, 2), then 40
    assert rungs(40, 2, 8) == (2, 4, 8, 16, 40)
    assert rungs(60, 3, 12) == (3, 6, 18, 54, 60)  # 12 keep 5, then 2, then 1
    assert rungs(40, 2, 2) == (40,)  # 2 specs: halving keeps both, so there is nothing to judge
    assert rungs(40, 3, 2) == (2, 4, 40)  # ... but a third keeps one
    assert rungs(60, 3, 81, grace=2) == (1, 2, 6, 18, 54, 60) and rungs(60, 3, 4, grace=2) == (1, 2, 6, 60)
    assert rungs(60, 3, 1) == (60,) and rungs(60, None, 27) == (60,) and rungs(5, 2, 8) == (1, 2, 4, 5)
    assert rungs(27, 3, 27, grace=1) == (1, 3, 9, 27) and rungs(27, 3, 27, grace=28) == (27,)
    for eta in (1, 0.5, True):
        with pytest.raises(AnimlearnError, match="--halving"):
            rungs(60, eta, 27)
    for grace in (0, 2.5, True):
        with pytest.raises(AnimlearnError, match="--grace"):
            rungs(60, 3, 27, grace=grace)


def plain_halving(repeats, rung_list, eta, score, look):
    """Successive halving the textbook way, rung by rung: a spec scored by its seeds' mean
    plus its gain since the rung below continued to the end in log-epoch; the first rung a
    look that keeps all if `look`, the others keeping the best n // eta + 1 of n."""
    specs, members, stopped = list(repeats), {}, {}
    alive, before = specs, {}
    for k, epoch in enumerate(rung_list):
        members[epoch] = alive
        means = {}
        for s in alive:
            mine = [score(t, epoch) for t in repeats[s]]
            if None not in mine:
                means[s] = sum(mine) / len(mine)
        judged = dict(means)
        if 0 < k < len(rung_list) - 1:
            span = math.log(rung_list[-1] / epoch) / math.log(epoch / rung_list[k - 1])
            judged = {s: v + max(0.0, v - before[s]) * span for s, v in means.items()}
        keep = len(alive) if look and k == 0 else min(len(alive), len(alive) // eta + 1)
        best = sorted(judged, key=lambda s: (-judged[s], specs.index(s)))[:keep]
        for s in alive:
            stopped[s] = epoch
        alive, before = sorted(best, key=specs.index), means
    return members, stopped


def drive(halving, score, workers, rng, stop_after=None, guesses=None):
    """An executor loop: keep `workers` jobs running, finish them in a random order;
    the jobs that were guesses go into `guesses`."""
    running, jobs, reports = [], [], []
    while stop_after is None or len(reports) < stop_after:
        while len(running) < workers:
            before = halving.state()
            if (job := halving.next_job()) is None:
                break
            k = halving.rungs.index(job.stop)
            if guesses is not None and k and halving.spec_of[job.trial] in before[k - 1].guessed:
                guesses.append(job)
            running.append(job)
            jobs.append(job)
        if not running:
            break
        job = running.pop(rng.integers(len(running)))
        reports.append((job.trial, job.stop, score(job.trial, job.stop)))
        halving.report(*reports[-1])
    return jobs, reports


def assert_plain(halving, repeats, eta, score, jobs, grace=None):
    look = len(halving.rungs) > 1 and (grace is None or grace >= 2)  # the default grace is 2 or more
    members, stopped = plain_halving(repeats, halving.rungs, eta, score, look)
    assert halving.done and halving.next_job() is None
    assert {e: halving.members(e) for e in halving.rungs} == members
    for spec, trials in repeats.items():
        assert [halving.stopped_at(t) for t in trials] == [stopped[spec]] * len(trials)  # seeds stop together
    assert len(set(jobs)) == len(jobs)  # nothing trained twice
    previous = dict(zip(halving.rungs[1:], halving.rungs))
    assert all(job.start == previous.get(job.stop, 0) for job in jobs)  # promoted: from its checkpoint


def random_sweep(rng):
    """Specs with 1-3 seeds and scores from a few values (ties), some None (diverged), whose
    order changes from rung to rung (curves that cross)."""
    specs = int(rng.integers(1, 13))
    seeds = int(rng.integers(1, 4))
    repeats = {f"s{i:02}": [f"s{i:02}/{k}" for k in range(seeds)] for i in range(specs)}
    table = {}

    def score(trial, epoch):
        if (trial, epoch) not in table:
            diverged = rng.random() < 0.08
            table[trial, epoch] = None if diverged else float(rng.integers(0, 4))
        return table[trial, epoch]

    return repeats, score


@pytest.mark.parametrize("case", range(60))
def test_any_line_up_and_completion_order_keeps_what_plain_halving_keeps(case):
    rng = np.random.default_rng(case)
    repeats, score = random_sweep(rng)
    eta = int(rng.integers(2, 5))
    epochs, grace = int(rng.integers(8, 100)), int(rng.integers(1, 6))
    workers = int(rng.integers(1, 7))
    halving = Halving(repeats, epochs, eta, grace)
    jobs, _ = drive(halving, score, workers, rng)
    assert_plain(halving, repeats, eta, score, jobs, grace)
    if workers == 1:  # never idle, so never a guess: only members train to a rung
        members, _ = plain_halving(repeats, halving.rungs, eta, score, len(halving.rungs) > 1 and grace >= 2)
        assert all(halving.spec_of[job.trial] in members[job.stop] for job in jobs)


def test_idle_workers_guess_and_the_guesses_change_nothing():
    repeats = {f"s{i:02}": [f"s{i:02}/0", f"s{i:02}/1"] for i in range(27)}

    def score(trial, epoch):
        rng = np.random.default_rng([int(trial[1:3]), int(trial[-1]), epoch])
        return float(rng.normal(20 + epoch / 10, 2))

    guesses, wasted = [], 0
    for order in range(4):
        halving = Halving(repeats, 60, 3)
        jobs, _ = drive(halving, score, 12, np.random.default_rng(order), guesses=guesses)
        assert_plain(halving, repeats, 3, score, jobs)
        members, _ = plain_halving(repeats, halving.rungs, 3, score, True)
        wasted += len(jobs) - 2 * sum(len(members[e]) for e in halving.rungs)
    assert len(guesses) > wasted > 0  # most guesses were right


def test_the_worked_example_of_the_docstring():
    halving = Halving({s: [f"{s}0", f"{s}1"] for s in "abcd"}, 32, 2, grace=4)
    assert halving.rungs == (2, 4, 8, 32)
    assert [halving.next_job(), halving.next_job()] == [Step("a0", 0, 2), Step("a1", 0, 2)]
    for t, v in [("a0", 9.0), ("a1", 11.0), ("b0", 14.0), ("b1", 14.0), ("c0", 12.0), ("c1", 12.0)]:
        halving.report(t, 2, v)
    halving.report("d0", 2, float("nan"))
    look = halving.state()[0]
    assert look.scores == {"a": 10.0, "b": 14.0, "c": 12.0, "d": None} and look.cut == {"d"}
    assert look.certain == ["b", "c", "a"] and halving.stopped_at("d1") == 2  # d1 need not train
    assert [halving.next_job() for _ in range(2)] == [Step("b0", 2, 4), Step("b1", 2, 4)]
    for t, v in [("a0", 14.0), ("a1", 14.0), ("b0", 15.0), ("b1", 15.0), ("c0", 14.0), ("c1", 15.0)]:
        halving.report(t, 4, v)
    first = halving.state()[1]
    assert first.scores == {"a": 26.0, "b": 18.0, "c": 22.0} and first.kept == ["a", "c"]
    assert halving.stopped_at("b0") == 4  # it led on PSNR, but had flattened
    for t, v in [("a0", 20.0), ("a1", 20.0), ("c0", 21.0), ("c1", 21.0)]:
        halving.report(t, 8, v)
    assert halving.state()[2].scores == {"a": 32.0, "c": 34.0} and halving.members(32) == ["a", "c"]
    assert [halving.next_job() for _ in range(3)] == [Step("c0", 8, 32), Step("c1", 8, 32), Step("a0", 8, 32)]
    for t in ("a0", "a1", "c0"):
        halving.report(t, 32, 30.0)
    assert not halving.done and halving.stopped_at("c1") is None  # c1 still trains
    halving.report("c1", 32, 31.0)
    assert halving.done and halving.stopped_at("c1") == 32


def test_a_spec_is_judged_on_all_its_seeds_not_its_luckiest():
    # the case: one seed of "lucky" scores best of all, its mean does not
    repeats = {"lucky": ["l0", "l1"], "steady": ["s0", "s1"], "poor": ["p0", "p1"], "poorer": ["q0", "q1"]}
    at_20 = {"l0": 26.0, "l1": 31.5, "s0": 29.5, "s1": 29.0, "p0": 20.0, "p1": 21.0, "q0": 19.0, "q1": 19.0}
    records = [(t, e, v if e == 20 else 18.0) for t, v in at_20.items() for e in (10, 20)]
    halving = Halving.resume(repeats, 60, 3, records, grace=20)
    assert halving.rungs == (10, 20, 60) and halving.state()[1].kept == ["steady", "lucky"]
    assert halving.stopped_at("p0") == halving.stopped_at("p1") == 20


def test_a_spec_stops_as_soon_as_one_seed_diverges_and_inf_is_a_score():
    repeats = {"a": ["a0", "a1"], "b": ["b0", "b1"], "c": ["c0", "c1"], "d": ["d0", "d1"]}
    halving = Halving(repeats, 9, 3, grace=1)
    assert halving.rungs == (1, 3, 9)
    halving.report("a0", 1, None)
    assert halving.stopped_at("a1") == 1  # its other seed need not finish
    for t, v in [("b0", math.inf), ("b1", 30.0), ("c0", 40.0), ("c1", 41.0), ("d0", 35.0), ("d1", 36.0)]:
        halving.report(t, 1, v)
    assert halving.state()[0].kept == ["b", "c"]  # a perfect fit is the best score there is
    for t, v in [("b0", math.inf), ("b1", 31.0), ("c0", 40.0), ("c1", 41.0)]:
        halving.report(t, 3, v)
    assert halving.state()[1].scores["b"] == math.inf and halving.members(9) == ["b"]


def test_without_halving_every_trial_trains_to_the_end():
    halving = Halving({"a": ["a0", "a1"], "b": ["b0"]}, 60)
    assert [halving.next_job() for _ in range(4)] == [Step(t, 0, 60) for t in ("a0", "a1", "b0")] + [None]
    for t in ("a0", "a1", "b0"):
        halving.report(t, 60, 1.0)
    assert halving.done and all(halving.stopped_at(t) == 60 for t in ("a0", "a1", "b0"))


def test_a_trial_belongs_to_one_spec():
    with pytest.raises(ValueError):
        Halving({"a": ["t"], "b": ["t"]}, 9, 3)
    with pytest.raises(ValueError):
        Halving({"a": []}, 9, 3)


def as_rows(reports, halving):
    """The rows an executor would record: one per report, with the scheduler's stopped_at."""
    out = []
    for t, epoch, score in reports:
        status = "ok" if score is not None else "diverged"
        spec = halving.spec_of[t]
        out.append(Row(t, spec, 0, spec, 1, epoch, epoch, halving.stopped_at(t), score, None, 1.0, status))
    return out


@pytest.mark.parametrize("cut", [5, 20, 41])
def test_resume_from_recorded_results_makes_the_same_decisions(tmp_path, cut):
    rng = np.random.default_rng(cut)
    repeats = {f"s{i:02}": [f"s{i:02}/0", f"s{i:02}/1"] for i in range(12)}
    table = {}

    def score(trial, epoch):
        return table.setdefault((trial, epoch), None if rng.random() < 0.05 else float(rng.integers(0, 5)))

    first = Halving(repeats, 60, 3)
    _, reports = drive(first, score, 3, rng, stop_after=cut)
    write(as_rows(reports, first), tmp_path)
    again = Halving.resume(repeats, 60, 3, records(read(tmp_path)) + [("gone", 60, 1.0), ("s00/0", 7, 1.0)])
    for e in first.rungs:
        assert again.members(e) == first.members(e)
    assert [again.stopped_at(t) for t in again.spec_of] == [first.stopped_at(t) for t in first.spec_of]
    jobs, _ = drive(again, score, 2, rng)
    assert_plain(again, repeats, 3, score, jobs)
