"""Loading the target picture: modes, orientation, sizing, normalisation, errors."""

import numpy as np
import pytest
from conftest import smooth_picture
from PIL import Image

from animlearn.errors import AnimlearnError
from animlearn.io import target


def test_coords_and_colours_are_normalised_in_row_major_order():
    pixels = smooth_picture(5, 4)
    t = target.Target(pixels)
    X, Y = t.coords, t.colours
    assert X.dtype == Y.dtype == np.float32
    assert X.shape == (20, 2) and Y.shape == (20, 3)
    np.testing.assert_allclose(X[0], [0, 0])
    np.testing.assert_allclose(X[4], [1, 0])  # end of the first row: (col/(w-1), row/(h-1))
    np.testing.assert_allclose(X[5], [0, 1 / 3])
    np.testing.assert_allclose(X[-1], [1, 1])
    np.testing.assert_allclose(Y[7], pixels[1, 2] / 255, rtol=1e-6)


def test_size_scales_the_longer_side_and_keeps_the_aspect(tmp_path):
    path = tmp_path / "wide.png"
    Image.fromarray(smooth_picture(300, 120)).save(path)
    assert target.load(path, 100).pixels.shape == (40, 100, 3)
    assert target.load(path, 0).pixels.shape == (120, 300, 3)


@pytest.mark.parametrize("suffix", [".jpg", ".png", ".gif", ".webp", ".bmp", ".tiff"])
def test_every_common_format_loads_as_rgb(tmp_path, suffix):
    path = tmp_path / f"p{suffix}"
    Image.fromarray(smooth_picture(20, 10)).save(path)
    t = target.load(path, 0)
    assert t.pixels.shape == (10, 20, 3) and t.pixels.dtype == np.uint8


def test_exif_orientation_is_applied(tmp_path):
    pixels = np.zeros((10, 20, 3), np.uint8)
    pixels[:, :10] = 255  # left half white
    im = Image.fromarray(pixels)
    exif = im.getexif()
    exif[0x0112] = 6  # stored sideways: rotate 90 degrees clockwise to view
    path = tmp_path / "rotated.jpg"
    im.save(path, exif=exif, quality=95)
    t = target.load(path, 0)
    assert t.pixels.shape == (20, 10, 3)
    assert t.pixels[:8].mean() > 200 and t.pixels[12:].mean() < 50  # white half now on top


def test_modes_become_rgb(tmp_path):
    grey = Image.fromarray(np.full((4, 6), 100, np.uint8))
    grey.save(tmp_path / "grey.png")
    assert (target.load(tmp_path / "grey.png", 0).pixels == 100).all()

    wide = Image.fromarray(np.full((4, 6), 65535, np.uint16))
    wide.save(tmp_path / "sixteen.png")
    assert (target.load(tmp_path / "sixteen.png", 0).pixels == 255).all()

    rgba = np.zeros((4, 6, 4), np.uint8)
    rgba[..., 0] = 255
    rgba[:, :3, 3] = 255  # left half opaque red, right half transparent
    Image.fromarray(rgba).save(tmp_path / "rgba.png")
    px = target.load(tmp_path / "rgba.png", 0).pixels
    assert (px[:, :3] == [255, 0, 0]).all() and (px[:, 3:] == 255).all()

    Image.new("CMYK", (6, 4), (0, 255, 255, 0)).save(tmp_path / "cmyk.jpg")
    px = target.load(tmp_path / "cmyk.jpg", 0).pixels
    assert px[..., 0].mean() > 200 and px[..., 1:].mean() < 60


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda p: None, "no such file"),
        (lambda p: p.mkdir(), "is a folder"),
        (lambda p: p.write_bytes(b""), "not a readable picture"),
        (lambda p: p.write_text("hello, not a picture"), "not a readable picture"),
    ],
)
def test_bad_pictures_give_one_line_errors(tmp_path, make, message):
    path = tmp_path / "bad.png"
    make(path)
    with pytest.raises(AnimlearnError, match=message) as e:
        target.load(path, 0)
    assert "\n" not in str(e.value) and str(path) in str(e.value)


def test_truncated_picture_is_refused(tmp_path):
    path = tmp_path / "whole.jpg"
    Image.fromarray(smooth_picture(64, 64)).save(path, quality=90)
    cut = tmp_path / "cut.jpg"
    cut.write_bytes(path.read_bytes()[:300])
    with pytest.raises(AnimlearnError, match="not a readable picture"):
        target.load(cut, 0)


def test_multi_frame_pictures_use_the_first_frame_with_a_note(tmp_path):
    first = Image.new("RGB", (8, 6), (255, 0, 0))
    second = Image.new("RGB", (8, 6), (0, 0, 255))
    path = tmp_path / "anim.gif"
    first.save(path, save_all=True, append_images=[second])
    t = target.load(path, 0)
    assert t.pixels[..., 0].mean() > 200 and t.pixels[..., 2].mean() < 50
    assert t.notes == ["anim.gif has 2 frames; using the first"]


def test_palette_picture_with_transparency_goes_over_white(tmp_path):
    im = Image.new("P", (4, 4), 1)
    im.putpalette([0, 0, 0, 10, 200, 30] + [0] * 762)
    im.paste(0, (0, 0, 2, 4))  # left half: index 0, the transparent one
    path = tmp_path / "pal.png"
    im.save(path, transparency=0)
    px = target.load(path, 0).pixels
    assert (px[:, :2] == 255).all() and (px[:, 2:] == [10, 200, 30]).all()


@pytest.mark.parametrize("w, h", [(1, 1), (1, 9), (9, 1)])
def test_tiny_pictures(tmp_path, w, h):
    path = tmp_path / "tiny.png"
    Image.fromarray(smooth_picture(w, h)).save(path)
    t = target.load(path, 0)
    assert t.pixels.shape == (h, w, 3)
    assert np.isfinite(t.coords).all() and t.coords.shape == (w * h, 2)


def test_names_with_spaces_and_non_ascii_letters(tmp_path):
    path = tmp_path / "Mona Lisa – Gioconda ñ.png"
    Image.fromarray(smooth_picture(6, 4)).save(path)
    assert target.load(path, 0).pixels.shape == (4, 6, 3)


def test_pictures_over_the_pixel_limit_are_scaled_down_with_a_note(tmp_path, monkeypatch):
    monkeypatch.setattr(target, "MAX_PIXELS", 1000)
    path = tmp_path / "big.png"
    Image.fromarray(smooth_picture(80, 50)).save(path)
    t = target.load(path, 0)
    assert t.width * t.height <= 1000 and abs(t.width / t.height - 1.6) < 0.1
    assert "big.png is large; training at" in t.notes[0]
    t = target.load(path, 10**20)  # a --size past the limit is capped before it is made
    assert t.width * t.height <= 1000 and abs(t.width / t.height - 1.6) < 0.1
    assert "--size 100000000000000000000 is large; training at" in t.notes[0]


def test_decompression_bomb_is_refused(tmp_path, monkeypatch):
    path = tmp_path / "bomb.png"
    Image.fromarray(smooth_picture(80, 50)).save(path)
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)  # Pillow refuses above twice this
    with pytest.raises(AnimlearnError, match="too many pixels to decode safely"):
        target.load(path, 0)
