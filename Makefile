# Two commands a newcomer needs:  make serve   (install, build, serve)   ·   make test   (the whole suite)
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: serve build test install install-dev browser snapshot soak bench static clean

serve: build
	$(PY) -m scripts.serve.portal

build: install
	$(PY) -m scripts.load.build
	$(VENV)/bin/datasette inspect build/catalog.db --inspect-file build/inspect.json

install: $(VENV)/.installed
$(VENV)/.installed: requirements.txt constraints.txt pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt -c constraints.txt
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $@

install-dev: $(VENV)/.installed-dev
$(VENV)/.installed-dev: requirements.txt requirements-dev.txt constraints.txt pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt -c constraints.txt
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $(VENV)/.installed $@

# End-to-end tests drive Debian's chromium (Playwright cannot download its own browser here).
browser:
	command -v chromium >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null)

test: install-dev browser build
	$(PY) -m pytest

# A bounded soak on loopback (5 minutes, 64 connections): failures, latency, memory, file hash.
soak: build
	$(PY) -m bench.soak --seconds 300 --connections 64

snapshot: install-dev
	$(PY) -m scripts.curate.snapshot_wards

clean:
	rm -rf build

# Benchmarks (BENCHMARKS.md): wrk and nginx from Debian (installed if missing), then bench/run.py — about
# 12 minutes; prints the tables and writes bench/results.json. BENCH_DURATION=N sets seconds per wrk run.
bench: install-dev build
	(command -v wrk && (command -v nginx || test -x /usr/sbin/nginx)) >/dev/null || \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk nginx-light >/dev/null)
	$(PY) -m bench.run

# A static copy (every table as JSON and CSV, DCAT catalog, OpenAPI description) for any static host.
static: build
	$(PY) -m scripts.publish.static_export
