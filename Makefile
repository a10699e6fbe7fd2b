# Noise2Self workbook: set up, test, reproduce, teach.   `make help` lists the targets.
#
# Everything runs from the virtual environment in .venv (created by `make setup`). torch is pinned to a
# CPU build *before* the package is installed: an unpinned `pip install` would pull a multi-GB CUDA torch.

PYTHON ?= python3
VENV ?= .venv
TORCH ?= torch==2.13.0
BIN := $(VENV)/bin
PY := $(BIN)/python
STAMP := $(VENV)/.n2s-setup.stamp

NOTEBOOKS := $(wildcard notebooks/*.ipynb)
LINT_PATHS := $(wildcard n2s_core tests benchmarks tools conftest.py notebooks/*.py)
TEST_PATHS := $(wildcard tests n2s_core notebooks)

# nbval: run every notebook, compare no outputs (lax), use this environment's kernel.
PYTEST_FLAGS := --nbval-lax --nbval-current-env --nbval-cell-timeout=300 --durations=15
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
.PHONY: help setup reproduce table2 test lab notebooks student slides colab-check bench gpu-check clean distclean

help: ## list the targets
	@echo "Noise2Self workbook. Targets:"
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "} {printf "  make %-12s %s\n", $$1, $$2}'

setup: $(STAMP) ## create .venv and install the package with its test and notebook extras (CPU torch)

# The stamp is newer than pyproject.toml once the install succeeded: a second `make setup` does nothing.
$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install "$(TORCH)"
	$(PY) -m pip install -e ".[test,notebooks]"
	touch $@

reproduce: setup ## recompute the paper's Figures 2-5 and Table 1 into results/, then the ledger
	$(PY) -m n2s_core reproduce figure2 --out results
	$(PY) -m n2s_core reproduce figure3 --out results
	$(PY) -m n2s_core reproduce figure4 --out results
	$(PY) -m n2s_core reproduce figure5 --out results
	$(PY) -m n2s_core reproduce table1 --out results
	$(PY) -m n2s_core reproduce ledger --out results
	$(PY) -c "from n2s_core.paper import committed; committed.bundle('results')"  # the copies notebooks read

SEEDS ?= 3
table2: setup ## the paper's dataset table, quick preset (2 CPU cores, about 40 minutes for all three; resumable)
	$(PY) -m n2s_core reproduce table2 --dataset all --preset quick --seeds $(SEEDS) --out results
	$(PY) -m n2s_core reproduce ledger --out results
	$(PY) -c "from n2s_core.paper import committed; committed.bundle('results')"  # the copies notebooks read

test: setup ## ruff, then ONE pytest run: unit tests, doctests, notebooks (nbval, quick), real browser
	$(BIN)/ruff check $(LINT_PATHS)
	N2S_QUICK=1 $(PY) -m pytest $(PYTEST_FLAGS) $(TEST_PATHS)

# The .py twins are hidden in the file browser, so each lesson is listed once (open the .py to edit it as text).
lab: setup ## open JupyterLab on notebooks/ (for students)
	$(BIN)/jupyter lab $(if $(filter 0,$(shell id -u)),--allow-root) \
		--ContentsManager.hide_globs='["__pycache__", "*.pyc", ".ipynb_checkpoints", "[0-9][0-9]_*.py"]' notebooks

notebooks: setup ## re-run every notebook in quick mode, store its outputs, keep the .py twins in sync
	@test -n "$(NOTEBOOKS)" || { echo "no notebooks/*.ipynb to run"; exit 1; }
	$(BIN)/jupytext --sync $(NOTEBOOKS)   # edits made in a .py reach its .ipynb first
	N2S_QUICK=1 $(BIN)/jupyter nbconvert $(NBCONVERT_FLAGS) $(NOTEBOOKS)
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
	rm -rf $(VENV) .venv-colab *.egg-info
