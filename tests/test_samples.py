"""The README's first animation makes the seed's point, and its figures are its log's."""

import csv
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOG = ROOT / "samples" / "astronaut-side-by-side.csv"


def final_psnrs() -> dict[str, float]:
    """Each network's PSNR in the log's last epoch."""
    with open(LOG, newline="") as f:
        rows = list(csv.DictReader(f))
    last = rows[-1]["epoch"]
    return {r["network"]: float(r["psnr"]) for r in rows if r["epoch"] == last}


def test_the_deep_network_ends_at_least_3_db_ahead_of_the_shallow_one():
    psnr = final_psnrs()
    assert set(psnr) == {"1x45450", "4x300"}
    assert psnr["4x300"] >= psnr["1x45450"] + 3


def test_the_readme_quotes_the_hero_log():
    caption = (ROOT / "README.md").read_text().split("## Quick start")[0]
    deep, shallow = (
        float(x)
        for x in re.search(r"\((\d+\.\d) dB\), the shallow one a smear \((\d+\.\d) dB\)", caption).groups()
    )
    psnr = final_psnrs()
    assert (deep, shallow) == (round(psnr["4x300"], 1), round(psnr["1x45450"], 1))
