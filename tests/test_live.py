"""Watching a run live: frames and log rows on disk as they are painted, and a
progress line with the latest frame in Jupyter."""

import base64
import csv
import io
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from conftest import smooth_picture, start_render
from PIL import Image
from typer.testing import CliRunner

import animlearn
from animlearn.cli import app
from animlearn.io import checkpoint
from animlearn.io.log import COLUMNS

ROOT = Path(__file__).resolve().parent.parent


def frame_files(folder: Path) -> list[Path]:
    """The finished frames (not the temporary files beside them), in name order."""
    return sorted(folder.glob("frame_*.png")) if folder.is_dir() else []


def whole_lines(log: Path) -> int:
    return log.read_text().count("\n") if log.exists() else 0


def read_log(log: Path) -> list[list[str]]:
    text = log.read_text()
    assert text.endswith("\n"), "the last row is whole"
    rows = list(csv.reader(text.splitlines()))
    assert rows[0] == list(COLUMNS) and all(len(row) == len(COLUMNS) for row in rows)
    return rows[1:]


def interrupt_when_written(proc: subprocess.Popen, frames: Path, log: Path, count: int = 2) -> str:
    """Wait until `count` frames and log rows are on disk while `proc` still trains,
    then Ctrl-C it; its stderr."""
    deadline = time.monotonic() + 90
    while len(frame_files(frames)) < count or whole_lines(log) < 1 + count:
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "no frames or log rows while the run went on"
        time.sleep(0.05)
    assert proc.poll() is None, "the run was still training"
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    return err


def start(tmp_path: Path, *extra) -> subprocess.Popen:
    picture = tmp_path / "picture.png"
    Image.fromarray(smooth_picture(64, 48)).save(picture)
    # 5,000 planned frames: the names' numbers have their usual five digits
    return start_render(picture, tmp_path / "out.gif", "--epochs", "5000", *extra)


def test_frames_and_log_rows_are_on_disk_while_the_render_runs(tmp_path):
    frames, log = tmp_path / "frames", tmp_path / "run.csv"
    proc = start(tmp_path, "--frames", frames, "--log", log)
    err = interrupt_when_written(proc, frames, log)
    assert "Traceback" not in err
    rows = read_log(log)
    assert len(rows) >= 2
    names = [p.name for p in frame_files(frames)]
    assert names == [f"frame_{k:05d}.png" for k in range(1, len(rows) + 1)], "a row per frame, in order"
    assert [row[0] for row in rows] == [str(k) for k in range(1, len(rows) + 1)]
    assert sorted(p.name for p in frames.iterdir()) == names, "no temporary files left"
    for path in frame_files(frames):
        with Image.open(path) as im:
            im.load()
            assert im.size == Image.open(frames / names[0]).size


def test_a_resumed_run_writes_the_checkpoints_frames_and_rows_and_goes_on(tmp_path):
    frames, log, cp = tmp_path / "frames", tmp_path / "run.csv", tmp_path / "run.ckpt"
    proc = start(tmp_path, "--frames", frames, "--log", log, "--checkpoint", cp)
    interrupt_when_written(proc, frames, log)
    saved = checkpoint.read(cp)
    done, kept = saved.meta["epochs_done"], list(checkpoint.frames(cp))
    assert len(kept) == saved.frame_count == done >= 1

    picture, again, fresh = tmp_path / "picture.png", tmp_path / "again.csv", tmp_path / "fresh"
    for folder, path in ((frames, log), (fresh, again)):  # the same folder and log, and new ones
        result = animlearn.render(
            picture, tmp_path / "more.gif", epochs=done + 2, resume=cp, frames=folder, log=path
        )
        assert result.frames == done + 2
        rows = read_log(path)
        assert [row[0] for row in rows] == [str(k) for k in range(1, done + 3)], "row count = frames"
        files = frame_files(folder)
        assert [p.name for p in files] == [f"frame_{k:05d}.png" for k in range(1, done + 3)]
        for file, frame in zip(files, kept):
            assert np.array_equal(np.asarray(Image.open(file)), frame)
    assert read_log(log)[:done] == read_log(again)[:done]


