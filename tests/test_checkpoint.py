"""Checkpoints: resume gives the same run as no interruption; paint a saved network."""

import gzip
import io
import math
import signal
import time
import zipfile
from pathlib import Path

import numpy as np
import pytest
from conftest import gif_frames, render_on_a_full_disk, start_render
from PIL import Image
from typer.testing import CliRunner

import animlearn
from animlearn.canvas import paint
from animlearn.cli import app
from animlearn.config import settings
from animlearn.config.spec import NetSpec
from animlearn.errors import AnimlearnError
from animlearn.io import checkpoint, target
from animlearn.nets import model
from animlearn.run import Run

DATA = Path(__file__).parent / "data"
SMALL = dict(size=24, hidden=(16, 16), seed=3)


@pytest.mark.parametrize("per_epoch", [1, 2])
def test_resume_continues_to_the_same_result_as_one_long_run(picture, tmp_path, per_epoch):
    # the long run's decay: by default a quarter of --epochs, which the checkpoint would keep
    opts = dict(SMALL, shallow=True, frames_per_epoch=per_epoch, halflife=2)
    whole = animlearn.render(picture, tmp_path / "whole.gif", epochs=8, **opts)

    cp = tmp_path / "run.ckpt"
    animlearn.render(picture, tmp_path / "first.gif", epochs=5, checkpoint=cp, **opts)
    saved = checkpoint.read(cp)
    assert saved.meta["epochs_done"] == 5 and saved.frame_count == 5 * per_epoch
    resumed = animlearn.render(picture, tmp_path / "resumed.gif", epochs=8, resume=cp)

    assert resumed.frames == 8 * per_epoch and resumed.psnrs == whole.psnrs
    a, b = gif_frames(tmp_path / "whole.gif"), gif_frames(tmp_path / "resumed.gif")
    assert len(a) == len(b) == 8 * per_epoch and all(np.array_equal(x, y) for x, y in zip(a, b))


def test_resume_continues_the_lab_networks_exactly(picture, tmp_path):
    """Adam's moments, a grid's tables, Fourier frequencies, the hold-out, the
    strip and the log all survive a checkpoint."""
    nets = ["2x16:relu:grid=3:cap=64:adam:halflife=2", "2x8:sine:fourier=4:momentum:batch=32"]
    nets.append("2x8:tanh:posenc=2")
    opts = dict(size=24, nets=nets, seed=3, holdout=0.1, plot=True, halflife=1)  # one decay for both runs
    animlearn.render(picture, tmp_path / "whole.gif", epochs=4, log=tmp_path / "whole.csv", **opts)
    cp = tmp_path / "run.ckpt"
    animlearn.render(picture, tmp_path / "first.gif", epochs=2, checkpoint=cp, **opts)
    animlearn.render(picture, tmp_path / "resumed.gif", epochs=4, resume=cp, log=tmp_path / "resumed.csv")
    a, b = gif_frames(tmp_path / "whole.gif"), gif_frames(tmp_path / "resumed.gif")
    assert len(a) == len(b) == 4 and all(np.array_equal(x, y) for x, y in zip(a, b))

    def rows(name):  # all but the seconds, which differ from run to run
        return [line.rsplit(",", 1)[0] for line in (tmp_path / name).read_text().splitlines()]

    assert rows("whole.csv") == rows("resumed.csv") and len(rows("whole.csv")) == 1 + 4 * 3

    # Any panel paints at any size; the grid one between its vertices too.
    for k in (1, 2, 3):
        animlearn.paint(cp, tmp_path / f"p{k}.png", size=80, net=str(k))
        with Image.open(tmp_path / f"p{k}.png") as im:
            assert im.size == (80, 60) and len(np.unique(np.asarray(im).reshape(-1, 3), axis=0)) > 20
    with pytest.raises(AnimlearnError, match=r"--net '4'.*1 \(2 × 16 relu · grid 3"):
        animlearn.paint(cp, tmp_path / "p.png", net="4")


def test_resume_refuses_other_training_options_and_fewer_epochs(picture, tmp_path):
    cp = tmp_path / "run.ckpt"
    animlearn.render(picture, tmp_path / "first.gif", epochs=3, checkpoint=cp, **SMALL)
    with pytest.raises(AnimlearnError, match=r"--hidden 8: the checkpoint was made with [\d,]+;"):
        animlearn.render(picture, tmp_path / "x.gif", epochs=6, resume=cp, hidden=(8,))
    with pytest.raises(AnimlearnError, match=r"--net 2x8: the checkpoint was made with \(none\);"):
        animlearn.render(picture, tmp_path / "x.gif", epochs=6, resume=cp, nets=["2x8"])
    with pytest.raises(AnimlearnError, match="--epochs 3.*already"):
        animlearn.render(picture, tmp_path / "x.gif", epochs=3, resume=cp)
    other = tmp_path / "other.png"
    Image.new("RGB", (40, 30), (9, 9, 9)).save(other)
    with pytest.raises(AnimlearnError, match="different picture"):
        animlearn.render(other, tmp_path / "x.gif", epochs=6, resume=cp)


