# `make repro`: set up (once) and run the whole pipeline. `make test`: set up and run the tests.
# Offline? Point QAE_MNIST_MIRROR at a folder (or URL) holding the four MNIST .gz files.
# `make bench BENCH_ARGS="--mnist DIR --reference seed_reference.py"`: the pipeline timed (bench/README.md).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: repro test bench

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

# Stage commands say `python`: put the venv first on PATH.
repro: $(BIN)/.installed
	PATH="$(abspath $(BIN)):$$PATH" dvc repro

test: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest

bench: $(BIN)/.installed
	$(BIN)/pip install --quiet -e '.[dev,bench]'
	PATH="$(abspath $(BIN)):$$PATH" $(BIN)/python bench/pipeline.py $(BENCH_ARGS)
