"""Frame schedules, frames inside epochs, and captions that name the right epoch."""

import numpy as np
import pytest
from PIL import Image

import animlearn
from animlearn.canvas.compose import Composer
from animlearn.config.schedule import epoch_label, frame_steps
from animlearn.config.spec import NetSpec
from animlearn.nets import model
from animlearn.train.trainer import Trainer


def test_every_epoch_every_n_and_always_the_last():
    assert frame_steps(5) == [1, 2, 3, 4, 5]
    assert frame_steps(10, every=3) == [3, 6, 9, 10]
    assert frame_steps(2, frames_per_epoch=4) == list(range(1, 9))
    assert frame_steps(3, frames_per_epoch=4, every=6) == [6, 12]


def test_log_is_dense_early_sparse_late_with_as_many_frames_as_every():
    steps = frame_steps(500, every=5, schedule="log")
    assert len(steps) == len(frame_steps(500, every=5)) == 100
    assert steps[:20] == list(range(1, 21)) and steps[-1] == 500
    gaps = np.diff(steps)
    assert (gaps >= 1).all() and gaps[-1] >= 15 and (np.diff(gaps) >= 0).all()
    assert frame_steps(1, every=5, schedule="log") == [1]
    assert frame_steps(4, frames_per_epoch=8, every=4, schedule="log")[:3] == [1, 2, 3]


def test_labels_are_epochs_with_fractions():
    assert [epoch_label(s, 4) for s in (1, 2, 4, 5)] == ["0.25", "0.5", "1", "1.25"]
    assert epoch_label(7, 1) == "7" and epoch_label(1, 3) == "0.333"


def small_trainer(seed=0):
    rng = np.random.default_rng(1)
    coords = rng.random((300, 2), dtype=np.float32)
    colours = rng.random((300, 3), dtype=np.float32)
    m = model.build(NetSpec(hidden=(8, 8)), 0.1, "fan-in", 1, 1, np.random.default_rng(seed))
    return Trainer([m], coords, colours, seed=seed), m.net


def test_an_epoch_in_parts_makes_the_same_updates_as_a_whole_epoch():
    whole, a = small_trainer()
    parted, b = small_trainer()
    [loss] = whole.epoch_parts(1)
    losses = list(parted.epoch_parts(3))
    assert len(losses) == 3 and parted.epochs_done == 1
    assert np.array_equal(a.params, b.params)
    assert np.mean(losses) == pytest.approx(loss[0], rel=1e-3)
    whole.close()
    parted.close()


def test_more_parts_than_pixels_is_still_one_epoch():
    trainer, _ = small_trainer()
    assert len(list(trainer.epoch_parts(1000))) == 1000 and trainer.epochs_done == 1  # 300 pixels
    trainer.close()


@pytest.mark.parametrize(
    "options, count, first, last",
    [
        ({}, 3, "epoch 1", "epoch 3"),
        ({"every": 2}, 2, "epoch 2", "epoch 3"),
        ({"frames_per_epoch": 4}, 12, "epoch 0.25", "epoch 3"),
        ({"frames_per_epoch": 4, "schedule": "log", "every": 3}, 4, "epoch 0.25", "epoch 3"),
    ],
)
def test_frame_count_and_caption_follow_the_schedule(
    picture, tmp_path, monkeypatch, options, count, first, last
):
    captions = []
    compose = Composer.compose
    monkeypatch.setattr(
        Composer,
        "compose",
        lambda self, panels, caption="", strip=None, titles=None: (
            captions.append(caption) or compose(self, panels, caption, strip, titles)
        ),
    )
    out = tmp_path / "out.gif"
    result = animlearn.render(picture, out, epochs=3, size=16, hidden=(8,), hold=0, **options)
    assert result.frames == count == len(captions)
    with Image.open(out) as im:
        assert im.n_frames == count
        durations = []
        for k in range(count):
            im.seek(k)
            durations.append(im.info["duration"])
    assert durations == [40] * count
    assert captions[0] == first and captions[-1] == last


@pytest.mark.parametrize("net", ["8", "8:halflife=1"])  # a rate that changes within epochs too
def test_frames_inside_epochs_end_on_the_same_network(picture, tmp_path, net):
    a = animlearn.render(picture, tmp_path / "a.gif", epochs=2, size=16, nets=[net])
    b = animlearn.render(picture, tmp_path / "b.gif", epochs=2, size=16, nets=[net], frames_per_epoch=3)
    assert b.frames == 6 and a.psnrs == b.psnrs
