import subprocess
import sys

import numpy as np
import pytest
from PIL import Image


def smooth_picture(width: int, height: int) -> np.ndarray:
    """A smooth, colourful picture a small network can learn in a few epochs."""
    y, x = np.mgrid[0:height, 0:width] / np.array([max(height - 1, 1), max(width - 1, 1)])[:, None, None]
    rgb = np.stack([x, y, 0.5 + 0.4 * np.sin(3 * x + 2 * y)], axis=-1)
    return (rgb * 255 + 0.5).astype(np.uint8)


@pytest.fixture
def picture(tmp_path):
    """A 40 x 30 PNG on disk."""
    path = tmp_path / "picture.png"
    Image.fromarray(smooth_picture(40, 30)).save(path)
    return path


def start_render(picture, output, *extra, net="64,64"):
    """A real `animlearn render` process on a run long enough to interrupt."""
    args = [sys.executable, "-m", "animlearn", "render", picture, "-o", output]
    layers = ["--hidden", net] if net[0].isdigit() and ":" not in net else ["--net", net]
    args += ["--size", "64", *layers, "--epochs", "100000", *extra]
    return subprocess.Popen([str(a) for a in args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
