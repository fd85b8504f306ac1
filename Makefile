# Two set-up commands for a fresh machine with Python 3.11 and pip:
#   make demo   creates .venv if missing, installs xlgen, runs the offline demo study
#   make test   creates .venv if missing, installs xlgen with test extras, runs the tests
#   make lint   snakemake --lint, snakefmt --check, ruff, lint-imports (tests/test_lint.py; seconds)
#   make rehearsal  the study's rules on real-shape random checkpoints: what each job holds (docs/cluster.md)
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
CORES ?= 2
# no hub on compute nodes or here: fail fast instead of retrying downloads
export HF_HUB_OFFLINE := 1
export HF_DATASETS_OFFLINE := 1

.PHONY: demo demo-translate test test-fast lint install clean demo-backbones demo-llm-backbone test-oldest \
	rehearsal

$(BIN)/python:
	$(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)

# The stamp is refreshed when pyproject.toml changes, so a second `make` skips pip.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e ".[test]"
	touch $@

install: $(VENV)/.installed

demo: install
	$(BIN)/snakemake --cores $(CORES) --scheduler greedy  # greedy: the ILP scheduler costs ~1 min of CPU on this DAG

# the demo plus the translate-train and translate-test baselines (README "Translation baselines")
demo-translate: install
	$(BIN)/snakemake --cores $(CORES) --scheduler greedy --configfile config/demo-translate.yaml

# in parallel (pytest-xdist; one worker a study: tests/conftest.py), one worker more than the cores:
# a worker waiting on SLURM, a browser or a paced run leaves its core to the others (2 cores,
# 2026-12-07: 1.89 cores busy with 3 workers, 1.85 with 2); TEST_WORKERS=0 runs it in one process
TEST_WORKERS ?= $(shell expr $$(nproc) + 1)
PYTEST := $(BIN)/python -m pytest -q -n $(TEST_WORKERS) --dist loadscope
test: install
	$(PYTEST) tests

# the tests without Snakemake studies, dry runs, 2-process launches or benchmark runs (no `slow` marker):
# ~3 minutes, for the edit-test loop
test-fast: install
	$(PYTEST) tests -m "not slow"

# the fast unit tests against the lowest versions pyproject.toml admits, in .venv-oldest (issue 25; minutes, not in CI)
test-oldest:
	PYTHON=$(PYTHON) .ci/test-oldest

# The real-shape rehearsal (issue 24): random-initialised checkpoints of the real backbones' shapes, a
# synthetic XL-Sum of the real size, the study's rules in rehearsal/; prints and writes rehearsal/rehearsal.csv.
# ~22 min on 2 cores, ~30 GB of disk at its peak. The configs come from ../shared/fixtures where present,
# else only config.json is fetched from the hub (hence online here); its jobs run offline.
rehearsal: install
	HF_HUB_OFFLINE=0 $(BIN)/python benchmarks/rehearsal.py --cores $(CORES)

# `snakefmt Snakefile workflow/` fixes what the format check reports
lint: install
	$(BIN)/python -m pytest -q tests/test_lint.py

# Rebuild the demo backbones from scratch and refresh the prebuilt copies that `make demo`
# reuses (resources/demo_backbones/, matched by fingerprint).
DEMO_BACKBONES := mt5-demo mbart-demo nllb-demo
demo-backbones: install
	$(BIN)/snakemake --cores $(CORES) --forcerun demo_backbone --until demo_backbone \
		--config rebuild_demo_backbones=True
	mkdir -p resources/demo_backbones
	for b in $(DEMO_BACKBONES); do rm -rf resources/demo_backbones/$$b; \
		cp -r results/backbones/$$b resources/demo_backbones/$$b; done

# the decoder-only demo backbone of config/demo-llm.yaml (~35 min on one busy core)
demo-llm-backbone: install
	$(BIN)/snakemake results/backbones/llama-demo --cores $(CORES) --configfile config/demo-llm.yaml \
		--forcerun results/backbones/llama-demo --config rebuild_demo_backbones=True
	rm -rf resources/demo_backbones/llama-demo
	cp -r results/backbones/llama-demo resources/demo_backbones/llama-demo

clean:
	rm -rf results .snakemake
