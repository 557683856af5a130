"""One folder, one study; faults that fail one trial, not the sweep. Real worker processes,
real signals, real files: a folder that holds another study, or that a live sweep holds,
is refused before anything in it changes."""

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import crash
import numpy as np
import pytest
from conftest import smooth_picture
from PIL import Image

from animlearn.errors import AnimlearnError
from animlearn.study import executors, results
from animlearn.study.folder import LOCK_NAME, STUDY_NAME
from animlearn.study.show import save_paintings
from animlearn.study.sweep import SweepInterrupted, sweep

SIZE = 24
STUDY = dict(nets="1x16", seeds=2, epochs=4, size=SIZE, workers=1)


def cli(*args, **popen):
    """A real `animlearn` process, in its own process group, Ctrl-C as a terminal sends it."""
    return subprocess.Popen(
        [sys.executable, "-m", "animlearn", *map(str, args)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).parents[1],
        process_group=0,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        **popen,
    )


def snapshot(folder: Path) -> dict[str, tuple[int, bytes]]:
    """Every file in the folder: its modification time and bytes."""
    return {
        str(p.relative_to(folder)): (p.stat().st_mtime_ns, p.read_bytes())
        for p in folder.rglob("*")
        if p.is_file()
    }


@pytest.fixture(scope="module")
def done(image, tmp_path_factory):
    """A finished study, copied by the tests that change it."""
    out = tmp_path_factory.mktemp("done") / "out"
    return sweep(image, out, **STUDY)


def copy(folder: Path, to: Path) -> Path:
    shutil.copytree(folder, to)
    return to


def test_the_folder_records_its_study_and_the_same_command_resumes_it(done, image, tmp_path):
    folder = copy(done.folder, tmp_path / "out")
    saved = json.loads((folder / STUDY_NAME).read_text())
    study = saved["study"]
    assert study["nets"] == ["1x16"] and study["seeds"] == 2 and study["size"] == SIZE
    assert len(study["picture"]) == 64 and {"lr", "lr_scale", "holdout"} <= set(study)
    assert saved["schedule"] == {"epochs": 4, "halving": None, "grace": None}  # None: a tenth of the epochs
    assert not (folder / LOCK_NAME).exists(), "the lock goes with the sweep"
    before = snapshot(folder / "trials")
    again = sweep(image, folder, **STUDY)
    assert [(r.trial, r.psnr) for r in again.rows] == [(r.trial, r.psnr) for r in done.rows]
    assert snapshot(folder / "trials") == before, "a resumed study trains nothing twice"
    longer = sweep(image, folder, **dict(STUDY, epochs=6))  # another schedule: the same study, longer
    assert all(r.epochs == 6 for r in longer.rows)
    assert json.loads((folder / STUDY_NAME).read_text())["schedule"]["epochs"] == 6


def test_what_a_ctrl_c_left_of_an_atomic_write_is_swept_up_and_the_study_files_stay(done, image, tmp_path):
    folder = copy(done.folder, tmp_path / "out")
    trial = next((folder / "trials").iterdir())
    left = [
        folder / ".index.4mkfn9zv.html",
        folder / ".results.k2j3h4g5.csv",
        trial / ".paintings.ab_cd123.npy",
    ]
    for path in left:
        path.write_text("half")
    mine = [folder / ".notes.txt", trial / "notes.txt"]  # not what atomic writes leave: kept
    for path in mine:
        path.write_text("mine")
    sweep(image, folder, **STUDY)
    assert not any(p.exists() for p in left) and all(p.exists() for p in mine)
    assert {p.name for p in folder.iterdir()} >= {"index.html", "results.csv", "study.json", "trials"}


@pytest.mark.parametrize(
    "change, said",
    [
        (dict(lr=0.2), "holds another study (--lr 0.8, not 0.2)"),
        (dict(nets="2x16"), "holds another study (other networks (1 specs, the first '1x16'))"),
        (dict(seeds=3), "holds another study (--seeds 2, not 3)"),
        (dict(size=20), "holds another study (--size 24, not 20)"),
        (dict(holdout=0.1), "holds another study (--holdout 0.0, not 0.1)"),
    ],
)
def test_another_study_into_the_folder_is_refused_and_nothing_changes(done, image, change, said):
    before = snapshot(done.folder)
    with pytest.raises(AnimlearnError) as e:
        sweep(image, done.folder, **dict(STUDY, **change))
    assert said in str(e.value) and "\n" not in str(e.value), e.value
    assert snapshot(done.folder) == before


def test_another_picture_from_the_command_line_is_one_line_exit_2(done, tmp_path):
    other = tmp_path / "other.png"
    Image.fromarray(smooth_picture(32, 24)[::-1]).save(other)
    before = snapshot(done.folder)
    proc = cli(
        "sweep", other, "-o", done.folder, "--net", "1x16", "--seeds", 2, "--epochs", 4, "--size", SIZE
    )
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 2 and err.count("\n") == 1, err
    assert "holds another study (another picture)" in err
    assert snapshot(done.folder) == before


