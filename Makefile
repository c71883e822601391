# seqarena: make run (main job), make test (tests), make bench (benchmarks).
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test test-slow bench lint clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	# CPU build of PyTorch first, so that no dependency pulls a CUDA build.
	$(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q -e '.[dev,ray,export,serve,tune]'
	touch $(STAMP)

# the main job: seed 000's comparison over 3 seeds, the theory table, quick probe and scaling sweeps
# and the gradient flow into one run directory, then its report (every section filled with
# measurements), under one progress bar: `seqarena run` (its --help lists the steps)
run: $(STAMP)
	$(BIN)/seqarena run --out runs/latest

test: $(STAMP)
	$(BIN)/python -m pytest -q

test-slow: $(STAMP)
	$(BIN)/python -m pytest -q -m slow

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_compare.py
	$(BIN)/python benchmarks/bench_steps.py
	$(BIN)/python benchmarks/bench_names_seed.py

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks

clean:
	rm -rf $(VENV) build dist src/*.egg-info .pytest_cache
