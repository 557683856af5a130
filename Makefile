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
	$(BIN)/ruff check animlearn tests benchmarks samples
	$(BIN)/ruff format --check animlearn tests benchmarks samples

# The samples in samples/ (about 6 minutes on 2 cores, venv included): a first try with no options;
# the README's first animation, shallow against deep, with its log; the lab's gallery; a study's
# page with its race and leaderboard (the trials' checkpoints stay in build/study), and a
# screenshot of it, skipped with a line saying how to install chromium where it is missing.
demo: $(STAMP)
	$(BIN)/animlearn render samples/chelsea.jpg -o samples/chelsea.gif
	$(BIN)/animlearn render samples/astronaut.jpg -o samples/astronaut-side-by-side.gif \
		-o samples/astronaut-side-by-side.mp4 --log samples/astronaut-side-by-side.csv $(HERO)
	$(BIN)/animlearn render samples/chelsea.jpg -o samples/chelsea-lab.gif -o samples/chelsea-lab.mp4 $(LAB)
	rm -rf build/study && mkdir -p build samples/study
	$(BIN)/animlearn sweep samples/chelsea.jpg samples/astronaut.jpg -o build/study $(STUDY)
	cp build/study/index.html build/study/race.mp4 build/study/results.md samples/study/
	$(BIN)/python samples/screenshot.py samples/study/index.html samples/study.png

# The seed's point, deep beats shallow, at the seed's constant learning rate: 300 epochs at 128 px
# (the gap passes 3 dB around epoch 80 and ends at 5), 100 frames spaced geometrically.
HERO := --shallow --target --size 128 --epochs 300 --lr 0.1 --halflife 0 --schedule log --every 3

# The lab's gallery: the seed's network, Fourier features, SIREN and the sharp preset's grid.
LAB := --size 150 --epochs 40 --target --plot \
	--net 4x300 --net 3x256:relu:fourier=256:sigma=10:adam:halflife=10 \
	--net 4x256:sine:adam:halflife=10 --net 2x64:relu:grid=8:cap=2^14:features=4:adam:halflife=10

# A study over two pictures whose page shows something (about a minute): Fourier features
# against raw coordinates, depth 2 against 4, width 32 against 96, two seeds each, every spec
# judged on its mean over both pictures.
STUDY := --net "{2,4}x{32,96}:relu:{raw,fourier}:adam" --seeds 2 --size 96 --epochs 30 \
	--halving 2 --holdout every-other

bench: $(STAMP)
	$(BIN)/python benchmarks/bench.py

clean:
	rm -rf $(VENV) build *.egg-info
