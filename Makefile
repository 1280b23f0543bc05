# Teamline: `make run` starts a working local Teamline with demo data; `make test` runs every test.
# Both install what a fresh machine lacks first.

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
STAGE ?= dev
XDIST ?= -n 2

.PHONY: help install assets run test test-unit test-functional test-wire test-browser check bench screenshots \
        chromium package clean lighthouse

help:
	@echo "make run          start Teamline locally with demo data on http://127.0.0.1:$(PORT)"
	@echo "make test         install what is missing, then run every test tier"
	@echo "make check        ruff and mypy"
	@echo "make bench        benchmarks; writes bench-results.json"
	@echo "make lighthouse   Lighthouse (mobile) on the landing page, sign-in, a patient's home and a conversation"
	@echo "make screenshots  phone and tablet screenshots for the README"
	@echo "make package      build the CloudFormation deployment package in build/<STAGE> (STAGE=dev|prod)"

$(VENV)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

install: $(VENV)/.installed node_modules/.installed

assets: install
	$(PY) scripts/build_assets.py

run: assets
	PORT=$(PORT) $(PY) scripts/run_local.py

chromium:
	@$(PY) scripts/ensure_chromium.py

test: assets chromium
	$(PY) -m pytest tests/unit tests/functional $(XDIST) -q
	$(PY) -m pytest tests/wire tests/browser -q

test-unit: install
	$(PY) -m pytest tests/unit -q

test-functional: assets
	$(PY) -m pytest tests/functional $(XDIST) -q

test-wire: assets
	$(PY) -m pytest tests/wire -q

test-browser: assets chromium
	$(PY) -m pytest tests/browser -q

check: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy chalicelib app.py

bench: assets chromium
	$(PY) -m scripts.bench

# Lighthouse is ~110 MB of packages: its own package.json, installed only for this target.
tools/lighthouse/node_modules/.installed: tools/lighthouse/package.json tools/lighthouse/package-lock.json
	npm ci --prefix tools/lighthouse --no-audit --no-fund
	touch $@

lighthouse: assets chromium tools/lighthouse/node_modules/.installed
	$(PY) -m scripts.lighthouse

screenshots: assets chromium
	$(PY) -m scripts.screenshots

package: assets
	$(PY) scripts/package.py $(STAGE)

clean:
	rm -rf $(VENV) node_modules tools/lighthouse/node_modules static/dist templates/.bytecode vendor build bench-results.json