def test_a_folder_that_is_not_a_study_is_refused(image, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    with pytest.raises(AnimlearnError, match="not a study folder"):
        sweep(image, out, **STUDY)
    assert [p.name for p in out.iterdir()] == ["notes.txt"]


def test_a_second_sweep_while_one_runs_stops_at_once_and_a_stale_lock_is_taken_over(image, tmp_path):
    out = tmp_path / "out"
    args = ["sweep", image, "-o", out, "--net", "{1,2}x{16,32}", "--seeds", "2", "--epochs", "200"]
    first = cli(*args, "--size", SIZE, "--workers", "1")
    while first.poll() is None and not (out / LOCK_NAME).is_file():
        time.sleep(0.01)
    time.sleep(0.2)  # its pid is written
    start = time.monotonic()
    second = cli(*args, "--size", SIZE, "--workers", "1")
    _, err = second.communicate(timeout=60)
    assert second.returncode == 2 and err.count("\n") == 1, err
    assert f"{out}: a sweep (pid {first.pid}) is writing it" in err and time.monotonic() - start < 15
    os.killpg(first.pid, signal.SIGKILL)  # it dies holding the lock: sweep.lock stays behind, stale
    first.communicate(timeout=60)
    assert (out / LOCK_NAME).is_file()
    with pytest.raises(SweepInterrupted):  # the stale lock does not stop a new sweep
        sweep(image, out, nets="{1,2}x{16,32}", seeds=2, epochs=200, size=SIZE, workers=1, on_progress=ctrl_c)
    assert not (out / LOCK_NAME).exists()


def ctrl_c(report) -> None:
    """An on_progress that presses Ctrl-C at the first result."""
    raise KeyboardInterrupt


def test_paintings_that_do_not_match_the_epochs_are_refused(done, image, tmp_path):
    folder = copy(done.folder, tmp_path / "out")
    trial = folder / "trials" / done.rows[0].trial
    save_paintings(trial / "paintings.npy", np.zeros((2, 18, 24, 3), np.uint8))  # 2 paintings, 4 epochs
    with pytest.raises(
        AnimlearnError, match="2 paintings for the 4 epochs of trial.ckpt; move the folder away"
    ):
        sweep(image, folder, **dict(STUDY, epochs=6))
    other = folder / "trials" / done.rows[1].trial
    (trial / "trial.ckpt").write_bytes((other / "trial.ckpt").read_bytes())
    with pytest.raises(AnimlearnError, match="trial.ckpt holds another trial's network"):
        sweep(image, folder, **STUDY)


def test_a_trial_that_kills_its_worker_is_retried_then_failed_and_the_rest_finish(
    image, tmp_path, monkeypatch
):
    log = tmp_path / "jobs.log"
    monkeypatch.setenv("CRASH_LOG", str(log))
    monkeypatch.setattr(executors, "run_trial", crash.run_or_crash)
    out = tmp_path / "out"
    study = dict(nets="{1,2}x16", seeds=1, epochs=12, size=SIZE, workers=2)  # chunks of 2 epochs
    result = sweep(image, out, **study)
    by_spec = {r.spec: r for r in result.rows}
    assert by_spec["1x16"].status == "ok" and by_spec["1x16"].epochs == 12
    failed = by_spec[crash.CRASHES]
    assert failed.status == "failed" and failed.epochs == 2 and failed.psnr is not None
    assert failed.note == "its worker process died (exit code 3); 4 tries" and result.retries == 3
    table = (out / "results.md").read_text()
    assert f"- `{crash.CRASHES}` seed 0 failed: its worker process died (exit code 3); 4 tries" in table
    jobs = log.read_text().splitlines()
    assert sorted(j for j in jobs if j.startswith("1x16 ")) == sorted(f"1x16 {e}" for e in range(2, 13, 2))
    assert jobs.count(f"{crash.CRASHES} 2") == 1 and jobs.count(f"{crash.CRASHES} 4") == 4
    # Run again without the fault: the failed trial is tried again and finishes; the other is kept.
    monkeypatch.undo()
    kept = snapshot(out / "trials" / by_spec["1x16"].trial)
    again = sweep(image, out, **study)
    assert all(r.status == "ok" and r.epochs == 12 for r in again.rows)
    assert snapshot(out / "trials" / by_spec["1x16"].trial) == kept


def test_ctrl_c_while_the_pictures_are_drawn_says_what_was_written(image, tmp_path):
    out = tmp_path / "out"
    args = ["sweep", image, "-o", out, "--net", "{1,2}x{16,32}", "--epochs", "60", "--size", "32"]
    proc = cli(*args)
    while proc.poll() is None and not (out / "sheet.png").is_file():
        time.sleep(0.001)
    os.killpg(proc.pid, signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    [message] = [line for line in err.splitlines() if line.startswith("animlearn:")]
    assert "Traceback" not in err
    wrote = message.split("wrote ", 1)[1].split(" (", 1)[0].split(", ")
    present = sorted(p.name for p in out.iterdir() if p.is_file() and p.name != STUDY_NAME)
    assert sorted(wrote) == present and {"results.csv", "results.md", "sheet.png"} <= set(wrote), message
    assert "race.mp4" not in wrote and not list(out.rglob(".*")), "no partial picture"
    assert len(results.read(out)) == 4
