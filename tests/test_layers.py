"""The package tree is the data flow: no import runs back up a layer."""

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "animlearn"
# Upstream first. A module may import from its own layer and any layer above it.
LAYERS = ["errors", "io", "config", "nets", "train", "canvas", "encoders"]
TOP = len(LAYERS)  # run.py, api.py, cli.py, sweep/ ...: the house over the layers


def layer(module: str) -> int:
    """'animlearn.nets.model' -> the index of 'nets'; anything else is the top."""
    parts = module.split(".")
    return LAYERS.index(parts[1]) if len(parts) > 1 and parts[1] in LAYERS else TOP


def imports(path: Path, root: Path = PACKAGE) -> list[str]:
    """Every animlearn module `path` (inside `root`) imports, lazily or not, as absolute names."""
    here = ["animlearn", *path.relative_to(root).with_suffix("").parts]
    if here[-1] == "__init__":
        here.pop()
    else:
        here.pop()  # a module's relative imports start from its package
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            base = here[: len(here) - node.level + 1] if node.level else []
            module = ".".join(base + ([node.module] if node.module else []))
            found += [module] if node.module else [f"{module}.{a.name}" for a in node.names]
        elif isinstance(node, ast.Import):
            found += [a.name for a in node.names]
    return [m for m in found if m == "animlearn" or m.startswith("animlearn.")]


def test_no_import_runs_back_up_a_layer():
    wrong = []
    for path in sorted(PACKAGE.rglob("*.py")):
        own = layer("animlearn." + ".".join(path.relative_to(PACKAGE).with_suffix("").parts))
        wrong += [f"{path.relative_to(PACKAGE)} imports {m}" for m in imports(path) if layer(m) > own]
    assert not wrong, "\n".join(wrong)


def test_the_checker_sees_a_wrong_import(tmp_path):
    """The rule above can fail: an upstream module importing a downstream one is caught."""
    (tmp_path / "nets").mkdir()
    model = tmp_path / "nets" / "model.py"
    model.write_text("from ..canvas.compose import Composer\nfrom ..config import spec\n")
    found = imports(model, root=tmp_path)
    assert found == ["animlearn.canvas.compose", "animlearn.config"]
    assert [layer(m) > layer("animlearn.nets.model") for m in found] == [True, False]
