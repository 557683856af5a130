"""Sweep planning without training: brace expansion, trials, the halving scheduler, results."""

import numpy as np
import pytest

from animlearn.errors import AnimlearnError
from animlearn.study.expand import CONFIRM_ABOVE, confirm, expand, specs, trial_id, trials
from animlearn.study.halving import Halving, Step, rungs
from animlearn.study.results import Row, Spread, markdown, rank, read, records, spread, summarise, write

EXAMPLE = "{2,4}x{64,256}:relu:{fourier,posenc}:adam"


def test_the_issues_example_expands_in_shell_order():
    assert expand(EXAMPLE) == [
        f"{d}x{w}:relu:{e}:adam" for d in (2, 4) for w in (64, 256) for e in ("fourier", "posenc")
    ]
    assert len(specs(["{2,4,6}x{64,256}:relu:{fourier,posenc}:adam"])) == 12


def test_nesting_counting_and_escapes():
    assert expand("a{b,c{d,e}f}g") == ["abg", "acdfg", "acefg"]
    assert expand("{1..3}x64") == ["1x64", "2x64", "3x64"] and expand("{3..1}") == ["3", "2", "1"]
    assert expand(r"{300\,100,64}:adam") == ["300,100:adam", "64:adam"] and expand("4x300") == ["4x300"]


@pytest.mark.parametrize(
    "pattern, message",
    [
        ("{2,4x64", "'{' at column 1 is never closed"),
        ("2x{64,{128,256}", "'{' at column 3 is never closed"),
        ("2}x64", "'}' at column 2 closes no '{'"),
        ("{2,}x64", "empty alternative"),
        ("{}x64", "empty alternative"),
        ("{2}x64", "one alternative"),
        ("4x64\\", "backslash at the end"),
        ("{1..4}x{1..50}x{1..50}x{1..2}", "more than 10,000 networks"),
        ("{2,4}x64:foo", "'{2,4}x64:foo' gives '2x64:foo': unknown option 'foo'"),
        ("4x64:foo", "--net '4x64:foo': unknown option 'foo'"),
    ],
)
def test_bad_patterns_say_what_is_wrong_on_one_line(pattern, message):
    with pytest.raises(AnimlearnError) as caught:
        specs([pattern])
    assert message in str(caught.value) and "\n" not in str(caught.value)


def test_duplicates_are_dropped_by_canonical_text_in_first_seen_order():
    nets = specs(["{4x300,2x64:adam}", "4x300:sgd", "2x64:{leaky,adam}", "{2,3}x64:adam"])
    assert [n.text() for n in nets] == ["4x300", "2x64:adam", "2x64", "3x64:adam"]
    with pytest.raises(AnimlearnError, match="at least one --net"):
        specs([])


def test_trials_are_every_spec_with_every_seed_seed_major_and_big_sweeps_need_yes():
    nets = specs([EXAMPLE])
    made = trials(nets, 3, {"size": 128, "lr": 0.1})
    assert len(made) == 24
    assert [(t.spec, t.seed) for t in made[:9]] == [(n.text(), 0) for n in nets] + [(nets[0].text(), 1)]
    assert len({t.id for t in made}) == 24 and all(len(t.id) == 12 and t.id.isalnum() for t in made)
    assert made[8].label == "2 × 64 relu · fourier 256 σ 10 · adam · seed 1"
    again = trials(specs(["2x64:adam:relu:fourier"]), 1, {"lr": 0.1, "size": 128})
    assert again[0].id == made[0].id  # the same network, seed and settings: the same folder
    assert trial_id(nets[0], 0, {"size": 64, "lr": 0.1}) != made[0].id
    with pytest.raises(AnimlearnError, match="--seeds 0"):
        trials(nets, 0, {})
    confirm(CONFIRM_ABOVE, yes=False)
    confirm(CONFIRM_ABOVE + 1, yes=True)
    with pytest.raises(AnimlearnError, match="--yes"):
        confirm(CONFIRM_ABOVE + 1, yes=False)


