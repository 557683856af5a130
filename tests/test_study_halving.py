"""The halving scheduler against a plain reference: specs judged over their seeds by their
trend, in any completion order, with ties and divergences; its worked example; resuming."""

import math

import numpy as np
import pytest

from animlearn.errors import AnimlearnError
from animlearn.study.halving import Halving, Step, rungs
from animlearn.study.results import Row, read, records, write


def test_rungs_cut_from_the_grace_to_half_the_epochs_each_after_a_look_at_half_its_epochs():
    # by default a twentieth of the epochs: 8 specs keep 5, 3, 2 at cuts 2, 6 and 20 (looks 1, 3, 10)
    assert rungs(40, 2, 8) == (1, 2, 3, 6, 10, 20, 40)
    assert rungs(60, 3, 12) == (1, 3, 4, 9, 15, 30, 60)  # 12 keep 5, then 2, then 1
    assert rungs(40, 2, 2) == (40,)  # 2 specs: halving keeps both, so there is nothing to judge
    assert rungs(40, 3, 2) == (10, 20, 40)  # ... but a third keeps one, at half the epochs
    assert rungs(60, 3, 4, grace=2) == (1, 2, 15, 30, 60)
    assert rungs(60, 3, 1) == (60,) and rungs(60, None, 27) == (60,) and rungs(5, 2, 8) == (1, 2, 3, 4, 5)
    assert rungs(27, 3, 27, grace=1) == (1, 2, 3, 6, 13, 27) and rungs(27, 3, 27, grace=28) == (27,)
    with pytest.raises(AnimlearnError, match="--halving"):
        for eta in (1, 2.5, True):
            rungs(60, eta, 27)
    for grace in (0, 2.5, True):
        with pytest.raises(AnimlearnError, match="--grace"):
            rungs(60, 3, 27, grace=grace)


