"""A study over several pictures, end to end through the command line: every network on
every picture, ranked by its mean over them, halving judging each network on all its trials."""

import csv
import statistics

import numpy as np
import pytest
from conftest import gif_frames, smooth_picture
from PIL import Image
from test_study_halving import plain_halving
from test_sweep import cli

from animlearn.api import render

SIZE = 24
NETS = ["{1,2}x16", "1x16:relu:adam"]
MARKS = {"cat": (255, 0, 255), "cat-2": (0, 255, 0)}  # a corner of pure colour in each picture
ARGS = ["--seeds", 2, "--epochs", 6, "--size", SIZE, "--halving", 2, "--workers", 2]


@pytest.fixture(scope="module")
def pictures(tmp_path_factory):
    """Two pictures of other shapes and colours, both called cat.png."""
    root = tmp_path_factory.mktemp("pictures")
    out = []
    for folder, (w, h), mark in zip("ab", [(24, 18), (18, 24)], MARKS.values()):
        pixels = smooth_picture(w, h)[:, :, ::-1] if folder == "b" else smooth_picture(w, h)
        pixels[:4, :4] = mark
        path = root / folder / "cat.png"
        path.parent.mkdir()
        Image.fromarray(np.ascontiguousarray(pixels)).save(path)
        out.append(path)
    return out


def run(*args):
    proc = cli("sweep", *args)
    out, err = proc.communicate(timeout=300)
    return proc.returncode, out, err


@pytest.fixture(scope="module")
def study(pictures, tmp_path_factory):
    folder = tmp_path_factory.mktemp("study") / "out"
    code, out, err = run(*pictures, "-o", folder, *[a for n in NETS for a in ("--net", n)], *ARGS)
    assert code == 0, err
    with open(folder / "results.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    return folder, out, rows


def finals(rows):
    return [r for r in rows if r["rung"] == r["stopped_at"]]


def test_every_network_learns_every_picture_and_ranks_by_its_mean(study, pictures, tmp_path):
    folder, out, rows = study
    specs = ["1x16", "2x16", "1x16:relu:adam"]
    assert sorted((r["spec"], r["seed"], r["picture"]) for r in finals(rows)) == sorted(
        (s, str(k), p) for s in specs for k in (0, 1) for p in MARKS
    )
    # Halving judged each spec on its 4 trials (2 seeds on 2 pictures) as plain halving does.
    repeats = {sp: sorted({r["trial"] for r in rows if r["spec"] == sp}) for sp in specs}
    assert all(len(ts) == 4 for ts in repeats.values())
    scored = {(r["trial"], int(r["rung"])): float(r["psnr"]) for r in rows}
    rungs = sorted({int(r["rung"]) for r in rows})
    assert rungs == [1, 2, 6]  # a look, a cut keeping 2 of 3, the end
    _, stopped = plain_halving(repeats, rungs, 2, lambda t, e: scored[t, e], look=True)
    assert {r["spec"]: int(r["stopped_at"]) for r in rows} == stopped
    means = {sp: statistics.fmean(float(r["psnr"]) for r in finals(rows) if r["spec"] == sp) for sp in specs}
    best = max((sp for sp in specs if stopped[sp] == 6), key=means.get)
    # The closing lines rank networks by their mean over both pictures and show each picture's.
    last = [r for r in finals(rows) if r["spec"] == best]
    mean = statistics.fmean(float(r["psnr"]) for r in last)
    each = {p: statistics.fmean(float(r["psnr"]) for r in last if r["picture"] == p) for p in MARKS}
    assert f"1. {best}  {mean:.2f} dB (cat {each['cat']:.2f}, cat-2 {each['cat-2']:.2f})" in out
    table = (folder / "results.md").read_text()
    assert "| cat (dB) | cat-2 (dB) |" in table and table.index(f"`{best}`") < min(
        table.index(f"`{s}`") for s in specs if s != best
    )
    # A trial on the second picture learned that picture: it scores as render does on it.
    row = next(r for r in last if r["picture"] == "cat-2")
    options = dict(nets=[row["spec"]], seed=int(row["seed"]), epochs=6, size=SIZE)
    assert render(pictures[1], tmp_path / "r.gif", every=6, **options).psnrs[0] == float(row["psnr"])


def near(image, colour, within=8):
    return int((np.abs(image.astype(int) - colour).max(axis=-1) <= within).sum())


def test_the_sheet_and_the_race_show_each_picture(study):
    folder, _, _ = study
    with Image.open(folder / "sheet.png") as im:
        sheet = np.asarray(im.convert("RGB"))
    k = -(-160 // SIZE)  # the sheet enlarges a 24-px picture 7 times
    assert all(near(sheet, c, 0) >= (3 * k) ** 2 for c in MARKS.values())  # each 4-px corner, enlarged
    race = gif_frames(folder / "race.gif")
    assert len(race) == 6
    assert all(near(race[-1], c) >= 16 * 16 for c in MARKS.values())  # a row, and a target, per picture


def test_the_same_picture_twice_is_refused_and_a_study_resumes_in_any_order(study, pictures, tmp_path):
    code, out, err = run(pictures[0], pictures[0], "-o", tmp_path / "twice", "--net", "1x16")
    assert code == 2 and err.count("\n") == 1 and "the same picture as 'cat'" in err, err
    assert not (tmp_path / "twice").exists()
    folder, _, rows = study
    stamps = {p: p.stat().st_mtime_ns for p in folder.glob("trials/*/trial.ckpt")}
    nets = [a for n in NETS for a in ("--net", n)]
    code, out, err = run(pictures[1], pictures[0], "-o", folder, *nets, *ARGS)
    assert code == 0, err
    assert {p: p.stat().st_mtime_ns for p in folder.glob("trials/*/trial.ckpt")} == stamps  # nothing trained
    with open(folder / "results.csv", newline="") as f:
        again = list(csv.DictReader(f))
    kept = ("trial", "rung", "psnr", "stopped_at")  # the names follow the order given: cat is now b's
    assert sorted(tuple(r[k] for k in kept) for r in again) == sorted(tuple(r[k] for k in kept) for r in rows)
    code, _, err = run(pictures[0], "-o", folder, *nets, *ARGS)
    assert code == 2 and "holds another study (another picture)" in err, err