def test_a_bad_log_path_fails_before_training(tmp_path, picture):
    args = ["render", picture, "-o", tmp_path / "out.gif", "--size", "24", "--frames", tmp_path / "f"]
    result = CliRunner().invoke(app, [str(a) for a in [*args, "--log", tmp_path / "no" / "run.csv"]])
    assert result.exit_code == 2 and len(result.stderr.strip().splitlines()) == 1
    assert "folder" in result.stderr and "does not exist" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["picture.png"]


def test_outside_jupyter_a_render_prints_nothing(tmp_path, picture):
    code = (
        "import sys, animlearn\n"
        f"animlearn.render({str(picture)!r}, {str(tmp_path / 'out.gif')!r}, size=24, hidden=(8,), epochs=3)\n"
        "assert 'IPython' not in sys.modules\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout == ""


def kernel(tmp_path: Path):
    """A real IPython kernel on this Python, importing this animlearn, and its client.
    The dev extra installs jupyter_client and ipykernel: a kernel that cannot start is a
    failure, not a reason to skip."""
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import KernelManager

    spec = tmp_path / "kernels" / "animlearn"
    spec.mkdir(parents=True)
    argv = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    (spec / "kernel.json").write_text(
        json.dumps({"argv": argv, "display_name": "animlearn", "language": "python"})
    )
    specs = KernelSpecManager(kernel_dirs=[str(spec.parent)])
    km = KernelManager(kernel_name="animlearn", kernel_spec_manager=specs)
    km.start_kernel(cwd=str(tmp_path), env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        kc = km.client()
        kc.start_channels()
        kc.wait_for_ready(timeout=60)
    except BaseException:
        km.shutdown_kernel(now=True)
        raise
    return km, kc


def messages_of(kc, msg_id: str, seconds: float = 60) -> list[dict]:
    """Every iopub message of one execute request, up to its kernel going idle."""
    out, deadline = [], time.monotonic() + seconds
    while time.monotonic() < deadline:
        msg = kc.get_iopub_msg(timeout=deadline - time.monotonic())
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        out.append(msg)
        if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
            return out
    raise AssertionError("the kernel did not finish")


def test_in_jupyter_a_render_shows_its_progress_and_latest_frame_as_it_trains(tmp_path, picture):
    km, kc = kernel(tmp_path)
    try:
        options = "size=40, hidden=(96, 96, 96), epochs=60, seed=0"
        # No throttle, so every epoch updates whatever this machine's speed.
        setup = "import animlearn, animlearn.notebook\nanimlearn.notebook.UPDATE_SECONDS = 0\n"
        msg_id = kc.execute(f"{setup}animlearn.render({str(picture)!r}, 'out.gif', {options})")
        iopub = messages_of(kc, msg_id)
        reply = kc.get_shell_msg(timeout=30)
        while reply["parent_header"].get("msg_id") != msg_id:  # e.g. wait_for_ready's kernel_info
            reply = kc.get_shell_msg(timeout=30)
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
    assert reply["parent_header"]["msg_id"] == msg_id and reply["content"]["status"] == "ok", reply["content"]
    kinds = [m["msg_type"] for m in iopub]
    assert "error" not in kinds and "stream" not in kinds, iopub

    def shown(m):
        return (
            m["msg_type"] in ("display_data", "update_display_data") and "image/png" in m["content"]["data"]
        )

    pictures = [m for m in iopub if shown(m)]
    assert pictures and pictures[0]["msg_type"] == "display_data"
    display_id = pictures[0]["content"]["transient"]["display_id"]
    updates = [m for m in pictures[1:] if m["content"]["transient"]["display_id"] == display_id]
    assert len(updates) >= 3 and len(updates) == len(pictures) - 1
    assert all(m["header"]["date"] < reply["header"]["date"] for m in pictures)
    for m in pictures:
        png = base64.b64decode(m["content"]["data"]["image/png"])
        with Image.open(io.BytesIO(png)) as im:
            assert im.format == "PNG" and max(im.size) <= 480
    lines = [
        m for m in iopub if m["msg_type"] in ("display_data", "update_display_data") and m not in pictures
    ]
    assert lines and "epoch 60/60" in lines[-1]["content"]["data"]["text/plain"]
    (result,) = [m for m in iopub if m["msg_type"] == "execute_result"]
    assert kinds.index("execute_result") > kinds.index("update_display_data")
    assert 'src="data:image/gif;base64,' in result["content"]["data"]["text/html"]
