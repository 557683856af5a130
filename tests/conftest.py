import resource
import signal
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

import animlearn


def smooth_picture(width: int, height: int) -> np.ndarray:
    """A smooth, colourful picture a small network can learn in a few epochs."""
    y, x = np.mgrid[0:height, 0:width] / np.array([max(height - 1, 1), max(width - 1, 1)])[:, None, None]
    rgb = np.stack([x, y, 0.5 + 0.4 * np.sin(3 * x + 2 * y)], axis=-1)
    return (rgb * 255 + 0.5).astype(np.uint8)


def gif_frames(path) -> list[np.ndarray]:
    """Every frame of a GIF as it shows, RGB."""
    with Image.open(path) as im:
        out = []
        for k in range(im.n_frames):
            im.seek(k)
            out.append(np.asarray(im.convert("RGB")))
    return out


@pytest.fixture(scope="session", autouse=True)
def compiled(tmp_path_factory):
    """Numba's kernels compiled and cached once, first: else every render and sweep worker
    that the tests start before the cache is written compiles them again (in a fresh clone)."""
    folder = tmp_path_factory.mktemp("compile")
    Image.fromarray(smooth_picture(12, 9)).save(folder / "picture.png")
    nets = ["4x300", "2x16:tanh", "2x16:sine", "2x16:relu:fourier=8:adam", "2x16:relu:grid=2:adam"]
    animlearn.render(folder / "picture.png", folder / "out.gif", epochs=1, size=12, nets=nets, shallow=True)


@pytest.fixture
def picture(tmp_path):
    """A 40 x 30 PNG on disk."""
    path = tmp_path / "picture.png"
    Image.fromarray(smooth_picture(40, 30)).save(path)
    return path


STARTED: list[subprocess.Popen] = []


def render_on_a_full_disk(picture, tmp_path, output: str, limit: int, *extra) -> str:
    """A real `animlearn render` under a file size limit (a full disk, as ffmpeg and our own
    writes see it): its stderr, once it has exited 2 and left nothing beside the picture."""
    args = [sys.executable, "-m", "animlearn", "render", picture, "-o", tmp_path / output, *extra]
    run = subprocess.run(
        [str(a) for a in args], capture_output=True, text=True, timeout=120,
        preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit)),
    )  # fmt: skip
    assert run.returncode == 2, run.stderr
    assert "Traceback" not in run.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["picture.png"]
    return run.stderr


def start_render(picture, output, *extra, net="64,64"):
    """A real `animlearn render` process on a run long enough to interrupt."""
    args = [sys.executable, "-m", "animlearn", "render", picture, "-o", output]
    layers = ["--hidden", net] if net[0].isdigit() and ":" not in net else ["--net", net]
    args += ["--size", "64", *layers, "--epochs", "100000", *extra]
    proc = subprocess.Popen(
        [str(a) for a in args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # A shell that runs the tests in the background ignores SIGINT, and a child
        # inherits that; Ctrl-C is what these tests are about, so give it back.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    STARTED.append(proc)
    return proc


@pytest.fixture(autouse=True)
def no_stray_renders():
    """Kill any render a failed test left running (they train for 100,000 epochs)."""
    yield
    while STARTED:
        proc = STARTED.pop()
        if proc.poll() is None:
            proc.kill()
            proc.communicate()


@pytest.fixture(scope="module")
def image(tmp_path_factory):
    """A small smooth picture shared by a module's sweeps."""
    path = tmp_path_factory.mktemp("picture") / "picture.png"
    Image.fromarray(smooth_picture(32, 24)).save(path)
    return path
