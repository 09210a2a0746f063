# Every target does the set-up it needs: a virtualenv with pinned versions, the Debian packages
# (installed when run as root, otherwise the exact apt command is printed), the converted e5 model.
SHELL := /bin/bash
.DEFAULT_GOAL := help
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
E5_DIR := models/multilingual-e5-small
E5 := $(E5_DIR)/conversion.json
APT_PKGS := apertium apertium-fr-es apertium-eng-spa apertium-spa-ita cg3
BROWSER_PKGS := chromium chromium-driver
ARGS ?=
PYTEST_ARGS ?=
RUN ?=
MQM ?=
CACHE_DIR ?= .cache/xling-tqe
export HF_HUB_OFFLINE ?= 1
export TRANSFORMERS_OFFLINE ?= 1
export TOKENIZERS_PARALLELISM ?= false
export PYTHONWARNINGS ?= ignore::DeprecationWarning,ignore:pkg_resources is deprecated:UserWarning

.PHONY: help setup venv apt browser eval sweep report meta test test-fast lint bench clean clean-cache

help:
	@echo "make setup | eval [ARGS=...] | sweep ARGS=... | report RUN=<run folder> | test | test-fast | lint | bench | clean-cache [CACHE_DIR=...]"

$(STAMP): pyproject.toml requirements.lock
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade "pip" "setuptools<81" wheel
	$(PY) -m pip install -q -r requirements.lock
	$(PY) -m pip install -q --no-deps --no-build-isolation -e .
	@touch $@

venv: $(STAMP)

# Debian packages: Apertium (MT + dictionaries for the detectors); Chromium for the report's browser test.
define ensure_apt
	@missing=""; for p in $(1); do dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then echo "installing:$$missing"; apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else echo "error: missing Debian packages:$$missing -- run: sudo apt-get update && sudo apt-get install -y$$missing" >&2; exit 1; fi; \
	fi
endef

apt:
	$(call ensure_apt,$(APT_PKGS))

browser:
	$(call ensure_apt,$(BROWSER_PKGS))

$(E5): $(STAMP)
	$(PY) -m eval.embedders.e5_convert --out $(E5_DIR)

setup: $(STAMP) apt $(E5)

eval: setup
	$(PY) -m eval $(ARGS)

sweep: setup
	$(PY) -m eval --multirun $(ARGS)

report: $(STAMP)
	@test -n "$(RUN)" || { echo "usage: make report RUN=results/runs/<run folder>" >&2; exit 2; }
	$(PY) -m eval.reports $(RUN)

# Meta-evaluation: a run's metrics and spans against human MQM ratings (Google's TSV) of the same outputs.
meta: $(STAMP)
	@test -n "$(RUN)" -a -n "$(MQM)" || { echo "usage: make meta RUN=results/runs/<run folder> MQM=<ratings.tsv> [ARGS='--docs talk.1']" >&2; exit 2; }
	$(PY) -m eval.meta $(RUN) --mqm $(MQM) $(ARGS)

test: setup browser
	$(PY) -m pytest -q $(PYTEST_ARGS)

test-fast: setup
	$(PY) -m pytest -q -m "not slow and not e2e" $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check eval tests benchmarks
	$(VENV)/bin/ruff format --check eval tests benchmarks
	$(VENV)/bin/mypy

bench: setup
	$(PY) benchmarks/bench_bleu_chrf.py
	$(PY) benchmarks/bench_align.py
	$(PY) benchmarks/bench_significance.py
	$(PY) benchmarks/bench_detectors.py 2000 all

clean:
	rm -rf results/.tmp .pytest_cache .mypy_cache .ruff_cache

# The cache of MT, embeddings and COMET (cache.dir; set CACHE_DIR when you moved it).
clean-cache:
	@if [ -d "$(CACHE_DIR)" ]; then du -sh "$(CACHE_DIR)"; rm -rf "$(CACHE_DIR)"; echo "removed $(CACHE_DIR)"; \
	else echo "no cache at $(CACHE_DIR)"; fi
