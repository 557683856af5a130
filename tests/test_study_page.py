"""A study's index.html, in a real browser (see browser.py), from a real sweep."""

import csv
import shutil
import statistics

import pytest
from browser import browser, console_errors, fetched, images_loaded, open_page
from conftest import smooth_picture
from PIL import Image
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By

from animlearn.study.sweep import sweep

__all__ = ["browser"]  # the fixture, imported for pytest

OPTIONS = dict(
    nets=["{1,2}x16:relu:adam", "1x16:relu:posenc=4:adam"], seeds=2, epochs=6, size=24, halving=2, holdout=0.1
)


PICTURES = {"wide": (32, 24), "tall": (20, 28)}


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    """A 12-trial sweep over two pictures, with the page as it stood after the first result
    kept as mid.html."""
    root = tmp_path_factory.mktemp("study")
    pictures = [root / f"{name}.png" for name in PICTURES]
    for path, (w, h) in zip(pictures, PICTURES.values()):
        Image.fromarray(smooth_picture(w, h)).save(path)
    folder = root / "out"
    seen = []

    def progress(report):
        if not seen:
            shutil.copy(folder / "index.html", folder / "mid.html")
        seen.append(report)

    result = sweep(pictures, folder, workers=2, on_progress=progress, **OPTIONS)
    return folder, result


def board(driver) -> list[dict]:
    """The leaderboard as shown: a dict per row, header -> cell text."""
    heads = [th.text.strip(" ▲▼") for th in driver.find_elements(By.CSS_SELECTOR, "#board th")]
    rows = driver.find_elements(By.CSS_SELECTOR, "#board tbody tr")
    return [dict(zip(heads, (td.text for td in tr.find_elements(By.TAG_NAME, "td")))) for tr in rows]