def test_rungs_are_epochs_over_powers_of_eta_floored():
    # 60 // 3**k: 60, 20, 6 (6.67), 2 (2.22); 60 // 81 would be 0. 27 trials halve to
    # 9, 3, 1 over those four rungs; 8 trials reach one after two halvings: 8, 2, 1.
    assert rungs(60, 3, 27) == (2, 6, 20, 60)
    assert rungs(60, 3, 8) == (6, 20, 60)
    assert rungs(60, 3, 1) == (60,) and rungs(2, 3, 27) == (2,) and rungs(60, None, 27) == (60,)
    assert rungs(100, 2, 1000) == (1, 3, 6, 12, 25, 50, 100)
    assert rungs(27, 3, 27, grace=9) == (9, 27) and rungs(27, 3, 27, grace=28) == (27,)
    for eta in (1, 0.5, True):
        with pytest.raises(AnimlearnError, match="--halving"):
            rungs(60, eta, 27)


IDS = [f"t{i:02}" for i in range(27)]


def synthetic_score(trial, epoch):
    """Fixed scores that reshuffle from rung to rung, with ties and divergences."""
    i = int(trial[1:])
    if (i == 5 and epoch >= 6) or (i == 11 and epoch >= 2):
        return None  # among the best otherwise: they must still not go on
    if i in (3, 4):
        return 30.0 + epoch  # a tie: t03 wins it
    rng = np.random.default_rng([i, epoch])
    return 20.0 + i % 7 + epoch / 10 + rng.normal(0, 1.5) + (10 if i in (5, 11) else 0)


