# Two commands a newcomer needs:  make serve   (install, build, serve)   ·   make test   (the whole suite)
# `make` alone lists the targets. The database is a file target: it is rebuilt only when a source, a table spec,
# metadata.yml or the loader changed, and a failed recipe never leaves a half-written target behind.
SHELL := bash
.SHELLFLAGS := -eo pipefail -c
.DELETE_ON_ERROR:
.DEFAULT_GOAL := help

PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
NEXT_VENV := .venv-next
DB := build/catalog.db
INSPECT := build/inspect.json
# What the database is made from: everything under sources/ (the table specs sources/tables/*.yml included,
# named again so they count even before the first one exists), metadata.yml and the loader (scripts/spec.py, which
# reads the specs, included).
SOURCES := $(shell find sources -type f)
SPECS := $(wildcard sources/tables/*.yml)
LOADER := $(wildcard scripts/load/*.py) scripts/search/query.py scripts/publish/dumps.py scripts/publish/tabular.py \
  scripts/project.py scripts/spec.py metadata.yml

.PHONY: help serve build test install install-dev browser snapshot soak bench static clean upgrade-check

help: ## this list
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/^([a-z-]+):.*## (.*)/  make \1\t\2/' | expand -t 24

serve: build ## install, build and serve the catalog at http://127.0.0.1:8001
	$(PY) -m scripts.serve.portal

build: $(DB) $(INSPECT) ## build/catalog.db from sources/ (only when something it depends on changed)

# The build writes catalog.db.new and renames it only when every check passed: a failed build leaves the previous
# database (and its time stamp) untouched, so .DELETE_ON_ERROR never removes a good database.
$(DB): $(SOURCES) $(SPECS) $(LOADER) | $(VENV)/.installed
	$(PY) -m scripts.load.build

$(INSPECT): $(DB)
	$(VENV)/bin/datasette inspect $(DB) --inspect-file $@

install: $(VENV)/.installed ## the pinned runtime into .venv, the project editable
$(VENV)/.installed: requirements.txt constraints.txt pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt -c constraints.txt
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $@

install-dev: $(VENV)/.installed-dev ## the runtime plus test and benchmark tools
$(VENV)/.installed-dev: requirements.txt requirements-dev.txt constraints.txt pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt -c constraints.txt
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $(VENV)/.installed $@

# End-to-end tests drive Debian's chromium (Playwright cannot download its own browser here).
browser: ## Debian's chromium for the browser tests
	command -v chromium >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null)

test: install-dev browser build ## the whole suite
	$(PY) -m pytest

soak: build ## a bounded soak on loopback (5 minutes, 64 connections): failures, latency, memory, file hash
	$(PY) -m bench.soak --seconds 300 --connections 64

snapshot: install-dev ## refresh the reference ward lists in sources/reference/ from vietnamadminunits
	$(PY) -m scripts.curate.snapshot_wards

clean: ## remove build/
	rm -rf build

# Benchmarks (BENCHMARKS.md): wrk and nginx from Debian (installed if missing), then bench/run.py — about
# 12 minutes; prints the tables and writes bench/results.json. BENCH_DURATION=N sets seconds per wrk run.
bench: install-dev build ## the benchmarks of BENCHMARKS.md (about 12 minutes)
	(command -v wrk && (command -v nginx || test -x /usr/sbin/nginx)) >/dev/null || \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk nginx-light >/dev/null)
	$(PY) -m bench.run

static: build ## a static copy (every table as JSON and CSV, DCAT, OpenAPI) in build/static/
	$(PY) -m scripts.publish.static_export

# The newest Datasette 1.0 alpha in its own virtual environment (.venv-next), the portal served there without the
# replacements of internals, and a report of what breaks (build/upgrade-check.txt; docs/upgrading.md). It
# reports; it never fails.
upgrade-check: build ## what breaks on the newest Datasette 1.0 alpha (report only, never fails)
	test -x $(NEXT_VENV)/bin/python || $(PYTHON) -m venv $(NEXT_VENV) || python3 -m venv $(NEXT_VENV)
	$(NEXT_VENV)/bin/pip install --quiet --disable-pip-version-check --pre --upgrade datasette \
	  $$(grep -v -e '^datasette==' -e '^#' -e '^$$' requirements.txt | sed 's/==.*//') \
	  || echo "upgrade-check: could not install the newest Datasette alpha"
	$(NEXT_VENV)/bin/pip install --quiet --disable-pip-version-check --no-deps -e . || true
	-$(NEXT_VENV)/bin/python -m scripts.serve.upgrade_check