def expected(folder) -> dict[str, dict]:
    """Straight from results.csv: each spec's trials (seeds, on both pictures) at their final
    rung, averaged over those that reached the furthest of them, and over each picture's."""
    with open(folder / "results.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    final = [r for r in rows if r["stopped_at"] and r["rung"] == r["stopped_at"]]
    out = {}
    for spec in {r["spec"] for r in final}:
        mine = [r for r in final if r["spec"] == spec and r["status"] == "ok"]
        furthest = max(int(r["rung"]) for r in mine)
        counted = [r for r in mine if int(r["rung"]) == furthest]

        def text(name, counted=counted):
            values = [float(r[name]) for r in counted]
            mean = f"{statistics.fmean(values):.2f}"
            return mean if len(values) == 1 else f"{mean} ± {statistics.stdev(values):.2f}"

        out[spec] = {
            "parameters": f"{int(mine[0]['parameters']):,}",
            "PSNR trained": text("psnr"),
            "PSNR hidden": text("holdout_psnr"),
            "epochs": str(furthest),
        }
        for name in PICTURES:  # with a hold-out, a picture's column is its hidden pixels'
            out[spec][f"PSNR {name}"] = text("holdout_psnr", [r for r in counted if r["picture"] == name])
    return out


def test_the_final_page_loads_offline_with_every_image(browser, study):
    folder, result = study
    open_page(browser, folder / "index.html")
    assert console_errors(browser) == []
    assert fetched(browser) == []
    assert images_loaded(browser) == []
    thumbs = browser.find_elements(By.CSS_SELECTOR, ".thumb img")
    assert len(thumbs) == result.trials + 2  # and each picture
    assert [h.text for h in browser.find_elements(By.TAG_NAME, "h3")] == list(PICTURES)
    assert len(browser.find_elements(By.CSS_SELECTOR, "#curves path")) == result.trials
    assert browser.execute_script("return document.querySelector('video').readyState") >= 1
    assert "Done: 12 trials" in browser.find_element(By.CLASS_NAME, "status").text
    assert browser.find_element(By.TAG_NAME, "h1").text == "A study of 12 trials on 2 pictures"
    heads = [th.text.strip(" ▲▼") for th in browser.find_elements(By.CSS_SELECTOR, "#board th")]
    assert {"depth", "encoding"} <= set(heads) and not {"width", "activation", "optimizer"} & set(heads)
    said = browser.find_element(By.XPATH, "//small[starts-with(., 'Every network')]").text
    assert said == "Every network: width 16 · activation relu · optimizer adam."


def test_the_numbers_on_the_page_are_results_csv(browser, study):
    folder, _ = study
    open_page(browser, folder / "index.html")
    want = expected(folder)
    shown = {row["network"]: {k: row[k] for k in want[row["network"]]} for row in board(browser)}
    assert shown == want
    shown = [(int(r["epochs"]), float(r["PSNR hidden"].split()[0])) for r in board(browser)]
    assert shown == sorted(shown, key=lambda p: (-p[0], -p[1]))  # by the mean over both pictures


def test_a_click_on_a_header_sorts_the_rows(browser, study):
    open_page(browser, study[0] / "index.html")
    header = next(th for th in browser.find_elements(By.CSS_SELECTOR, "#board th") if th.text == "parameters")
    header.click()
    down = [int(r["parameters"].replace(",", "")) for r in board(browser)]
    assert down == sorted(down, reverse=True) and len(set(down)) > 1
    header.click()
    up = [int(r["parameters"].replace(",", "")) for r in board(browser)]
    assert up == sorted(up)
    browser.refresh()  # the order is kept in the address, so a reload keeps it
    assert [int(r["parameters"].replace(",", "")) for r in board(browser)] == up


def test_a_row_lights_its_curves_and_thumbnails_compare(browser, study):
    open_page(browser, study[0] / "index.html")
    row = browser.find_elements(By.CSS_SELECTOR, "#board tbody tr")[2]
    ActionChains(browser).move_to_element(row).perform()
    key = row.get_attribute("data-key")
    lit = browser.find_elements(By.CSS_SELECTOR, "#curves path.lit")
    assert lit and {p.get_attribute("data-key") for p in lit} == {key}
    thumbs = browser.find_elements(By.CSS_SELECTOR, ".thumb")
    thumbs[3].click()
    thumbs[0].click()  # the target
    a, b = (browser.find_element(By.ID, i).get_attribute("src") for i in ("pa", "pb"))
    want = [t.find_element(By.TAG_NAME, "img").get_attribute("src") for t in (thumbs[3], thumbs[0])]
    assert [a, b] == want
    browser.find_element(By.CSS_SELECTOR, "input[value=wipe]").click()
    assert (
        browser.find_element(By.ID, "wipe").is_displayed()
        and not browser.find_element(By.ID, "pair").is_displayed()
    )
    before = browser.find_element(By.ID, "over").value_of_css_property("clip-path")
    browser.execute_script(
        "const c = document.getElementById('cut'); c.value = 20; c.dispatchEvent(new Event('input'));"
    )
    assert browser.find_element(By.ID, "over").value_of_css_property("clip-path") != before
    assert console_errors(browser) == []


def test_a_page_written_mid_study_reloads_itself_and_differs_from_the_final_one(browser, study):
    folder, _ = study
    mid, final = (folder / "mid.html").read_text(), (folder / "index.html").read_text()
    assert mid != final
    open_page(browser, folder / "mid.html")
    assert console_errors(browser) == [] and fetched(browser) == [] and images_loaded(browser) == []
    assert browser.find_element(By.CLASS_NAME, "status").text.startswith("Running")
    assert browser.execute_script("return +document.body.dataset.reload") > 0
    assert "training" in [r["status"] for r in board(browser)]
    assert browser.find_elements(By.TAG_NAME, "video") == []  # the race comes at the end
    open_page(browser, folder / "index.html")
    assert browser.execute_script("return +document.body.dataset.reload") == 0
    assert "training" not in [r["status"] for r in board(browser)]
