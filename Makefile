# `make quick`: set up, then the headline result. `make repro`: set up (once) and run the whole pipeline.
# `make test`: set up and run the tests.
# Offline? Point QAE_MNIST_MIRROR at a folder (or URL) holding the four MNIST .gz files.
# `make bench BENCH_ARGS="--mnist DIR --reference seed_reference.py"`: the pipeline timed (bench/README.md).
# `make verify [VERIFY_STAGES="..."]`: rerun stages, check dvc.lock keeps its bytes.
# `make samples`: remake the shipped codec's card samples (qae/pretrained/samples) after replacing codec.pt.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: quick repro test bench verify lock samples

# The pinned versions (requirements.lock), then qae itself; `pip install -e '.[dev]'` works too.
$(BIN)/.installed: pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@

# The design card's path to the headline cell: MNIST, split, classifiers, the headline model.
quick: $(BIN)/.installed
	PATH="$(abspath $(BIN)):$$PATH" python -m qae.runner dvc repro headline_eval
	@cat metrics/headline.json

# Stage commands say `python`: put the venv first on PATH. qae.runner imports torch & co. once
# and forks each `python -m stages.X` from there (qae/runner.py): the same outputs, seconds sooner.
repro: $(BIN)/.installed
	PATH="$(abspath $(BIN)):$$PATH" python -m qae.runner dvc repro

test: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest

bench: $(BIN)/.installed
	PATH="$(abspath $(BIN)):$$PATH" $(BIN)/python bench/pipeline.py $(BENCH_ARGS)

# Rerun some stages and check that dvc.lock did not change: on a machine of the lock's kind
# (bench/pipeline.md names its CPU kernels and thread count) every output has the same bytes.
VERIFY_STAGES ?= classifier sweep_train@64 sweep_eval@64
verify: $(BIN)/.installed
	@git diff --quiet dvc.lock || { echo "dvc.lock has uncommitted changes: commit or restore it first"; exit 1; }
	PATH="$(abspath $(BIN)):$$PATH" dvc repro --force -s $(VERIFY_STAGES)
	@git diff --quiet dvc.lock && echo "verified: $(VERIFY_STAGES) reproduce dvc.lock byte for byte" || { \
		git diff --stat dvc.lock; \
		echo "dvc.lock changed: another CPU kind or thread count than the lock's, or a real difference;"; \
		echo "git checkout dvc.lock && dvc checkout restores the committed outputs"; exit 1; }

samples: $(BIN)/.installed
	$(BIN)/python -m qae.pretrained.samples

# Newest versions the ranges in pyproject.toml admit, pinned.
lock:
	$(PYTHON) -m pip install --quiet uv
	$(PYTHON) -m uv pip compile pyproject.toml --extra dev --extra bench --python-version 3.11 \
		--no-header --no-annotate -o requirements.lock
