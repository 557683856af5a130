"""Ctrl-C and SIGTERM on a real `animlearn render` process."""

import os
import resource
import signal
import time

import pytest
from conftest import smooth_picture, start_render
from PIL import Image

STOP_SECONDS = 1.0  # README: training stops "within a fraction of a second"


def cpu_seconds(pid: int) -> float:
    """CPU time a running process has used so far, all its threads."""
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def children_cpu_seconds() -> float:
    """CPU time of this process's children that have ended."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def start(tmp_path, net="64,64"):
    """A render writing each frame into tmp_path/frames as it is painted."""
    picture = tmp_path / "picture.png"
    Image.fromarray(smooth_picture(64, 48)).save(picture)
    return start_render(picture, tmp_path / "out.gif", "--frames", tmp_path / "frames", net=net)


def wait_for_frames(proc, tmp_path, count=1) -> None:
    """Wait until `count` frames are on disk while `proc` trains."""
    deadline = time.monotonic() + 120
    while len(list((tmp_path / "frames").glob("frame_*.png"))) < count:
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "no frame in 120 s"
        time.sleep(0.01)


@pytest.mark.parametrize(
    "sig, net",
    [(signal.SIGINT, "64,64"), (signal.SIGTERM, "64,64"), (signal.SIGINT, "2x32:relu:grid=4:adam:batch=64")],
)
def test_a_signal_stops_training_and_writes_the_frames_so_far(tmp_path, sig, net):
    before = children_cpu_seconds()
    proc = start(tmp_path, net)
    wait_for_frames(proc, tmp_path)
    started = cpu_seconds(proc.pid)  # Python, imports, cached kernels, a first tiny epoch
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "interrupted after epoch" in err and "Traceback" not in err
    # Stopping training, writing the frames so far and exiting: at most a second more than
    # starting took. Counted in the process's CPU seconds, not the wall clock's, which on a
    # machine shared with other jobs measures their load (stops of 2 to 40 s were seen at a
    # load of 5 to 15 on 2 cores, each under a second of CPU).
    stopping = children_cpu_seconds() - before - started
    assert stopping < STOP_SECONDS + started, f"{stopping:.2f} s of CPU after the signal"
    with Image.open(tmp_path / "out.gif") as im:
        assert im.n_frames >= 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["frames", "out.gif", "picture.png"]


def test_a_second_ctrl_c_while_the_animation_is_written_aborts_without_partial_files(tmp_path):
    proc = start(tmp_path)
    wait_for_frames(proc, tmp_path, count=20)  # enough frames that writing them takes a while
    proc.send_signal(signal.SIGINT)
    deadline = time.monotonic() + 60
    while not list(tmp_path.glob(".out.*.gif")):  # the animation's temporary file: writing has begun
        assert proc.poll() is None, "the animation was written before a second Ctrl-C could reach it"
        assert time.monotonic() < deadline, "no animation was written after the first Ctrl-C"
        time.sleep(0.001)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "aborted; no output written" in err and "Traceback" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["frames", "picture.png"], "no partial file"