def test_ctrl_c_saves_a_checkpoint_that_resumes(picture, tmp_path):
    cp = tmp_path / "run.ckpt"
    proc = start_render(picture, tmp_path / "out.gif", "--checkpoint", cp)
    time.sleep(4)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    done = checkpoint.read(cp).meta["epochs_done"]
    assert done >= 1 and checkpoint.read(cp).frame_count == done
    result = animlearn.render(picture, tmp_path / "more.gif", epochs=done + 2, resume=cp)
    assert result.frames == done + 2


def test_a_checkpoint_keeps_only_the_frames_of_its_finished_epochs(picture, tmp_path):
    """Ctrl-C can land after a frame of an unfinished epoch was painted; that frame
    is painted again on resume, so the checkpoint must not keep it, nor its scores."""
    s = settings.resolve(epochs=4, **SMALL)
    run = Run.new(s, target.load(picture, s.size))
    run.train(until=2)
    snap = run.snapshot()
    run.train(until=3)  # one frame more than the snapshot holds
    cp = tmp_path / "run.ckpt"
    run.save(cp, snap)
    run.close()
    frames = list(checkpoint.frames(cp))
    assert len(frames) == checkpoint.read(cp).frame_count == 2
    assert all(np.array_equal(a, b) for a, b in zip(frames, run.buffer))
    assert [len(h) for h in checkpoint.read(cp).meta["scores"]["history"]] == [2]
    whole = animlearn.render(picture, tmp_path / "whole.gif", epochs=4, **SMALL)
    resumed = animlearn.render(picture, tmp_path / "resumed.gif", epochs=4, resume=cp)
    assert resumed.psnrs == whole.psnrs
    a, b = gif_frames(tmp_path / "whole.gif"), gif_frames(tmp_path / "resumed.gif")
    assert len(a) == len(b) == 4 and all(np.array_equal(x, y) for x, y in zip(a, b))


def test_a_checkpoint_from_before_the_format_change_resumes(picture, tmp_path):
    """tests/data/format2.ckpt.gz was written by animlearn before its spec fields and
    optimizer arrays were renamed (format 2): a Fourier and a grid network, 2 epochs."""
    cp = tmp_path / "old.ckpt"
    cp.write_bytes(gzip.decompress((DATA / "format2.ckpt.gz").read_bytes()))
    # It trained on this picture at --size 20, with --holdout 0.1.
    result = animlearn.render(picture, tmp_path / "more.gif", epochs=4, resume=cp)
    assert result.frames == 4 and result.epochs == 4
    assert result.names == ["2 × 8 relu · fourier 4 σ 10 · adam", "2 × 4 relu · grid 2 · adam"]
    assert all(math.isfinite(p) for p in result.psnrs + result.holdout_psnrs)
    painted = CliRunner().invoke(app, ["paint", str(cp), "-o", str(tmp_path / "p.png"), "--net", "2"])
    assert painted.exit_code == 0, painted.output

    # The stored weights are the ones used: the first network painted from the file equals a
    # new network of its spec given the arrays read straight from the zip (format 2 names).
    animlearn.paint(cp, tmp_path / "fourier.png", size=40, net="1")
    with zipfile.ZipFile(cp) as z:
        params, matrix = (np.load(io.BytesIO(z.read(f"{name}0.npy"))) for name in ("params", "matrix"))
    fresh = model.build(
        NetSpec(hidden=(8, 8), act="relu", encoding="fourier", frequencies=4, optimizer="adam"),
        0.1, "fan-in", 20, 15, np.random.default_rng(1),
    )  # fmt: skip
    assert fresh.net.params.shape == params.shape and not np.array_equal(fresh.net.params, params)
    fresh.net.params[:], fresh.enc.matrix = params, matrix
    want = paint.picture(fresh, 40, 30)
    assert np.array_equal(np.asarray(Image.open(tmp_path / "fourier.png").convert("RGB")), want)
    assert len(np.unique(want.reshape(-1, 3), axis=0)) > 20, "a picture, not a flat colour"


def test_paint_a_checkpoint_at_any_size(picture, tmp_path):
    cp = tmp_path / "run.ckpt"
    animlearn.render(picture, tmp_path / "first.gif", epochs=2, shallow=True, checkpoint=cp, **SMALL)
    result = CliRunner().invoke(app, ["paint", str(cp), "-o", str(tmp_path / "big.png"), "--size", "200"])
    assert result.exit_code == 0, result.output
    with Image.open(tmp_path / "big.png") as im:
        assert im.size == (200, 150)  # the 40 x 30 picture's aspect
    shallow = CliRunner().invoke(
        app, ["paint", str(cp), "-o", str(tmp_path / "s.jpg"), "--size", "64", "--net", "shallow"]
    )
    assert shallow.exit_code == 0 and Image.open(tmp_path / "s.jpg").size == (64, 48)
    bad = CliRunner().invoke(app, ["paint", str(tmp_path / "first.gif"), "-o", str(tmp_path / "x.png")])
    assert bad.exit_code == 2 and "not a readable animlearn checkpoint" in bad.stderr


def test_a_checkpoint_the_disk_cannot_hold_is_one_line_and_exit_2(picture, tmp_path):
    """The GIF fits under the limit, the 4 x 300 net's checkpoint (about 1 MB) does not."""
    extra = ["--size", "24", "--epochs", "3", "--checkpoint", tmp_path / "run.ckpt"]
    err = render_on_a_full_disk(picture, tmp_path, "out.gif", 200_000, *extra)
    assert "run.ckpt: could not save the checkpoint (File too large)" in err
