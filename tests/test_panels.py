"""Several networks in one animation: panels, hold-out patches, the CSV log."""

import csv

import numpy as np
import pytest
from PIL import Image
from typer.testing import CliRunner

import animlearn
import animlearn.config.spec
from animlearn.canvas.compose import GAP
from animlearn.cli import app

runner = CliRunner()


def cli(*args):
    return runner.invoke(app, [str(a) for a in args])


def test_each_net_gets_a_panel_titled_with_its_parameter_count(picture, tmp_path):
    out, frames, log = tmp_path / "out.gif", tmp_path / "f", tmp_path / "run.csv"
    nets = ["2x16", "2x16:relu:fourier=8:sigma=3:adam:batch=64", "2x16:tanh:posenc=2:momentum:batch=64"]
    result = cli(
        "render", picture, "-o", out, "--size", "24", "--epochs", "2", *sum([["--net", n] for n in nets], []),
        "--target", "--frames", frames, "--log", log,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "wrote" in result.stdout and str(log) in result.stdout
    frame = np.asarray(Image.open(sorted(frames.iterdir())[-1]).convert("RGB"))
    # 24 x 18 px, enlarged 11x: four panels in a row, three gaps
    assert frame.shape[1] == 4 * 264 + 3 * GAP
    rows = list(csv.DictReader(open(log)))
    assert len(rows) == 2 * 3  # a row per network per frame
    assert [r["network"] for r in rows[:3]] == [animlearn.config.spec.parse(n).text() for n in nets]
    assert rows[0]["parameters"] == str(2 * 16 + 16 + 16 * 16 + 16 + 16 * 3 + 3)
    assert rows[1]["parameters"] == str(16 * 16 + 16 + 16 * 16 + 16 + 16 * 3 + 3)
    assert all(0 < float(r["psnr"]) < 99 and r["holdout_psnr"] == "" for r in rows)
    assert [r["epoch"] for r in rows[::3]] == ["1", "2"]
    assert float(rows[-1]["seconds"]) >= float(rows[0]["seconds"]) > 0


def test_the_api_takes_nets_and_reports_each(picture, tmp_path):
    r = animlearn.render(
        picture, tmp_path / "o.gif", size=24, epochs=2, nets=["2x8", "2x8:relu:adam:batch=32"]
    )
    assert r.names == ["2 × 8", "2 × 8 relu · adam"] and len(r.psnrs) == 2


def test_shallow_and_hidden_shortcuts_still_work_beside_nets(picture, tmp_path):
    r = animlearn.render(picture, tmp_path / "o.gif", size=24, epochs=1, nets=["2x8"], shallow=True)
    assert r.names == ["1 × 20", "2 × 8"], "the shallow net matches the first net's 123 parameters"
    result = cli("render", picture, "-o", tmp_path / "x.gif", "--hidden", "8,8", "--net", "2x8")
    assert result.exit_code == 2 and "give the layers in --net" in result.output


def test_bad_net_spec_is_one_line_exit_2_before_training(picture, tmp_path):
    result = cli("render", picture, "-o", tmp_path / "x.gif", "--net", "4x300:swish")
    assert result.exit_code == 2
    assert "--net '4x300:swish': unknown option 'swish'" in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert not (tmp_path / "x.gif").exists()


def test_holdout_hides_patches_outlines_them_and_scores_them_apart(picture, tmp_path):
    frames, log = tmp_path / "f", tmp_path / "run.csv"
    result = cli(
        "render", picture, "-o", tmp_path / "o.gif", "--size", "40", "--epochs", "3",
        "--net", "2x32:relu:adam:batch=64", "--holdout", "0.2",
        "--frames", frames, "--log", log, "--no-caption",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "trained/hidden" in result.stdout
    rows = list(csv.DictReader(open(log)))
    assert all(r["holdout_psnr"] != "" for r in rows)
    frame = np.asarray(Image.open(sorted(frames.iterdir())[-1]).convert("RGB")).astype(int)
    white = (frame == 255).all(axis=2)
    black = (frame == 0).all(axis=2)
    assert white.sum() > 50 and black.sum() > 50, "patches are outlined in white and black"


def test_holdout_that_hides_everything_is_refused(tmp_path):
    Image.new("RGB", (1, 1), "red").save(tmp_path / "dot.png")
    result = cli("render", tmp_path / "dot.png", "-o", tmp_path / "o.gif", "--size", "0", "--holdout", "0.1")
    assert result.exit_code == 2 and "hides the whole 1×1 picture" in result.output


@pytest.mark.parametrize("value", ["0.9", "-0.1"])
def test_holdout_out_of_range(picture, tmp_path, value):
    result = cli("render", picture, "-o", tmp_path / "o.gif", "--holdout", value)
    assert result.exit_code == 2 and "fraction from 0 to 0.5" in result.output


def test_log_must_be_csv(picture, tmp_path):
    result = cli("render", picture, "-o", tmp_path / "o.gif", "--log", tmp_path / "run.txt")
    assert result.exit_code == 2 and "give a .csv file name" in result.output


def test_plot_adds_a_psnr_chart_under_the_panels(picture, tmp_path):
    plain, plotted = tmp_path / "a", tmp_path / "b"
    for folder, extra in [(plain, []), (plotted, ["--plot"])]:
        result = cli(
            "render", picture, "-o", tmp_path / "o.gif", "--size", "24", "--epochs", "3",
            "--net", "2x16", "--net", "2x16:relu:adam:batch=32", "--frames", folder, *extra,
        )  # fmt: skip
        assert result.exit_code == 0, result.output
    a = np.asarray(Image.open(sorted(plain.iterdir())[-1]).convert("RGB"))
    b = np.asarray(Image.open(sorted(plotted.iterdir())[-1]).convert("RGB"))
    assert b.shape[0] > a.shape[0] and b.shape[1] == a.shape[1]
    extra = b[a.shape[0] - 25 : b.shape[0] - 25].reshape(-1, 3).astype(int)  # the strip, caption aside
    coloured = extra[(extra.max(axis=1) - extra.min(axis=1)) > 80]
    assert len({tuple(c) for c in coloured}) >= 2, "one coloured line per network"


@pytest.mark.parametrize(
    "args, message",
    [
        (["--net", "100000,100000"], "the 2x100000 network has 10,000,700,003 parameters, more than 50,000"),
        (["--net", "2x8:fourier=200000"], "400,000 input features for 1,200 pixels need 1.8 GB"),
        (["--shallow", "--shallow-width", "100000000"], "the 1x100000000 network has 600,000,003 parameters"),
    ],
)
def test_networks_too_big_for_memory_are_refused_before_training(picture, tmp_path, args, message):
    result = cli("render", picture, "-o", tmp_path / "o.gif", "--size", "40", *args)
    assert result.exit_code == 2 and message in result.output
    assert len(result.output.strip().splitlines()) == 1 and not (tmp_path / "o.gif").exists()


def test_one_net_spec_is_the_default_run_and_panels_do_not_disturb_each_other(picture, tmp_path):
    a = animlearn.render(picture, tmp_path / "a.gif", size=24, epochs=2, hidden=(16, 16))
    b = animlearn.render(picture, tmp_path / "b.gif", size=24, epochs=2, nets=["2x16"])
    c = animlearn.render(picture, tmp_path / "c.gif", size=24, epochs=2, nets=["2x16", "2x8:relu:adam"])
    assert (tmp_path / "a.gif").read_bytes() == (tmp_path / "b.gif").read_bytes()
    assert a.psnrs == b.psnrs == c.psnrs[:1], "a panel is the same whatever trains beside it"
