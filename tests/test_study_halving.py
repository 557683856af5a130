"""The halving scheduler against a plain reference: specs judged over their seeds, in any
completion order, with ties and divergences; its worked example; resuming."""

import math

import numpy as np
import pytest

from animlearn.errors import AnimlearnError
from animlearn.study.halving import Halving, Step, rungs
from animlearn.study.results import Row, read, records, write


def test_rungs_start_at_the_grace_and_grow_eta_fold_up_to_the_epochs():
    # by default a quarter of the epochs: 60 // 4 = 15, then 45 (135 is past 60), then 60
    assert rungs(60, 3, 12) == (15, 45, 60)
    assert rungs(40, 2, 8) == (10, 20, 40)  # 8 specs: 4 kept, then 2 (past 40: the last rung)
    assert rungs(40, 2, 2) == (10, 40)  # 2 specs are down to one after one rung
    assert rungs(60, 3, 81, grace=2) == (2, 6, 18, 54, 60) and rungs(60, 3, 27, grace=2) == (2, 6, 18, 60)
    assert rungs(60, 3, 1) == (60,) and rungs(60, None, 27) == (60,) and rungs(5, 2, 8) == (1, 2, 4, 5)
    assert rungs(27, 3, 27, grace=9) == (9, 27) and rungs(27, 3, 27, grace=28) == (27,)
    for eta in (1, 0.5, True):
        with pytest.raises(AnimlearnError, match="--halving"):
            rungs(60, eta, 27)
    for grace in (0, 2.5, True):
        with pytest.raises(AnimlearnError, match="--grace"):
            rungs(60, 3, 27, grace=grace)


def plain_halving(repeats, rung_list, eta, score):
    """Successive halving the textbook way, rung by rung, a spec scored by its seeds' mean."""
    specs, members, stopped = list(repeats), {}, {}
    alive = specs
    for epoch in rung_list:
        members[epoch] = alive
        means = {}
        for s in alive:
            mine = [score(t, epoch) for t in repeats[s]]
            if None not in mine:
                means[s] = sum(mine) / len(mine)
        best = sorted(means, key=lambda s: (-means[s], specs.index(s)))[: max(1, len(alive) // eta)]
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
    members, stopped = plain_halving(repeats, halving.rungs, eta, score)
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
        members, _ = plain_halving(repeats, halving.rungs, eta, score)
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
        members, _ = plain_halving(repeats, halving.rungs, 3, score)
        wasted += len(jobs) - 2 * sum(len(members[e]) for e in halving.rungs)
    assert len(guesses) > wasted > 0  # most guesses were right


def test_the_worked_example_of_the_docstring():
    specs = "abcdef"
    halving = Halving({s: [f"{s}0", f"{s}1"] for s in specs}, 27, 3, grace=3)
    assert halving.rungs == (3, 9, 27)
    assert [halving.next_job(), halving.next_job()] == [Step("a0", 0, 3), Step("a1", 0, 3)]
    halving.report("a0", 3, 20.0)
    halving.report("a1", 3, 22.0)
    first = halving.state()[0]
    assert first.scores == {"a": 21.0} and first.certain == [] and first.guessed == []
    scores = {"b": 25.0, "c": 18.0, "d": 30.0, "e": 19.0}
    for s in "bcde":
        for k in "01":
            halving.report(f"{s}{k}", 3, scores[s])
    halving.report("f0", 3, float("nan"))
    halving.report("f1", 3, 40.0)
    first = halving.state()[0]
    assert first.scores["f"] is None and first.kept == ["d", "b"] and first.cut == {"a", "c", "e", "f"}
    assert [halving.next_job() for _ in range(2)] == [Step("d0", 3, 9), Step("d1", 3, 9)]
    assert [halving.next_job() for _ in range(2)] == [Step("b0", 3, 9), Step("b1", 3, 9)]
    for t, v in [("d0", 31.0), ("d1", 31.0), ("b0", 32.0), ("b1", 34.0)]:
        halving.report(t, 9, v)
    assert halving.members(27) == ["b"] and halving.stopped_at("d1") == 9 and halving.stopped_at("a0") == 3
    assert [halving.next_job() for _ in range(3)] == [Step("b0", 9, 27), Step("b1", 9, 27), None]
    halving.report("b0", 27, 35.0)
    assert not halving.done and halving.stopped_at("b0") is None  # b1 still trains
    halving.report("b1", 27, 36.0)
    assert halving.done and halving.stopped_at("b1") == 27


def test_a_spec_is_judged_on_all_its_seeds_not_its_luckiest():
    # the case: one seed of "lucky" scores best of all, its mean does not
    repeats = {"lucky": ["l0", "l1"], "steady": ["s0", "s1"], "poor": ["p0", "p1"]}
    at_20 = {"l0": 26.0, "l1": 31.5, "s0": 29.5, "s1": 29.0, "p0": 20.0, "p1": 21.0}
    halving = Halving.resume(repeats, 60, 3, [(t, 20, v) for t, v in at_20.items()], grace=20)
    assert halving.rungs == (20, 60) and halving.members(60) == ["steady"]
    assert halving.stopped_at("l0") == halving.stopped_at("l1") == 20


def test_a_spec_stops_as_soon_as_one_seed_diverges_and_inf_is_a_score():
    repeats = {"a": ["a0", "a1"], "b": ["b0", "b1"], "c": ["c0", "c1"]}
    halving = Halving(repeats, 9, 3, grace=3)
    halving.report("a0", 3, None)
    assert halving.stopped_at("a1") == 3  # its other seed need not finish
    for t, v in [("b0", math.inf), ("b1", 30.0), ("c0", 40.0), ("c1", 41.0)]:
        halving.report(t, 3, v)
    assert halving.members(9) == ["b"]  # a perfect fit is the best score there is


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