def plain_halving(repeats, rung_list, eta, score, looks):
    """Successive halving the textbook way, rung by rung: a spec scored by its seeds' mean
    plus its gain since the rung at half the epochs, continued to the end linearly in epochs;
    the rungs in `looks` keep all, the others the best n // eta + 1 of n."""
    specs, members, stopped, means = list(repeats), {}, {}, {}
    alive = specs
    for epoch in rung_list:
        members[epoch] = alive
        means[epoch] = {}
        for s in alive:
            mine = [score(t, epoch) for t in repeats[s]]
            if None not in mine:
                means[epoch][s] = sum(mine) / len(mine)
        judged = dict(means[epoch])
        half = means.get(epoch // 2)
        if half is not None and epoch not in looks and epoch != rung_list[-1]:
            span = (rung_list[-1] - epoch) / (epoch - epoch // 2)
            judged = {s: v + max(0.0, v - half[s]) * span for s, v in judged.items()}
        keep = len(alive) if epoch in looks else min(len(alive), len(alive) // eta + 1)
        best = sorted(judged, key=lambda s: (-judged[s], specs.index(s)))[:keep]
        for s in alive:
            stopped[s] = epoch
        alive = sorted(best, key=specs.index)
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


def assert_plain(halving, repeats, eta, score, jobs):
    # every look is at half of a later rung, and cuts nobody
    assert all(2 * e in halving.rungs or 2 * e + 1 in halving.rungs for e in halving.looks)
    members, stopped = plain_halving(repeats, halving.rungs, eta, score, halving.looks)
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
    assert_plain(halving, repeats, eta, score, jobs)
    if workers == 1:  # never idle, so never a guess: only members train to a rung
        members, _ = plain_halving(repeats, halving.rungs, eta, score, halving.looks)
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
        members, _ = plain_halving(repeats, halving.rungs, 3, score, halving.looks)
        wasted += len(jobs) - 2 * sum(len(members[e]) for e in halving.rungs)
    assert len(guesses) > wasted > 0  # most guesses were right


def test_the_worked_example_of_the_docstring():
    halving = Halving({s: [f"{s}0", f"{s}1"] for s in "abcd"}, 32, 2, grace=4)
    assert halving.rungs == (2, 4, 8, 16, 32) and halving.looks == {2, 8}
    assert [halving.next_job(), halving.next_job()] == [Step("a0", 0, 2), Step("a1", 0, 2)]
    for t, v in [("a0", 9.0), ("a1", 11.0), ("b0", 14.0), ("b1", 14.0), ("c0", 12.0), ("c1", 12.0)]:
        halving.report(t, 2, v)
    halving.report("d0", 2, float("nan"))
    look = halving.state()[0]
    assert look.scores == {"a": 10.0, "b": 14.0, "c": 12.0, "d": None} and look.cut == {"d"}
    assert look.certain == ["b", "c", "a"] and halving.stopped_at("d1") == 2  # d1 need not train
    assert [halving.next_job() for _ in range(2)] == [Step("b0", 2, 4), Step("b1", 2, 4)]
    for t, v in [("a0", 11.0), ("a1", 13.0), ("b0", 15.0), ("b1", 15.0), ("c0", 14.0), ("c1", 14.0)]:
        halving.report(t, 4, v)
    first = halving.state()[1]
    assert first.scores == {"a": 40.0, "b": 29.0, "c": 42.0} and first.kept == ["c", "a"]
    assert halving.stopped_at("b0") == 4  # it led on PSNR, but climbed slower
    for t, v in [("a0", 20.0), ("a1", 20.0), ("c0", 21.0), ("c1", 21.0)]:
        halving.report(t, 8, v)
    assert halving.state()[2].scores == {"a": 20.0, "c": 21.0} and halving.members(16) == ["a", "c"]
    for t, v in [("a0", 26.0), ("a1", 26.0), ("c0", 25.0), ("c1", 25.0)]:
        halving.report(t, 16, v)
    assert halving.state()[3].scores == {"a": 38.0, "c": 33.0} and halving.members(32) == ["a", "c"]
    assert [halving.next_job() for _ in range(3)] == [
        Step("a0", 16, 32),
        Step("a1", 16, 32),
        Step("c0", 16, 32),
    ]
    for t in ("a0", "a1", "c0"):
        halving.report(t, 32, 30.0)
    assert not halving.done and halving.stopped_at("c1") is None  # c1 still trains
    halving.report("c1", 32, 31.0)
    assert halving.done and halving.stopped_at("c1") == 32


def test_a_spec_is_judged_on_all_its_seeds_not_its_luckiest():
    # the case: one seed of "lucky" scores best of all, its mean does not
    repeats = {"lucky": ["l0", "l1"], "steady": ["s0", "s1"], "poor": ["p0", "p1"], "poorer": ["q0", "q1"]}
    at_10 = {"l0": 26.0, "l1": 31.5, "s0": 29.5, "s1": 29.0, "p0": 20.0, "p1": 21.0, "q0": 19.0, "q1": 19.0}
    records = [(t, e, v if e == 10 else 18.0) for t, v in at_10.items() for e in (5, 10)]
    halving = Halving.resume(repeats, 60, 3, records, grace=10)
    assert halving.rungs == (5, 10, 15, 30, 60) and halving.state()[1].kept == ["steady", "lucky"]
    assert halving.stopped_at("p0") == halving.stopped_at("p1") == 10


def test_a_spec_stops_as_soon_as_one_seed_diverges_and_inf_is_a_score():
    repeats = {"a": ["a0", "a1"], "b": ["b0", "b1"], "c": ["c0", "c1"], "d": ["d0", "d1"]}
    halving = Halving(repeats, 9, 3, grace=1)
    assert halving.rungs == (1, 2, 4, 9)
    halving.report("a0", 1, None)
    assert halving.stopped_at("a1") == 1  # its other seed need not finish
    for t, v in [("b0", math.inf), ("b1", 30.0), ("c0", 40.0), ("c1", 41.0), ("d0", 35.0), ("d1", 36.0)]:
        halving.report(t, 1, v)
    assert halving.state()[0].kept == ["b", "c"]  # a perfect fit is the best score there is
    for e in (2, 4):
        for t, v in [("b0", math.inf), ("b1", 31.0), ("c0", 40.0), ("c1", 41.0)]:
            halving.report(t, e, v)
    assert halving.state()[2].scores["b"] == math.inf and halving.members(9) == ["b"]


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
