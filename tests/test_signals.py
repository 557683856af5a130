"""Ctrl-C and SIGTERM on a real `animlearn render` process."""

import signal
import time

import pytest
from conftest import smooth_picture, start_render
from PIL import Image


def start(tmp_path, net="64,64"):
    picture = tmp_path / "picture.png"
    Image.fromarray(smooth_picture(64, 48)).save(picture)
    return start_render(picture, tmp_path / "out.gif", net=net)


def wait_for_training(proc, seconds=4.0):
    time.sleep(seconds)  # start-up (imports, cached kernels) and a few epochs
    assert proc.poll() is None, proc.communicate()


@pytest.mark.parametrize(
    "sig, net",
    [(signal.SIGINT, "64,64"), (signal.SIGTERM, "64,64"), (signal.SIGINT, "2x32:relu:grid=4:adam:batch=64")],
)
def test_a_signal_stops_training_and_writes_the_frames_so_far(tmp_path, sig, net):
    proc = start(tmp_path, net)
    wait_for_training(proc)
    sent = time.monotonic()
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert time.monotonic() - sent < 30
    assert "interrupted after epoch" in err and "Traceback" not in err
    with Image.open(tmp_path / "out.gif") as im:
        assert im.n_frames >= 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.gif", "picture.png"]


def test_a_second_ctrl_c_aborts_without_partial_files(tmp_path):
    proc = start(tmp_path)
    wait_for_training(proc)
    proc.send_signal(signal.SIGINT)
    time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "Traceback" not in err
    # Either the whole animation was written before the second signal, or none of it.
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names in (["out.gif", "picture.png"], ["picture.png"])
    if "out.gif" in names:
        with Image.open(tmp_path / "out.gif") as im:
            assert im.n_frames >= 1
