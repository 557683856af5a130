"""--holdout every-other: Tancik et al.'s protocol, train on [::2, ::2], test on [1::2, 1::2]."""

import numpy as np
import pytest
from typer.testing import CliRunner

import animlearn
from animlearn.cli import app
from animlearn.io import checkpoint, target
from animlearn.nets.model import Model


def test_every_other_trains_on_a_quarter_and_scores_the_odd_lattice(picture, tmp_path):
    seen = []
    cp = tmp_path / "run.ckpt"
    result = animlearn.render(
        picture, tmp_path / "o.gif", size=24, epochs=3, nets=["2x16:relu:adam"], holdout="every-other",
        checkpoint=cp, target=True, on_epoch=seen.append,
    )  # fmt: skip
    pixels = target.load(picture, 24).pixels  # 24 x 18
    assert seen[-1].samples == 12 * 9  # pixels [::2, ::2] only
    saved = checkpoint.read(cp)
    model = Model.restored(saved.meta["models"][0], saved.arrays[0], 24, 18)
    painted = animlearn.canvas.paint.picture(model, 24, 18).astype(float)

    def db(rows: slice, cols: slice) -> float:
        mse = np.mean((painted[rows, cols] - pixels[rows, cols]) ** 2) / 255**2
        return 10 * np.log10(1 / mse)

    odd, even = slice(1, None, 2), slice(0, None, 2)
    assert result.holdout_psnrs[0] == pytest.approx(db(odd, odd), abs=1e-9)
    assert result.psnrs[0] == pytest.approx(db(even, even), abs=1e-9)


def test_every_other_from_the_command_line_logs_the_hidden_psnr(picture, tmp_path):
    out, log = tmp_path / "o.gif", tmp_path / "o.csv"
    args = ["render", str(picture), "-o", str(out), "--size", "24", "--epochs", "2", "--hidden", "8"]
    ok = CliRunner().invoke(app, [*args, "--holdout", "every-other", "--target", "--log", str(log)])
    assert ok.exit_code == 0, ok.output
    assert "PSNR on trained/hidden pixels" in ok.output
    rows = log.read_text().splitlines()
    assert rows[0].endswith("holdout_psnr,seconds") and all(r.split(",")[5] for r in rows[1:])
    bad = CliRunner().invoke(app, [*args, "--holdout", "every-third"])
    assert bad.exit_code == 2 and "every-other" in bad.stderr and len(bad.stderr.strip().splitlines()) == 1
