# Teamline: `make run` starts a working local Teamline with demo data; `make test` runs every test.
# Both install what a fresh machine lacks first.

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
STAGE ?= dev
XDIST ?= -n 2

.PHONY: help install assets run test test-unit test-functional test-wire test-faults test-browser check bench screenshots \
        chromium clean deploy destroy vapid-keys create-admin deploy-rehearsal lighthouse backfill-counters

help:
	@echo "make run          start Teamline locally with demo data on http://127.0.0.1:$(PORT)"
	@echo "make test         install what is missing, then run every test tier"
	@echo "make check        ruff and mypy"
	@echo "make bench        benchmarks; writes bench-results.json"
	@echo "make lighthouse   Lighthouse (mobile) on the landing page, sign-in, a patient's home and a conversation"
	@echo "make screenshots  phone and tablet screenshots for the README"
	@echo "make deploy STAGE=prod      create or upgrade a stage in the Trust's AWS account (docs/deploy.md)"
	@echo "make destroy STAGE=prod     remove the stage's app, keeping its tables and buckets"
	@echo "make vapid-keys STAGE=prod  make the stage's Web Push keys in SSM (make deploy does it once by itself)"
	@echo "make create-admin STAGE=prod  create the Trust and its first admin in a deployed stage (it asks)"
	@echo "make deploy-rehearsal       run make deploy against an embedded moto AWS and check what it made"
	@echo "make backfill-counters STAGE=prod  rebuild the workload dashboard's counters from stored messages"

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

# The functional tier records which DynamoDB operations each function performs (build/dynamodb-operations.json);
# the deploy rehearsal, last, checks the deployed IAM policies against that record.
RECORD_DYNAMODB := -p tests.support.dynamodb_recorder

test: assets chromium
	$(PY) -m pytest tests/unit tests/functional $(XDIST) -q $(RECORD_DYNAMODB)
	$(PY) -m pytest tests/wire tests/browser -q
	$(PY) -m pytest tests/faults -q
	$(PY) -m pytest tests/deploy -q

test-unit: install
	$(PY) -m pytest tests/unit -q

test-functional: assets
	$(PY) -m pytest tests/functional $(XDIST) -q $(RECORD_DYNAMODB)

test-wire: assets
	$(PY) -m pytest tests/wire -q

test-faults: assets
	$(PY) -m pytest tests/faults -q

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

# Deploying into a Trust's AWS account: STAGE is required, settings come from deploy/$(STAGE).json or SETTINGS=.
DEPLOY_ARGS = --stage "$(DEPLOY_STAGE)" $(if $(SETTINGS),--settings "$(SETTINGS)")
DEPLOY_STAGE = $(if $(filter command line environment,$(origin STAGE)),$(STAGE),$(error say which stage, e.g. make $@ STAGE=prod))

deploy: assets
	$(PY) -m scripts.deploy deploy $(DEPLOY_ARGS)

destroy: install
	$(PY) -m scripts.deploy destroy $(DEPLOY_ARGS) $(if $(filter yes,$(DELETE_DATA)),--delete-data --confirm "$(CONFIRM)")

vapid-keys: install
	$(PY) -m scripts.deploy vapid-keys $(DEPLOY_ARGS) $(if $(filter yes,$(OVERWRITE)),--overwrite)

create-admin: install
	$(PY) -m scripts.create_admin --stage "$(DEPLOY_STAGE)"

backfill-counters: install
	$(PY) -m scripts.backfill_counters $(if $(filter command line environment,$(origin STAGE)),--stage "$(STAGE)")

deploy-rehearsal: assets
	$(PY) -m pytest tests/deploy -q

clean:
	rm -rf $(VENV) node_modules tools/lighthouse/node_modules static/dist templates/.bytecode vendor build bench-results.json
