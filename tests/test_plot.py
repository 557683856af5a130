"""The PSNR strip: what a viewer sees of each network's line, its colour, its legend and its axes."""

from collections import Counter

import numpy as np
import pytest

from animlearn.canvas.plot import strip

NAN, INF = float("nan"), float("inf")


def rising(seconds: float = 60, start: float = 12, end: float = 32) -> list[tuple[float, float]]:
    return [(t, start + (end - start) * t / seconds) for t in np.linspace(0, seconds, 61)]


def flat(db: float, seconds: float = 60) -> list[tuple[float, float]]:
    return [(t, db) for t in np.linspace(0, seconds, 31)]


def drawn(picture: np.ndarray, names: list[str], width: int, height: int, **kw) -> np.ndarray:
    """Which pixels the data changed: the same strip with empty histories has the same legend."""
    empty = strip(width, height, [[] for _ in names], names, total=60, **kw)
    return (picture != empty).any(axis=-1)


def line_colours(picture: np.ndarray, changed: np.ndarray) -> list[tuple[int, ...]]:
    """The colours of the lines: common, and not the greys of text and grid (black is a line's)."""
    counts = Counter(map(tuple, picture[changed].tolist()))
    return [c for c, n in counts.most_common() if n >= 20 and (len(set(c)) > 1 or c == (0, 0, 0))]


def rows_of(picture: np.ndarray, changed: np.ndarray, colour: tuple[int, ...]) -> tuple[np.ndarray, ...]:
    return np.nonzero(changed & (picture == colour).all(axis=-1))


@pytest.mark.parametrize("width,height", [(640, 140), (200, 100), (300, 40)])
def test_shape(width, height):
    picture = strip(width, height, [rising()], ["net"], total=60)
    assert picture.shape == (height, width, 3) and picture.dtype == np.uint8


def test_a_rising_series_is_drawn_higher_on_the_right():
    picture = strip(400, 120, [rising()], ["net"], total=60)
    changed = drawn(picture, ["net"], 400, 120)
    (colour,) = line_colours(picture, changed)
    ys, xs = rows_of(picture, changed, colour)
    left, right = xs < np.percentile(xs, 20), xs > np.percentile(xs, 80)
    assert ys[right].mean() < ys[left].mean() - 20  # rows count down the picture
    assert xs.max() - xs.min() > 300  # the whole run, 0 to 60 s, spans the chart


def test_two_networks_have_two_colours_and_their_names_are_in_them():
    names = ["shallow", "deep"]
    picture = strip(400, 120, [flat(15), flat(30)], names, total=60)
    changed = drawn(picture, names, 400, 120)
    colours = line_colours(picture, changed)
    assert len(colours) == 2
    low, high = (rows_of(picture, changed, c)[0].mean() for c in colours)
    assert abs(low - high) > 20  # two separate lines, each in one colour
    legend = strip(400, 120, [[], []], names, total=60)
    assert all((legend == c).all(axis=-1).sum() > 20 for c in colours)


def test_eight_networks_in_200_px_get_eight_colours():
    names = [f"deep {k} 64×64" for k in range(8)]
    picture = strip(200, 110, [flat(12 + 4 * k) for k in range(8)], names, total=60)
    assert len(line_colours(picture, drawn(picture, names, 200, 110))) == 8


@pytest.mark.parametrize(
    "series",
    [
        [[]],
        [[(0.0, 20.0)]],
        [[(0.0, NAN), (1.0, INF), (NAN, 20.0), (2.0, -INF)]],  # nothing drawable
        [[(0.0, 10.0), (5.0, NAN), (10.0, 20.0), (15.0, INF), (20.0, 25.0)]],
        [[], [(0.0, 20.0)], rising(), [(1.0, NAN)]],
    ],
)
def test_empty_single_and_nonfinite_points_are_drawn_or_skipped(series):
    names = [f"net {k}" for k in range(len(series))]
    for total in (None, 60.0):
        picture = strip(300, 100, series, names, total=total, dashed=series)
        assert picture.shape == (100, 300, 3)


def test_nonfinite_points_are_skipped_not_the_whole_line():
    series = [(t, NAN if k % 3 == 0 else v) for k, (t, v) in enumerate(rising())]
    picture = strip(400, 120, [series], ["net"], total=60)
    assert (picture == strip(400, 120, [[p for p in series if p[1] == p[1]]], ["net"], total=60)).all()


def test_the_same_histories_give_the_same_pixels():
    args = 320, 100, [rising(), flat(20)], ["a", "b"], 60.0, [flat(18), []]
    assert (strip(*args) == strip(*args)).all()


def test_the_axes_stay_put_as_the_history_grows():
    history = [(t, 30 - 18 * np.exp(-t / 5)) for t in np.linspace(0, 60, 61)]  # 12 to 30 dB early on
    half = strip(400, 120, [history[:31]], ["net"], total=60)
    full = strip(400, 120, [history], ["net"], total=60)
    changed = (half != full).any(axis=-1)
    assert changed.any() and np.nonzero(changed)[1].min() > 190  # only the new, right half differs


def test_the_hold_out_line_is_dashed_in_the_same_colour():
    names = ["net"]
    picture = strip(400, 120, [flat(30)], names, total=60, dashed=[flat(15)])
    changed = drawn(picture, names, 400, 120, dashed=[[]])
    (colour,) = line_colours(picture, changed)
    ys, xs = rows_of(picture, changed, colour)
    solid, dashed = ys < ys.mean(), ys > ys.mean()  # 30 dB is higher up than 15 dB
    for line, gaps in ((solid, False), (dashed, True)):
        columns = np.unique(xs[line])
        assert columns.max() - columns.min() > 300
        assert (np.diff(columns) > 1).any() == gaps


def test_the_legend_says_what_dashed_lines_are():
    with_note = strip(400, 120, [flat(30)], ["net"], total=60, dashed=[[]])
    without = strip(400, 120, [flat(30)], ["net"], total=60)
    assert (with_note[:20] != without[:20]).any()
