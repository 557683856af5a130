"""A sweep's pictures as a user sees them: the contact sheet, the chart and the race, read back."""

import errno

import imageio_ffmpeg
import numpy as np
import pytest
from conftest import gif_frames
from PIL import Image

from animlearn.canvas.plot import BACKDROP, COLOURS
from animlearn.encoders import gif
from animlearn.errors import AnimlearnError
from animlearn.study.race import race
from animlearn.study.show import Entry, paintings, save_paintings, sheet
from animlearn.study.show import chart as draw_chart

W, H = 16, 12  # training size: the sheet enlarges it 10 times, the race 16 times
TARGET_COLOUR = (20, 200, 190)


def solid(colour, n=1):
    """n paintings of one colour (a colour per painting if `colour` is a list)."""
    colours = colour if isinstance(colour, list) else [colour] * n
    return np.array([np.full((H, W, 3), c, np.uint8) for c in colours])


def trial(folder, name, rank, pictures, psnr=None, holdout=None, stopped_at=None):
    """A trial's entry, its paintings saved as the sweep runner saves them."""
    path = folder / "trials" / name / "paintings.npy"
    path.parent.mkdir(parents=True)
    save_paintings(path, pictures)
    psnr = psnr if psnr is not None else [(e + 1, 20.0 + rank + e) for e in range(len(pictures))]
    return Entry(f"2x{8 * rank}:relu:fourier:adam", rank % 3, psnr, holdout, stopped_at, rank, path)


def distinct(n):
    """n colours far from each other, from white and from the target's."""
    rng = np.random.default_rng(1)
    out = []
    while len(out) < n:
        c = tuple(int(v) for v in rng.integers(30, 226, 3))
        if all(max(abs(a - b) for a, b in zip(c, o)) > 12 for o in [*out, TARGET_COLOUR]):
            out.append(c)
    return out


def boxes(image, colours):
    """Each colour's bounding box (top, left, bottom, right) in the image; None where absent."""
    out = []
    for c in colours:
        ys, xs = np.nonzero((image == c).all(axis=-1))
        out.append((ys.min(), xs.min(), ys.max() + 1, xs.max() + 1) if len(ys) else None)
    return out


def files(folder):
    return sorted(p.name for p in folder.iterdir() if p.is_file())


@pytest.fixture
def study(tmp_path):
    (tmp_path / "study").mkdir()
    return tmp_path / "study"


def target():
    return np.full((H, W, 3), TARGET_COLOUR, np.uint8)


def test_paintings_are_saved_atomically_and_read_back_memory_mapped(study):
    path = study / "p.npy"
    first = solid([(10, 20, 30), (40, 50, 60)])
    save_paintings(path, first)
    read = paintings(path)
    assert isinstance(read, np.memmap) and read.shape == (2, H, W, 3) and (read == first).all()
    save_paintings(path, [*paintings(path), *solid((70, 80, 90), 3)])  # a trial trained on
    assert paintings(path).shape == (5, H, W, 3) and (paintings(path)[-1] == 70 + np.arange(0, 30, 10)).all()
    with pytest.raises(ValueError):  # the last painting is the wrong size: the old file stays
        save_paintings(path, [*first, np.zeros((H, W + 1, 3), np.uint8)])
    assert files(study) == ["p.npy"] and len(paintings(path)) == 5
    path.write_bytes(b"not numpy")
    with pytest.raises(AnimlearnError, match="cannot read"):
        paintings(path)


def test_the_sheet_shows_the_target_then_every_trial_in_rank_order_with_titles(study):
    colours = distinct(6)
    entries = [trial(study, f"t{r}", r, solid(colours[r - 1])) for r in range(1, 7)]
    entries[3] = trial(study, "late", 4, solid(colours[3]), stopped_at=2)  # fewer epochs, marked so
    entries = [entries[k] for k in (4, 0, 5, 2, 1, 3)]  # the runner's order is not the rank's
    path = study / "sheet.png"
    sheet(path, {"": target()}, entries)
    image = np.asarray(Image.open(path).convert("RGB"))
    found = boxes(image, [TARGET_COLOUR, *colours])
    assert all(b is not None for b in found), "the target and every trial are on the sheet"
    for top, left, bottom, right in found:
        assert (bottom - top, right - left) == (H * 10, W * 10), "each painting whole, enlarged 10 times"
        band = image[max(0, top - 40) : top, left:right]
        assert (band < 128).any(), "a title above every painting"
    reading_order = sorted(range(7), key=lambda k: (found[k][0], found[k][1]))
    assert reading_order == list(range(7)), "target first, then best to worst"
    assert files(study) == ["sheet.png"], "no temporary file left"


def test_a_sheet_of_fifty_trials_is_a_near_square_grid_in_rank_order(study):
    colours = distinct(50)
    entries = [trial(study, f"t{r}", r, solid(colours[r - 1])) for r in range(50, 0, -1)]
    path = study / "sheet.png"
    sheet(path, {"": target()}, entries)
    image = np.asarray(Image.open(path).convert("RGB"))
    found = boxes(image, [TARGET_COLOUR, *colours])
    lefts = sorted({b[1] for b in found})
    assert 6 <= len(lefts) <= 9, "several columns"
    assert 0.7 < image.shape[1] / image.shape[0] < 1.5
    assert sorted(range(51), key=lambda k: (found[k][0], found[k][1])) == list(range(51))


def flat(level, epochs=12):
    return [(e, level) for e in range(1, epochs + 1)]


