"""The type: titles, captions and the chart draw × and σ as themselves, in the shipped face."""

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from PIL import Image, ImageDraw

from animlearn.canvas.compose import INK, Composer
from animlearn.canvas.fonts import FACE, font
from animlearn.canvas.plot import chart
from animlearn.config import spec

BLUE, VERMILLION = (0, 114, 178), (213, 94, 0)  # the chart's first two networks
MISSING = "\ue000"  # private use: no font has it, so it is drawn as the font's missing-glyph box


def drawn(text: str, size: int) -> np.ndarray:
    """How much ink covers each pixel (0 to 1) of `text` drawn alone, cropped to its ink."""
    im = Image.new("L", (4 * size, 3 * size), 0)
    ImageDraw.Draw(im).text((size, size), text, fill=255, font=font(size))
    ink = np.asarray(im) / 255
    ys, xs = np.nonzero(ink)
    return ink[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1]


def coverage(picture: np.ndarray, colour: tuple[int, int, int]) -> np.ndarray:
    """How much of `colour` each pixel of a picture on white holds (0 to 1)."""
    k = int(np.argmax(255 - np.array(colour)))  # the channel that tells ink from paper best
    return np.clip((255 - picture[..., k].astype(float)) / (255 - colour[k]), 0, 1)


def mismatch(ink: np.ndarray, glyph: np.ndarray) -> float:
    """The smallest, over every place in `ink`, of the largest difference from `glyph` there."""
    windows = sliding_window_view(ink, glyph.shape)
    return float(np.abs(windows - glyph).max(axis=(-2, -1)).min())


def test_the_face_has_the_symbols_titles_use_and_ships_with_its_licence():
    assert font(13).getname()[0] == "DejaVu Sans Animlearn"
    assert (FACE.parent / "LICENSE").read_text().startswith("Fonts are (c) Bitstream")
    for size in (7, 10, 13):
        box = drawn(MISSING, size)
        assert box.any(), "the missing glyph is drawn, so telling it apart means something"
        for symbol in "×σ·–…":
            glyph = drawn(symbol, size)
            assert glyph.shape != box.shape or not np.array_equal(glyph, box), f"{symbol} at {size} px"


def test_a_title_draws_times_and_sigma_as_themselves():
    title = spec.parse("3x64:relu:fourier=64:sigma=10:adam").label()
    assert title == "3 × 64 relu · fourier 64 σ 10 · adam"
    c = Composer([title], 400, 20)
    frame = c.compose([np.full((20, 400, 3), 200, np.uint8)], "epoch 1")
    ink = coverage(frame[: c.title_height], INK)
    assert mismatch(ink, drawn("×", c.font_size)) < 0.05
    assert mismatch(ink, drawn("σ", c.font_size)) < 0.05
    assert mismatch(ink, drawn("x", c.font_size)) > 0.3, "× is not an x"


def test_the_chart_legend_draws_times_and_sigma_in_each_networks_colour():
    picture = chart(300, 100, [[(0.0, 20.0), (1.0, 21.0)]] * 2, ["4 × 300", "fourier 64 σ 10"])
    legend = picture[:30]
    sizes = range(7, 14)  # the chart picks its own size, to fit
    assert min(mismatch(coverage(legend, BLUE), drawn("×", s)) for s in sizes) < 0.05
    assert min(mismatch(coverage(legend, VERMILLION), drawn("σ", s)) for s in sizes) < 0.05


def test_a_name_too_long_for_the_legend_ends_in_an_ellipsis():
    picture = chart(120, 100, [[(0.0, 20.0), (1.0, 21.0)]], ["3 × 256 relu · fourier 256 σ 10 · adam"])
    ink = coverage(picture[:20], BLUE)
    assert min(mismatch(ink, drawn("…", s)) for s in range(7, 14)) < 0.05
