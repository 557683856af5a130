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
	$(BIN)/animlearn render samples/chelsea.jpg -o samples/chelsea-lab.gif -o samples/chelsea-lab.mp4 $(LAB)

# The lab's gallery: the seed's network, Fourier features, SIREN and the sharp preset's grid.
LAB := --size 150 --epochs 40 --target --plot \
	--net 4x300 --net 3x256:relu:fourier=256:sigma=10:adam:halflife=10 \
	--net 4x256:sine:adam:halflife=10 --net 2x64:relu:grid=8:cap=2^14:features=4:adam:halflife=10

bench: $(STAMP)
	$(BIN)/python benchmarks/bench.py

clean:
	rm -rf $(VENV) build *.egg-info