def test_the_chart_colours_the_top_trials_and_greys_the_rest(study):
    levels = {1: 40.0, 2: 35.0, 3: 28.0, 4: 25.0, 5: 22.0, 6: 20.0}
    entries = [
        trial(study, f"t{r}", r, solid((9, 9, 9)), psnr=flat(v), holdout=flat(30.0) if r == 1 else None)
        for r, v in levels.items()
    ]
    path = study / "chart.png"
    draw_chart(path, entries[::-1], top=2)
    image = np.asarray(Image.open(path).convert("RGB"))

    def rows(colour):
        """Pixels of `colour` in each row of the image."""
        return (image == colour).all(axis=-1).sum(axis=1)

    first, second, grey = rows(COLOURS[0]), rows(COLOURS[1]), rows(BACKDROP)
    assert first.max() > 400 and second.max() > 400, "the top two as long lines in their colours"
    assert all(rows(c).sum() == 0 for c in COLOURS[2:]), "no other trial in colour"
    grey_lines = np.flatnonzero(grey > 400)
    assert len(grey_lines) == 4, "the other four as thin grey lines"
    assert first.argmax() < second.argmax() < grey_lines.min(), "each line at its PSNR's height"
    dashed = [r for r in np.flatnonzero(first > 100) if r > second.argmax()]  # the hold-out, at 30 dB
    assert dashed and grey_lines.min() > max(dashed), "the best's hold-out between 35 and 28 dB"
    assert 0.4 < first[dashed].max() / first.max() < 0.8, "dashed: with gaps"
    assert files(study) == ["chart.png"]


def read_mp4(path):
    reader = imageio_ffmpeg.read_frames(str(path))
    meta = next(reader)
    w, h = meta["size"]
    return [np.frombuffer(f, np.uint8).reshape(h, w, 3) for f in reader]


def racers(study):
    """The best trial trains 6 epochs, the second stops at 3, the third (not shown) trains 8."""
    reds = [(60 + 30 * e, 40, 40) for e in range(6)]
    blues = [(40, 40, 80 + 50 * e) for e in range(3)]
    return (
        [
            trial(study, "c", 3, solid([(200, 200, 60)] * 8)),
            trial(study, "a", 1, solid(reds)),
            trial(study, "b", 2, solid(blues), stopped_at=3),
        ],
        reds,
        blues,
    )


def near(image, box, colour, tolerance=8, margin=0):
    """The box (less `margin` px on each side) is all close to `colour`."""
    top, left, bottom, right = box
    inside = image[top + margin : bottom - margin, left + margin : right - margin]
    return np.abs(inside.astype(int) - colour).max() <= tolerance


def test_the_race_shows_the_top_trials_for_the_longest_ones_epochs_holding_those_that_stopped(study):
    entries, reds, blues = racers(study)
    paths = [study / "race.gif", study / "race.mp4"]
    race(paths, {"": target()}, entries, top=2, fps=10, hold=0, quality=90)
    assert files(study) == ["race.gif", "race.mp4"], "no temporary file left"
    frames, movie = gif_frames(paths[0]), read_mp4(paths[1])
    assert len(frames) == len(movie) == 6, "one frame per epoch of the longest of the top two"
    panel = boxes(frames[2], [blues[2]])[0]
    assert panel is not None and (panel[2] - panel[0], panel[3] - panel[1]) == (H * 16, W * 16)
    for k in range(6):
        assert boxes(frames[k], [TARGET_COLOUR])[0] is not None, "the target beside them"
        assert boxes(frames[k], [reds[k]])[0] is not None, "the best trial's painting at each epoch"
        shown = blues[min(k, 2)]
        assert near(frames[k], panel, shown) and near(movie[k], panel, shown, margin=2)
    assert not boxes(frames[5], [(200, 200, 60)])[0], "only the top two race"
    title = np.s_[: panel[0], panel[1] : panel[3]]
    assert not np.array_equal(frames[2][title], frames[3][title]), "its title marks it stopped"
    assert np.array_equal(frames[3][title], frames[5][title]), "and then stays"


def test_an_error_midway_leaves_no_partial_file_and_an_older_one_untouched(study, monkeypatch):
    entries, _, _ = racers(study)
    old = study / "race.gif"
    old.write_bytes(b"an older race")
    calls = []

    def full_disk(*args):
        calls.append(1)
        if len(calls) == 4:
            raise OSError(errno.ENOSPC, "No space left on device")
        return nearest(*args)

    nearest = gif._nearest
    monkeypatch.setattr(gif, "_nearest", full_disk)
    with pytest.raises(AnimlearnError, match="No space left"):
        race([old, study / "new.gif"], {"": target()}, entries, top=2, fps=10, hold=0, quality=90)
    assert files(study) == ["race.gif"] and old.read_bytes() == b"an older race"

    def broken_save(self, fp, *args, **kwargs):
        with open(fp, "wb") as f:
            f.write(b"\x89PNG half")
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(Image.Image, "save", broken_save)
    for make in (lambda p: sheet(p, {"": target()}, entries), lambda p: draw_chart(p, entries, 2)):
        with pytest.raises(AnimlearnError, match="Input/output error"):
            make(study / "pictures.png")
        assert files(study) == ["race.gif"]


def test_a_trial_whose_paintings_are_gone_is_named_and_nothing_is_written(study):
    entries, _, _ = racers(study)
    entries[1].paintings.unlink()
    with pytest.raises(AnimlearnError, match="trials/a/paintings.npy"):
        sheet(study / "sheet.png", {"": target()}, entries)
    with pytest.raises(AnimlearnError, match="trials/a/paintings.npy"):
        race([study / "race.mp4"], {"": target()}, entries, top=2, fps=10, hold=0, quality=90)
    assert files(study) == []
