# One-command workflows. `make lab` and `make test` set everything up on a fresh machine.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

VENV ?= .venv
STAMP := .make
export PATH := $(abspath $(VENV))/bin:$(PATH)
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD := 1
CHROMIUM_PATH ?= $(shell command -v chromium 2>/dev/null || echo /usr/bin/chromium)
export CHROMIUM_PATH
LAB_PORT ?= 8888

FRONTEND_SOURCES := $(shell find src style schema -type f 2>/dev/null) \
	package.json tsconfig.json

.PHONY: help setup lab test lint jest pytest check-auth check-extension ui-test \
	chromium watch clean bench bench-deps bench-one bench-list bench-report

help:
	@echo "make lab    set up and start JupyterLab with the extension"
	@echo "make test   set up and run every check (lint, jest, pytest, auth, Galata)"
	@echo "make watch  rebuild the extension on every change (development)"
	@echo "make bench  run every benchmark on a production build, write bench/RESULTS.md"
	@echo "make bench-one NAME=engine   run one benchmark (make bench-list: the names)"

$(STAMP):
	mkdir -p $(STAMP)

$(STAMP)/venv: | $(STAMP)
	python3 -m venv $(VENV)
	$(VENV)/bin/python -m pip install -q --upgrade pip
	$(VENV)/bin/python -m pip install -q 'jupyter-builder>=1.2.0,<2' 'jupyterlab>=4.6,<5'
	touch $@

$(STAMP)/npm: package.json package-lock.json | $(STAMP)
	npm ci --no-audit --no-fund
	touch $@

# The labextension, always a production build (benchmarks and tests measure what users get).
$(STAMP)/build: $(FRONTEND_SOURCES) $(STAMP)/npm $(STAMP)/venv
	npm run build:prod
	touch $@

$(STAMP)/python: pyproject.toml $(STAMP)/build
	# A previous install leaves install.json in the labextension, which the wheel's shared-data
	# maps a second time: pip then refuses to reinstall (after any change to pyproject.toml).
	rm -f jupyterlab_continuum/labextension/install.json
	HATCH_JUPYTER_BUILDER_SKIP_NPM=1 $(VENV)/bin/python -m pip install -q -e ".[dev,test]"
	jupyter-builder develop --overwrite .
	jupyter server extension enable --sys-prefix jupyterlab_continuum
	touch $@

$(STAMP)/ui-npm: ui-tests/package.json ui-tests/package-lock.json | $(STAMP)
	cd ui-tests && npm ci --no-audit --no-fund
	touch $@

setup: $(STAMP)/python

lab: setup
	@echo "Starting JupyterLab with jupyterlab-continuum on http://localhost:$(LAB_PORT)/lab"
	jupyter lab --port=$(LAB_PORT) --ServerApp.allow_root=True --no-browser \
		$$(test -f examples/continuum-quickstart.ipynb && echo examples/continuum-quickstart.ipynb)

watch: setup
	npm run watch

lint: $(STAMP)/python
	npm run lint:check
	ruff check .
	ruff format --check .

jest: $(STAMP)/npm
	npx jest --coverage

pytest: $(STAMP)/python
	python -m pytest -q -ra

check-auth: $(STAMP)/python
	python scripts/check_auth.py

check-extension: $(STAMP)/python
	jupyter labextension list 2>&1 | sed 's/\x1b\[[0-9;]*m//g' | tee $(STAMP)/labextensions.txt
	grep -qE 'jupyterlab-continuum v[^ ]+ enabled +OK' $(STAMP)/labextensions.txt
	jupyter server extension list 2>&1 | sed 's/\x1b\[[0-9;]*m//g' | tee $(STAMP)/serverextensions.txt
	grep -qE 'jupyterlab_continuum [^ ]+ OK' $(STAMP)/serverextensions.txt
	@echo "Both halves of the extension are installed and enabled: OK" 

chromium:
	@test -x "$(CHROMIUM_PATH)" || { \
		echo "Installing Debian's Chromium for the browser tests"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; }

ui-test: $(STAMP)/python $(STAMP)/ui-npm chromium
	rm -rf ui-tests/artifacts
	cd ui-tests && npx playwright test

# Benchmarks: not part of `make test`. The labextension is the production build of
# $(STAMP)/build; the bare React Flow page and the workflow page are built in production mode too.
BENCH_PAGES := $(wildcard bench/browser/pages/*) bench/browser/build.mjs

$(STAMP)/bench-pages: $(BENCH_PAGES) $(STAMP)/npm | $(STAMP)
	node bench/browser/build.mjs
	touch $@

bench-deps: $(STAMP)/python $(STAMP)/ui-npm $(STAMP)/bench-pages chromium

bench: bench-deps
	python bench/run.py

bench-one: bench-deps
	@test -n "$(NAME)" || { echo "usage: make bench-one NAME=<name> (make bench-list)"; exit 2; }
	python bench/run.py $(NAME)

bench-list:
	@python3 bench/run.py --list

bench-report:
	python bench/report.py

test: lint jest pytest check-auth check-extension ui-test
	@echo "All checks passed."

clean:
	rm -rf $(STAMP) lib jupyterlab_continuum/labextension tsconfig.tsbuildinfo bench/build \
		ui-tests/test-results ui-tests/playwright-report ui-tests/artifacts
