"""Sweep planning without training: brace expansion, trials, results and the leaderboard
(the halving scheduler: test_study_halving.py)."""

import math

import pytest

from animlearn.errors import AnimlearnError
from animlearn.study.expand import CONFIRM_ABOVE, confirm, expand, specs, trial_id, trials
from animlearn.study.results import Row, Spread, markdown, rank, read, spread, summarise, write

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
    made = trials(nets, 3, {"a": {"size": 128, "lr": 0.1}})
    assert len(made) == 24
    assert [(t.spec, t.seed) for t in made[:9]] == [(n.text(), 0) for n in nets] + [(nets[0].text(), 1)]
    assert len({t.id for t in made}) == 24 and all(len(t.id) == 12 and t.id.isalnum() for t in made)
    assert made[8].label == "2 × 64 relu · fourier 256 σ 10 · adam · seed 1"
    again = trials(specs(["2x64:adam:relu:fourier"]), 1, {"b": {"lr": 0.1, "size": 128}})
    assert again[0].id == made[0].id  # the same network, seed and settings: the same folder
    assert trial_id(nets[0], 0, {"size": 64, "lr": 0.1}) != made[0].id
    with pytest.raises(AnimlearnError, match="--seeds 0"):
        trials(nets, 0, {"a": {}})
    confirm(CONFIRM_ABOVE, yes=False)
    confirm(CONFIRM_ABOVE + 1, yes=True)


def test_trials_on_several_pictures_are_named_for_them_and_keep_one_picture_ids():
    nets = specs(["{2,3}x16"])
    one = trials(nets, 1, {"cat": {"picture": "c1"}})
    two = trials(nets, 2, {"cat": {"picture": "c1"}, "dog": {"picture": "d1"}})
    assert [(t.seed, t.picture, t.spec) for t in two[:4]] == [
        (0, "cat", "2x16"), (0, "cat", "3x16"), (0, "dog", "2x16"), (0, "dog", "3x16")
    ]  # fmt: skip
    assert [t.id for t in two[:2]] == [t.id for t in one]  # adding a picture keeps the first's trials
    assert len({t.id for t in two}) == 8
    assert two[2].label == "2 × 16 · seed 0 · dog" and one[0].label == "2 × 16 · seed 0"
    with pytest.raises(AnimlearnError, match="--yes"):
        confirm(CONFIRM_ABOVE + 1, yes=False)


def row(spec, seed, psnr, holdout=None, rung=60, stopped_at=60, seconds=10.0, trial=None):
    status = "ok" if psnr is not None else "diverged"
    trial = trial or f"{spec}/{seed}"
    return Row(trial, spec, seed, spec, 1234, rung, rung, stopped_at, psnr, holdout, seconds, status)


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


def test_mean_and_sample_standard_deviation_over_every_seed():
    assert spread([1.0, 2.0, 3.0]) == Spread(2.0, 1.0) and spread([4.0]).std is None
    assert spread([1.0, 2.0, 3.0]).text() == "2.00 ± 1.00"
    rows = [row("a", s, p, seconds=2.0 * s) for s, p in enumerate((30.0, 31.0, 32.0))]
    rows += [row("b", 0, 40.0), row("b", 1, None)]  # its best seed beats a's, its other diverged
    rows += [row("z", 0, None)]
    a, b, z = summarise(rows)
    assert (a.spec, a.psnr, a.seeds, a.trials, a.seconds) == ("a", Spread(31.0, 1.0), 3, 3, 2.0)
    assert (b.spec, b.epochs, b.psnr, b.seeds, b.diverged) == ("b", 60, None, 2, 1)
    assert (z.spec, z.psnr, z.seeds, z.diverged) == ("z", None, 1, 1)
    assert [r.spec for r in rank(rows)] == ["a"] * 3 + ["b", "b", "z"]


def test_no_spec_ranks_on_its_lucky_seed_specs_meet_at_one_epoch():
    # the issue's sweep: seed 1 of "lucky" went on to 60 (31.5 dB), seed 0 stopped at 20
    rows = [
        row("lucky", 0, 26.0, rung=20, stopped_at=20),
        row("lucky", 1, 27.0, rung=20, stopped_at=60),
        row("lucky", 1, 31.5, rung=60, stopped_at=60),
        row("steady", 0, 30.0, rung=20),
        row("steady", 1, 30.0, rung=20),
        row("steady", 0, 29.0),
        row("steady", 1, 30.0),
    ]
    steady, lucky = summarise(rows)
    assert (steady.epochs, steady.psnr, steady.seeds) == (60, Spread(29.5, math.sqrt(0.5)), 2)
    assert (lucky.epochs, lucky.psnr.mean, lucky.seeds) == (20, 26.5, 2)  # both seeds, at 20
    assert [(r.spec, r.seed) for r in rank(rows)] == [
        ("steady", 1),
        ("steady", 0),
        ("lucky", 1),
        ("lucky", 0),
    ]
    table = parse_table(markdown(rows))
    assert [(r["network"], r["epochs"]) for r in table] == [("`steady`", "60"), ("`lucky`", "20")]
    # a seed with no row at the epoch its spec is compared at (rungs of another run) is said
    # so, and its spec ranks after the full lines of that epoch
    partial = parse_table(markdown([row("a", 0, 50.0), row("a", 1, 40.0, rung=20, stopped_at=None)] + rows))
    assert [(r["network"], r["epochs"]) for r in partial[1:]] == [
        ("`lucky`", "20"),
        ("`a`", "20 (1 of 2 seeds so far)"),
    ]


def test_inf_and_nan_are_shown_as_such(tmp_path):
    rows = [row("perfect", 0, math.inf), row("perfect", 1, math.inf)]
    rows += [row("half", 0, math.inf), row("half", 1, 30.0)]
    rows += [row("odd", 0, math.nan), row("odd", 1, 31.0), row("fine", 0, 32.0), row("fine", 1, 33.0)]
    write(rows, tmp_path)  # statistics.stdev would raise on inf
    table = parse_table((tmp_path / "results.md").read_text())
    assert [(r["network"], r["PSNR trained (dB)"]) for r in table] == [
        ("`half`", "inf"),  # a tie goes by spec text
        ("`perfect`", "inf"),
        ("`fine`", "32.50 ± 0.71"),
        ("`odd`", "nan"),
    ]
    back = read(tmp_path)
    assert [r.psnr for r in back[:4]] == [math.inf, math.inf, math.inf, 30.0] and math.isnan(back[4].psnr)
    assert [r.spec for r in rank(back)] == [
        "half",
        "half",
        "perfect",
        "perfect",
        "fine",
        "fine",
        "odd",
        "odd",
    ]


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
    text = (tmp_path / "results.csv").read_text().replace(",ok,,\n", ",fine,,\n")  # status, note, picture
    (tmp_path / "results.csv").write_text(text)
    with pytest.raises(AnimlearnError, match="line 2: status 'fine'"):
        read(tmp_path)
