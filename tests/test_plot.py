"""The PSNR chart: what a viewer sees of each network's line, its colour, its legend and its axes."""

import hashlib
import os
import subprocess
import sys
from collections import Counter

import numpy as np
import pytest

from animlearn.canvas.plot import chart

NAN, INF = float("nan"), float("inf")
INK = (40, 40, 40)  # axes and labels
BLUE, VERMILLION = (0, 114, 178), (213, 94, 0)  # Okabe and Ito's first two colours: networks 1 and 2
LINE = 2  # px, a line's width: it may reach this far above the top of the axis


def rising(seconds: float = 60, start: float = 12, end: float = 32) -> list[tuple[float, float]]:
    return [(t, start + (end - start) * t / seconds) for t in np.linspace(0, seconds, 61)]


def flat(db: float, seconds: float = 60) -> list[tuple[float, float]]:
    return [(t, db) for t in np.linspace(0, seconds, 31)]


def axes(picture: np.ndarray) -> tuple[int, int, int, int]:
    """(left, right, top, bottom) of the axis lines: the time axis is the longest line in the
    text colour, the dB axis rises from its left end."""
    ink = (picture == INK).all(axis=-1)
    bottom = int(ink.sum(axis=1).argmax())
    cols = np.flatnonzero(ink[bottom])
    run = max(np.split(cols, np.flatnonzero(np.diff(cols) > 1) + 1), key=len)
    left, right, top = int(run[0]), int(run[-1]), bottom
    while top > 0 and ink[top - 1, left]:
        top -= 1
    return left, right, top, bottom


def inside(picture: np.ndarray) -> np.ndarray:
    """Pixels within the axes (where the lines are drawn), as an (h, w) mask."""
    left, right, top, bottom = axes(picture)
    mask = np.zeros(picture.shape[:2], bool)
    mask[top - LINE : bottom, left + 1 : right + 1] = True
    return mask


def legend(picture: np.ndarray) -> np.ndarray:
    """The rows above the axes, where the legend is."""
    return picture[: axes(picture)[2] - LINE - 1]