def plain_halving(ids, rung_list, eta, score):
    """Successive halving the textbook way, rung by rung."""
    kept, alive = {}, list(ids)
    for epoch in rung_list:
        kept[epoch] = set(alive)
        ok = [t for t in alive if score(t, epoch) is not None]
        alive = sorted(ok, key=lambda t: (-score(t, epoch), ids.index(t)))[: max(1, len(alive) // eta)]
    stopped = {t: max(e for e, ts in kept.items() if t in ts) for t in ids}
    return kept, stopped


def drive(halving, score, workers, rng, stop_after=None):
    """An executor loop: keep `workers` jobs running, finish them in a random order."""
    running, jobs, reports = [], [], []
    while stop_after is None or len(reports) < stop_after:
        while len(running) < workers and (job := halving.next_job()):
            running.append(job)
            jobs.append(job)
        if not running:
            break
        job = running.pop(rng.integers(len(running)))
        reports.append((job.trial, job.stop, score(job.trial, job.stop)))
        halving.report(*reports[-1])
    return jobs, reports


def assert_plain(halving, score):
    kept, stopped = plain_halving(IDS, halving.rungs, 3, score)
    assert halving.done
    assert {e: set(halving.kept(e)) for e in halving.rungs} == kept
    assert {t: halving.stopped_at(t) for t in IDS} == stopped


def test_one_worker_runs_plain_successive_halving_and_nothing_more():
    halving = Halving(IDS, 60, 3)
    jobs, _ = drive(halving, synthetic_score, 1, np.random.default_rng(0))
    assert_plain(halving, synthetic_score)
    kept = {e: halving.kept(e) for e in halving.rungs}
    assert [len(kept[e]) for e in (2, 6, 20, 60)] == [27, 9, 3, 1]
    assert "t05" in kept[6] and "t05" not in kept[20] and "t11" not in kept[6] and "t03" in kept[6]
    assert len(jobs) == 27 + 9 + 3 + 1  # no guesses: with one worker there is always sure work
    previous = dict(zip(halving.rungs[1:], halving.rungs))
    assert all(job.start == previous.get(job.stop, 0) for job in jobs)  # resumed from its checkpoint
    assert halving.next_job() is None


@pytest.mark.parametrize("workers", [2, 3, 5])
@pytest.mark.parametrize("order", range(4))
def test_any_completion_order_keeps_the_same_trials(workers, order):
    halving = Halving(IDS, 60, 3)
    drive(halving, synthetic_score, workers, np.random.default_rng(order))
    assert_plain(halving, synthetic_score)


def test_idle_workers_guess_and_the_guesses_change_nothing():
    guesses = 0
    for order in range(4):
        halving = Halving(IDS, 60, 3)
        jobs, _ = drive(halving, synthetic_score, 8, np.random.default_rng(order))
        assert_plain(halving, synthetic_score)
        guesses += len(jobs) - (27 + 9 + 3 + 1)
    assert guesses > 0


def test_asha_promotes_on_partial_results_but_a_wrong_guess_decides_nothing():
    ids = IDS[:9]
    halving = Halving(ids, 60, 3)
    assert halving.rungs == (6, 20, 60)
    assert [halving.next_job() for _ in ids] == [Step(t, 0, 6) for t in ids]
    for t, score in zip(ids[:3], (30.0, 20.0, 10.0)):
        halving.report(t, 6, score)
    assert halving.next_job() == Step("t00", 6, 20)  # top third of the three reported
    assert halving.next_job() is None and not halving.done
    halving.report("t00", 20, 99.0)
    for i, t in enumerate(ids[3:]):
        halving.report(t, 6, 40.0 + i)
    assert halving.kept(20) == ["t06", "t07", "t08"]
    assert halving.stopped_at("t00") == 6  # beaten at 6: its epoch-20 result does not count
    assert halving.kept(60) is None and halving.stopped_at("t08") is None


def test_sure_promotions_come_before_new_trials_best_first():
    ids = IDS[:9]
    halving = Halving(ids, 60, 3)
    for t in ids[:8]:
        halving.report(t, 6, float(int(t[1:])))
    # keep 3; one member is still out, so the best two reported are sure, t05 is not
    assert [halving.next_job() for _ in range(3)] == [
        Step("t07", 6, 20),
        Step("t06", 6, 20),
        Step("t08", 0, 6),
    ]


def test_diverged_trials_never_go_on_and_a_tie_goes_to_the_earlier_trial():
    halving = Halving(IDS[:9], 60, 3)
    for t in IDS[:9]:
        halving.report(t, 6, float("nan"))
    assert halving.kept(20) == [] and halving.done and halving.next_job() is None
    assert halving.stopped_at("t00") == 6
    tied = Halving.resume(IDS[:3], 60, 3, [(t, 20, 5.0) for t in ("t02", "t01", "t00")])
    assert tied.rungs == (20, 60) and tied.kept(60) == ["t00"]


def test_without_halving_every_trial_trains_to_the_end():
    halving = Halving(IDS[:4], 60)
    assert [halving.next_job() for _ in range(5)] == [Step(t, 0, 60) for t in IDS[:4]] + [None]
    for t in IDS[:4]:
        halving.report(t, 60, 1.0)
    assert halving.done and all(halving.stopped_at(t) == 60 for t in IDS[:4])


def row(spec, seed, psnr, holdout=None, rung=60, stopped_at=60, seconds=10.0, trial=None):
    status = "ok" if psnr is not None else "diverged"
    trial = trial or f"{spec}/{seed}"
    return Row(trial, spec, seed, spec, 1234, rung, rung, stopped_at, psnr, holdout, seconds, status)


def as_rows(reports, halving):
    """The rows an executor would record: one per report, with the scheduler's stopped_at."""
    return [row(t, 0, score, None, epoch, halving.stopped_at(t), trial=t) for t, epoch, score in reports]


@pytest.mark.parametrize("cut", [5, 20, 31])
def test_resume_from_recorded_results_makes_the_same_decisions(tmp_path, cut):
    first = Halving(IDS, 60, 3)
    _, reports = drive(first, synthetic_score, 3, np.random.default_rng(cut), stop_after=cut)
    write(as_rows(reports, first), tmp_path)
    again = Halving.resume(IDS, 60, 3, records(read(tmp_path)) + [("gone", 60, 1.0), ("t00", 7, 1.0)])
    for e in first.rungs:
        assert again.kept(e) == first.kept(e)
    assert [again.stopped_at(t) for t in IDS] == [first.stopped_at(t) for t in IDS]
    drive(again, synthetic_score, 2, np.random.default_rng(1))
    assert_plain(again, synthetic_score)


def test_ranking_uses_holdout_when_there_is_one_and_puts_diverged_last():
    plain = [row("a", 0, 30.0), row("b", 0, 35.0), row("c", 0, None), row("d", 0, 32.0)]
    assert [r.spec for r in rank(plain)] == ["b", "d", "a", "c"]
    hidden = [row("a", 0, 30.0, 25.0), row("b", 0, 35.0, 20.0), row("c", 0, 31.0, 22.0)]
    assert [r.spec for r in rank(hidden)] == ["a", "c", "b"]


def test_ranking_after_halving_goes_by_the_rung_a_trial_was_kept_for():
    rows = [
        row("a", 0, 40.0, rung=20, stopped_at=20),  # a good score at 20, but halving stopped it there
        row("b", 0, 25.0, rung=20, stopped_at=60),
        row("b", 0, 30.0, rung=60, stopped_at=60),
        row("c", 0, 50.0, rung=20, stopped_at=20),
        row("c", 0, 55.0, rung=60, stopped_at=20),  # a guess that was overruled
    ]
    assert [(r.spec, r.rung) for r in rank(rows)] == [("b", 60), ("c", 20), ("a", 20)]


def test_mean_and_sample_standard_deviation_over_seeds():
    assert spread([1.0, 2.0, 3.0]) == Spread(2.0, 1.0) and spread([4.0]).std is None
    assert spread([1.0, 2.0, 3.0]).text() == "2.00 ± 1.00"
    rows = [row("a", s, p, seconds=2.0 * s) for s, p in enumerate((30.0, 31.0, 32.0))]
    rows += [
        row("b", 0, 40.0),
        row("b", 1, 20.0, rung=20, stopped_at=20),
        row("b", 2, None),
    ]
    rows += [row("z", 0, None)]
    b, a, z = summarise(rows)  # b: one seed kept to 60 at 40 dB
    assert (a.spec, a.psnr, a.seeds, a.trials, a.seconds) == ("a", Spread(31.0, 1.0), 3, 3, 2.0)
    assert (b.spec, b.epochs, b.seeds, b.trials, b.psnr.std) == ("b", 60, 1, 3, None)
    assert (z.spec, z.psnr, z.seeds) == ("z", None, 0)


def parse_table(text):
    lines = [line for line in text.splitlines() if line.startswith("|")]
    cells = [[c.strip() for c in line.strip("|").split("|")] for line in lines]
    assert all(set(c) <= set("-:") for c in cells[1])
    return [dict(zip(cells[0], r)) for r in cells[2:]]


def test_the_markdown_leaderboard_parses_into_rows():
    rows = [row("4x300", s, 20.0 + s, 18.0 + s) for s in range(3)]
    rows += [row("2x64:adam", s, 35.0, 30.0) for s in range(2)] + [row("9x9:lr=9", 0, None)]
    table = parse_table(markdown(rows))
    assert [r["network"] for r in table] == ["`2x64:adam`", "`4x300`", "`9x9:lr=9`"]
    head = ["rank", "network", "parameters", "PSNR trained (dB)", "PSNR hidden (dB)", "epochs", "seconds"]
    assert list(table[1]) == head
    assert list(table[1].values()) == ["2", "`4x300`", "1,234", "21.00 ± 1.00", "19.00 ± 1.00", "60", "10.0"]
    assert table[0]["PSNR hidden (dB)"] == "30.00 ± 0.00" and table[2]["PSNR trained (dB)"] == "diverged"
    assert table[2]["epochs"] == "diverged by 60"
    assert "PSNR hidden (dB)" not in parse_table(markdown([row("4x300", 0, 20.0)]))[0]


def test_results_files_round_trip_and_foreign_files_are_refused(tmp_path):
    rows = [row("4x300", 0, 21.123456789012345, 0.1 + 0.2), row("4x300", 1, None)]
    assert read(tmp_path) == []
    write(rows, tmp_path)
    assert read(tmp_path) == rows  # exact floats: a resumed sweep ranks as the first run did
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results.csv", "results.md"]
    assert len((tmp_path / "results.csv").read_text().splitlines()) == 3  # a header and a line per row
    (tmp_path / "results.csv").write_text("epoch,network\n1,4x300\n")
    with pytest.raises(AnimlearnError, match="not a sweep's results"):
        read(tmp_path)
    write(rows, tmp_path)
    text = (tmp_path / "results.csv").read_text().replace(",ok,\n", ",fine,\n")  # status, then note
    (tmp_path / "results.csv").write_text(text)
    with pytest.raises(AnimlearnError, match="line 2: status 'fine'"):
        read(tmp_path)
