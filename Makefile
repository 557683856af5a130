# Everything runs from .venv, made on first use from pyproject.toml.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: test demo lint bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $(STAMP)

test: $(STAMP)
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check animlearn tests benchmarks
	$(BIN)/ruff format --check animlearn tests benchmarks

# The samples shown in the README, from samples/chelsea.jpg.
demo: $(STAMP)
	$(BIN)/animlearn render samples/chelsea.jpg -o samples/chelsea.gif --epochs 120
	$(BIN)/animlearn render samples/chelsea.jpg -o samples/chelsea-side-by-side.mp4 -o samples/chelsea-side-by-side.gif --epochs 120 --shallow --target

bench: $(STAMP)
	$(BIN)/python benchmarks/bench.py

clean:
	rm -rf $(VENV) build *.egg-info
