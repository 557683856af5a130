"""Painting, panel layout, captions and the frame buffer."""

import numpy as np
import pytest

from animlearn.canvas.buffer import FrameBuffer
from animlearn.canvas.compose import GAP, Composer
from animlearn.canvas.metrics import psnr
from animlearn.canvas.paint import enlarge, outline, picture, upscale_factor
from animlearn.config.spec import NetSpec
from animlearn.nets import model, network


def test_paint_matches_the_forward_pass_clipped_to_uint8():
    m = model.build(NetSpec(hidden=(8, 8)), 0.1, "fan-in", 7, 5, np.random.default_rng(0))
    m.net.params[-3:] = [2.0, -1.0, 0.5]  # output biases: red saturates, green clips at 0
    painted = picture(m, 7, 5)
    assert painted.shape == (5, 7, 3) and painted.dtype == np.uint8
    assert (painted[..., 0] == 255).all() and (painted[..., 1] == 0).all()
    rgb = network.forward(m.net, np.array([[0.5, 0.5]], np.float32))
    assert painted[2, 3, 2] == round(float(np.clip(rgb[0, 2], 0, 1)) * 255)


def test_psnr():
    a = np.zeros((4, 4, 3), np.uint8)
    b = a.copy()
    b[0, 0, 0] = 255  # one error of 255 in 48 values: MSE 1/48
    assert psnr(a, b) == pytest.approx(10 * np.log10(48))
    assert psnr(a, a) == float("inf")


def test_small_pictures_are_enlarged_to_at_least_256_px():
    assert upscale_factor(90, 128) == 2
    assert upscale_factor(300, 429) == 1
    big = enlarge(np.zeros((128, 90, 3), np.uint8), 2)
    assert big.shape == (256, 180, 3)


def panels(n, h=20, w=30):
    return [np.full((h, w, 3), 30 * (k + 1), np.uint8) for k in range(n)]


def test_panels_side_by_side_with_titles_and_caption():
    c = Composer(["1 × 45450", "4 × 300", "target"], 30, 20)
    frame = c.compose(panels(3), "epoch 3/10")
    assert frame.shape == (c.height, 3 * 30 + 2 * GAP, 3)
    top = c.title_height
    for k in range(3):
        x = k * (30 + GAP)
        assert (frame[top : top + 20, x : x + 30] == 30 * (k + 1)).all()
    assert (frame[:top] < 200).any(), "titles are drawn above the panels"
    assert (frame[top + 20 :] < 200).any(), "the caption is drawn below"


def test_many_panels_make_a_grid_with_two_line_titles():
    titles = [f"net {k}\n{k * 1000:,} parameters" for k in range(6)] + ["target"]
    c = Composer(titles, 30, 20)
    frame = c.compose(panels(7), "epoch 1")
    assert c.columns == 4  # 7 panels: rows of 4 and 3
    assert frame.shape == (c.height, 4 * 30 + 3 * GAP, 3)
    for k in range(7):
        row, col = divmod(k, 4)
        x, y = col * (30 + GAP), row * (c.title_height + 20 + GAP) + c.title_height
        assert (frame[y : y + 20, x : x + 30] == 30 * (k + 1)).all()
    second_line = frame[c.line_height + 2 : c.title_height, :30]
    assert (second_line < 200).any(), "the parameter count is drawn on the title's second line"
    assert [Composer(["t"] * n, 30, 20).columns for n in (1, 4, 5, 6, 9, 10)] == [1, 4, 3, 3, 3, 4]


def test_outline_marks_the_border_of_hidden_patches():
    picture = np.full((12, 12, 3), 128, np.uint8)
    mask = np.zeros((12, 12), bool)
    mask[3:9, 3:9] = True
    out = outline(picture, mask)
    assert (out[3, 3:9] == 255).all() and (out[3:9, 8] == 255).all(), "white border"
    assert (out[4, 4:8] == 0).all(), "black line just inside"
    assert (out[5:7, 5:7] == 128).all() and (out[:3] == 128).all(), "inside and outside untouched"


def test_psnr_over_a_mask():
    a = np.zeros((4, 4, 3), np.uint8)
    b = a.copy()
    b[0] = 255
    mask = np.zeros((4, 4), bool)
    mask[2:] = True
    assert psnr(a, b, mask) == float("inf")
    assert psnr(a, b, ~mask) == pytest.approx(10 * np.log10(2))
    assert np.isnan(psnr(a, b, np.zeros((4, 4), bool)))


def test_no_caption_leaves_bare_panels():
    c = Composer(["4 × 300"], 30, 20, captions=False)
    frame = c.compose(panels(1), "epoch 3/10")
    assert np.array_equal(frame, panels(1)[0])


def test_buffer_spills_to_disk_past_its_limit():
    frames = [np.full((10, 12, 3), k, np.uint8) for k in range(10)]
    buf = FrameBuffer(limit=3 * frames[0].nbytes)
    for f in frames:
        buf.append(f)
    assert len(buf) == 10 and buf.spilled
    assert all(np.array_equal(a, b) for a, b in zip(buf, frames))
    assert np.array_equal(buf[-1], frames[-1])
    with pytest.raises(ValueError):
        buf.append(np.zeros((3, 3, 3), np.uint8))
    buf.close()
