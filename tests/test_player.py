"""`render -o x.html`: the player, in a real browser (see browser.py)."""

import re
import time

import pytest
from browser import browser, console_errors, fetched, images_loaded, open_page
from conftest import smooth_picture
from PIL import Image
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from animlearn import encode, render

__all__ = ["browser"]  # the fixture, imported for pytest

EPOCHS = 6


@pytest.fixture(scope="module")
def player(tmp_path_factory):
    """A render of two small networks with a hold-out, written as a player and as a GIF."""
    folder = tmp_path_factory.mktemp("player")
    picture = folder / "picture.png"
    Image.fromarray(smooth_picture(32, 24)).save(picture)
    out = [folder / "run.html", folder / "run.gif"]
    result = render(picture, out, size=0, nets=["8x8", "16x16"], epochs=EPOCHS, holdout=0.2, seed=3)
    return out[0], result


def state(driver) -> dict:
    return driver.execute_script(
        "const c = document.getElementById('cursor');"
        "return {src: document.getElementById('frame').src, value: +document.getElementById('slider').value,"
        " label: document.getElementById('label').textContent, cursor: c && +c.getAttribute('x1')};"
    )


def pause_at_start(driver) -> None:
    slider = driver.find_element(By.ID, "slider")
    slider.send_keys(Keys.HOME)  # a user's key on the slider: it pauses and shows the first frame
    assert driver.find_element(By.ID, "play").text == "play"


def test_the_player_loads_offline_with_every_frame(browser, player):
    path, result = player
    open_page(browser, path)
    assert console_errors(browser) == []
    assert fetched(browser) == []
    assert images_loaded(browser) == []
    slider = browser.find_element(By.ID, "slider")
    assert int(slider.get_attribute("max")) == result.frames - 1 == EPOCHS - 1
    legend = browser.find_element(By.CLASS_NAME, "legend").text
    assert "8 × 8, hidden pixels" in legend and "16 × 16" in legend
    settings = browser.find_element(By.TAG_NAME, "details").get_attribute("textContent")
    assert "holdout0.2" in settings and "epochs6" in settings


def test_the_slider_changes_the_picture_and_moves_the_cursor(browser, player):
    open_page(browser, player[0])
    pause_at_start(browser)
    first = state(browser)
    assert first["label"] == "epoch 1"
    browser.find_element(By.ID, "slider").send_keys(Keys.END)
    last = state(browser)
    assert last["label"] == f"epoch {EPOCHS}" and last["value"] == EPOCHS - 1
    assert last["src"] != first["src"]
    assert last["cursor"] > first["cursor"]
    assert images_loaded(browser) == []


def test_play_advances_and_pause_stops(browser, player):
    open_page(browser, player[0])
    pause_at_start(browser)
    browser.find_element(By.ID, "play").click()
    time.sleep(0.3)  # 25 frames a second: several frames
    browser.find_element(By.ID, "play").click()
    stopped = state(browser)
    assert stopped["value"] > 0
    assert stopped["label"] == f"epoch {stopped['value'] + 1}"
    time.sleep(0.2)
    assert state(browser) == stopped
    assert console_errors(browser) == []


def test_a_page_held_under_max_size_drops_frames_and_keeps_their_epochs(browser, tmp_path):
    picture = tmp_path / "picture.png"
    Image.fromarray(smooth_picture(64, 48)).save(picture)
    notes = []
    out = tmp_path / "small.html"
    render(picture, out, size=0, hidden=(8,), epochs=30, fps=10, on_note=notes.append, max_size="25kB")
    assert out.stat().st_size <= 25_000
    assert len(notes) == 1 and "frame (" in notes[0], notes
    kept = int(re.search(r"\((\d+) of 30\)", notes[0])[1])
    open_page(browser, out)
    assert console_errors(browser) == []
    slider = browser.find_element(By.ID, "slider")
    assert int(slider.get_attribute("max")) == kept - 1
    slider.send_keys(Keys.END)
    assert state(browser)["label"] == "epoch 30"


def test_frames_made_elsewhere_play_numbered(browser, tmp_path, player):
    out = tmp_path / "again.html"
    encode(player[0].with_suffix(".gif"), out)
    open_page(browser, out)
    assert console_errors(browser) == []
    pause_at_start(browser)
    assert state(browser)["label"] == f"frame 1 of {EPOCHS}"
    assert browser.find_elements(By.TAG_NAME, "svg") == []
