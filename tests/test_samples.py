"""The README's first animation makes the seed's point, its figures are its log's, and its
log is what the Makefile's command trains today."""

import csv
import re
import shlex
from pathlib import Path

from typer.testing import CliRunner

from animlearn.cli import app

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


def rows(path: Path, epochs: int) -> list[tuple[str, str, str, float, float]]:
    """The log's rows of its first `epochs` epochs: epoch, network, parameters, loss, PSNR."""
    with open(path, newline="") as f:
        return [
            (r["epoch"], r["network"], r["parameters"], float(r["loss"]), float(r["psnr"]))
            for r in csv.DictReader(f)
            if float(r["epoch"]) <= epochs
        ]


def test_the_makefiles_hero_command_trains_the_committed_log(tmp_path):
    """The first two epochs of `make demo`'s hero command, run now, give the committed log's
    first rows: the same networks and parameter counts, and the same loss and PSNR (to the
    rounding of a machine with another CPU type, which rounds float32 differently)."""
    hero = re.search(r"^HERO := (.*)$", (ROOT / "Makefile").read_text(), re.MULTILINE)[1].split()
    hero[hero.index("--epochs") + 1] = "2"
    hero[hero.index("--every") + 1] = "1"  # a frame, so a log row, each epoch; training is the same
    log = tmp_path / "hero.csv"
    args = ["render", str(ROOT / "samples" / "astronaut.jpg"), "-o", str(tmp_path / "hero.gif")]
    result = CliRunner().invoke(app, [*args, "--log", str(log), *hero])
    assert result.exit_code == 0, shlex.join(args + hero) + "\n" + result.output
    now, committed = rows(log, 2), rows(LOG, 2)
    assert [r[:3] for r in now] == [r[:3] for r in committed] and len(now) == 4
    for a, b in zip(now, committed):
        assert abs(a[3] - b[3]) <= 1e-3 * b[3] and abs(a[4] - b[4]) <= 0.01, (a, b)