def pixels(picture: np.ndarray, colour: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
    """Rows and columns of the pixels within the axes that are exactly `colour`."""
    return np.nonzero(inside(picture) & (picture == colour).all(axis=-1))


def tinted(picture: np.ndarray, colour: tuple[int, ...]) -> int:
    """How many pixels are `colour` partly blended with white: the anti-aliased edges of text in it
    (a line is drawn in the colour itself)."""
    fade = 255 - picture.astype(float)  # how far from white
    want = 255 - np.array(colour, float)
    share = fade.sum(axis=-1) / want.sum()
    blend = (np.abs(fade - share[..., None] * want) <= 6).all(axis=-1)
    return int((blend & (0.15 < share) & (share < 0.9)).sum())


def line_colours(picture: np.ndarray) -> list[tuple[int, ...]]:
    """The colours of the lines within the axes: common, and not the greys of text and grid
    (black is a line's)."""
    counts = Counter(map(tuple, picture[inside(picture)].tolist()))
    return [c for c, n in counts.most_common() if n >= 20 and (len(set(c)) > 1 or c == (0, 0, 0))]


@pytest.mark.parametrize("width,height", [(640, 140), (200, 100), (300, 40)])
def test_each_network_is_a_line_in_its_colour_at_its_psnr(width, height):
    picture = chart(width, height, [flat(20), flat(30)], ["a", "b"])
    assert picture.shape == (height, width, 3) and picture.dtype == np.uint8
    left, right, top, bottom = axes(picture)
    assert right - left > 0.7 * width and bottom - top >= 8
    for colour, db in ((BLUE, 20), (VERMILLION, 30)):
        ys, xs = pixels(picture, colour)
        # 20 and 30 dB: the axis is rounded out to 5 dB at least 1 dB past them, 15 to 35 dB.
        want = bottom - (db - 15) / (35 - 15) * (bottom - top)
        assert len(ys) and abs(ys.mean() - want) <= 1.5 and ys.max() - ys.min() <= LINE
        assert xs.min() <= left + 2 and xs.max() >= right - 2, "from the first time to the last"


def test_a_rising_series_is_drawn_higher_on_the_right():
    picture = chart(400, 120, [rising()], ["net"])
    (colour,) = line_colours(picture)
    assert colour == BLUE
    ys, xs = pixels(picture, colour)
    left, right = xs < np.percentile(xs, 20), xs > np.percentile(xs, 80)
    assert ys[right].mean() < ys[left].mean() - 20  # rows count down the picture
    assert xs.max() - xs.min() > 300  # the whole run, 0 to 60 s, spans the chart


def test_two_networks_have_two_colours_and_their_names_are_in_them():
    picture = chart(400, 120, [flat(15), flat(30)], ["shallow", "deep"])
    assert sorted(line_colours(picture)) == sorted([BLUE, VERMILLION])
    low, high = (pixels(picture, c)[0].mean() for c in (BLUE, VERMILLION))
    assert low - high > 20  # two separate lines, each in one colour; 30 dB above 15 dB
    assert all(tinted(legend(picture), c) > 40 for c in (BLUE, VERMILLION)), "names in their colour"


def test_eight_networks_in_200_px_get_eight_colours():
    names = [f"deep {k} 64×64" for k in range(8)]
    picture = chart(200, 110, [flat(12 + 4 * k) for k in range(8)], names)
    assert len(line_colours(picture)) == 8


@pytest.mark.parametrize(
    "series",
    [[], [(0.0, NAN), (1.0, INF), (NAN, 20.0), (2.0, -INF)]],  # nothing drawable
)
def test_a_history_with_nothing_drawable_draws_no_line_but_the_axes_and_the_legend(series):
    picture = chart(300, 100, [series], ["net"], dashed=[series])
    assert len(pixels(picture, BLUE)[0]) == 0
    left, right, top, bottom = axes(picture)
    assert right - left > 200 and bottom - top > 30
    assert (legend(picture) == BLUE).all(axis=-1).sum() > 20, "the network's name is still in the legend"


def test_a_single_point_is_a_dot():
    picture = chart(300, 100, [[(0.0, 20.0)]], ["net"])
    ys, xs = pixels(picture, BLUE)
    assert 9 <= len(ys) and ys.max() - ys.min() <= 2 * LINE + 2 and xs.max() - xs.min() <= 2 * LINE + 2


def test_nonfinite_points_are_skipped_not_the_whole_line():
    gappy = [(0.0, 10.0), (5.0, NAN), (10.0, 20.0), (15.0, INF), (20.0, 25.0)]
    finite = [(0.0, 10.0), (10.0, 20.0), (20.0, 25.0)]
    assert np.array_equal(chart(300, 100, [gappy], ["net"]), chart(300, 100, [finite], ["net"]))
    series = [(t, NAN if k % 3 == 0 else v) for k, (t, v) in enumerate(rising())]
    picture = chart(400, 120, [series], ["net"])
    assert np.array_equal(picture, chart(400, 120, [[p for p in series if p[1] == p[1]]], ["net"]))
    xs = pixels(picture, BLUE)[1]
    assert xs.max() - xs.min() > 300


def test_networks_keep_their_colours_whatever_the_others_have_drawn():
    picture = chart(300, 100, [[], [(0.0, 20.0)], rising(), [(1.0, NAN)]], list("abcd"))
    assert len(pixels(picture, VERMILLION)[0]) >= 9, "b's dot, in the second colour"
    assert len(pixels(picture, (0, 158, 115))[1]) > 200, "c's line, in the third colour"
    assert not len(pixels(picture, BLUE)[0]) and not len(pixels(picture, (204, 121, 167))[0]), "a, d: none"


DRAW = """
import hashlib, sys
import numpy as np
from animlearn.canvas.plot import chart
rising = [(t, 12 + 20 * t / 60) for t in np.linspace(0, 60, 61)]
flat = [(t, db) for db in (20, 18) for t in np.linspace(0, 60, 31)]
picture = chart(320, 100, [rising, flat[:31]], ["a", "b"], [flat[31:], []])
sys.stdout.write(hashlib.sha256(picture.tobytes()).hexdigest())
"""


def test_the_same_histories_give_the_same_pixels_in_any_process():
    """Frames of a resumed run are compared pixel for pixel with the run's own: a chart must not
    depend on anything a new process changes (string hashing, set order, caches)."""
    drawn = chart(320, 100, [rising(), flat(20)], ["a", "b"], [flat(18), []])
    here = hashlib.sha256(drawn.tobytes()).hexdigest()
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        done = subprocess.run(
            [sys.executable, "-c", DRAW], capture_output=True, text=True, env=env, timeout=120
        )
        assert done.returncode == 0, done.stderr
        assert done.stdout == here, f"PYTHONHASHSEED={seed} drew other pixels"


def test_the_hold_out_line_is_dashed_in_the_same_colour():
    picture = chart(400, 120, [flat(30)], ["net"], dashed=[flat(15)])
    (colour,) = line_colours(picture)
    ys, xs = pixels(picture, colour)
    solid, dashed = ys < ys.mean(), ys > ys.mean()  # 30 dB is higher up than 15 dB
    span = np.unique(xs).max() - np.unique(xs).min() + 1
    for line, share, gaps in ((solid, (0.97, 1.0), False), (dashed, (0.45, 0.75), True)):  # 6 px on, 4 off
        columns = np.unique(xs[line])
        assert columns.max() - columns.min() > 300
        assert share[0] <= len(columns) / span <= share[1]
        assert (np.diff(columns) > 1).any() == gaps


def test_the_legend_says_what_dashed_lines_are():
    def text(picture: np.ndarray) -> int:
        """Dark grey pixels in the legend right of the dB labels: the note's text (names are in colour)."""
        top = legend(picture)[:, axes(picture)[0] + 1 :].astype(int)
        return int(((top.max(axis=-1) - top.min(axis=-1) <= 8) & (top.max(axis=-1) < 160)).sum())

    assert text(chart(400, 120, [flat(30)], ["net"], dashed=[[]])) > 30
    assert text(chart(400, 120, [flat(30)], ["net"])) == 0
