# Every target builds what it needs from nothing but the repo: a fresh clone runs `make run` or
# `make test` and gets a virtualenv, the pinned dependencies and a working Kluis.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint format bench screenshots install dev clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml constraints.txt
	$(BIN)/pip install --quiet -c constraints.txt -e .
	touch $@

$(DEV_STAMP): $(STAMP)
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev]'
	touch $@

install: $(STAMP)

dev: $(DEV_STAMP)

# `make run PORT=31800`: links Kluis mails point at http://HOST:PORT (127.0.0.1 for HOST=0.0.0.0)
# unless a base URL is configured (KLUIS_BASE_URL, or base_url in kluis-data/kluis.toml).
run: $(STAMP)
	$(BIN)/kluis init
	$(BIN)/kluis serve --host $(HOST) --port $(PORT)

lint: $(DEV_STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy

format: $(DEV_STAMP)
	$(BIN)/ruff check --fix src tests benchmarks
	$(BIN)/ruff format src tests benchmarks

# Every test, on SQLite and PostgreSQL, and the browser tests (tests/ui/browser), which drive
# Debian's Chromium at /usr/bin/chromium through Playwright; `.ci/run` installs it when missing.
# One worker (pytest-xdist) more than the machine has cores, TEST_WORKERS to choose: a worker
# waits about a third of its time on its PostgreSQL server and on the processes tests start, so
# with one per core the cores idle (two cores: 32 % waiting, 560 s; three workers: 5 % idle, 504 s).
# Each worker has its own PostgreSQL server, temporary directories and mail
# server; property tests run the Hypothesis profile in KLUIS_HYPOTHESIS_PROFILE (default `dev`).
# PYTHONDONTWRITEBYTECODE is dropped (for the tests' own processes too), so pytest keeps its
# rewritten test modules in __pycache__: collecting them again costs each worker ~15 s of CPU.
TEST_WORKERS ?= $(shell echo $$(( $$(nproc 2>/dev/null || echo 1) + 1 )))

test: lint
	env -u PYTHONDONTWRITEBYTECODE $(BIN)/pytest -n $(TEST_WORKERS)

# Every workload of benchmarks/, each against a baseline measured in the same run; the last
# step prints one table of every goal, figure and ratio (docs/performance.md keeps the latest).
bench: $(DEV_STAMP)
	rm -f .bench-results.jsonl
	KLUIS_BENCH_RESULTS=.bench-results.jsonl $(BIN)/python benchmarks/store.py
	KLUIS_BENCH_RESULTS=.bench-results.jsonl $(BIN)/python benchmarks/audience.py
	KLUIS_BENCH_RESULTS=.bench-results.jsonl $(BIN)/python benchmarks/campaign.py
	KLUIS_BENCH_RESULTS=.bench-results.jsonl $(BIN)/python benchmarks/sms.py
	KLUIS_BENCH_RESULTS=.bench-results.jsonl $(BIN)/python benchmarks/retention.py --rows 100000
	KLUIS_BENCH_RESULTS=.bench-results.jsonl $(BIN)/python benchmarks/privacy_requests.py
	KLUIS_BENCH_RESULTS=.bench-results.jsonl $(BIN)/python benchmarks/import.py --rows 100000
	KLUIS_BENCH_RESULTS=.bench-results.jsonl $(BIN)/python benchmarks/web_requests.py
	KLUIS_BENCH_RESULTS=.bench-results.jsonl $(BIN)/python benchmarks/activities.py
	KLUIS_BENCH_RESULTS=.bench-results.jsonl $(BIN)/python benchmarks/deals.py
	KLUIS_BENCH_RESULTS=.bench-results.jsonl $(BIN)/python benchmarks/metrics.py --messages 1000000
	KLUIS_BENCH_RESULTS=.bench-results.jsonl $(BIN)/python benchmarks/discover.py
	KLUIS_BENCH_RESULTS=.bench-results.jsonl $(BIN)/python benchmarks/lists.py
	KLUIS_BENCH_RESULTS=.bench-results.jsonl $(BIN)/python benchmarks/cli_start.py
	$(BIN)/python benchmarks/table.py .bench-results.jsonl

# The staff app's main pages, rendered from invented demo data by Debian's Chromium, as PNGs in
# docs/screenshots/ (the README shows some); run again after changing a page.
screenshots: $(DEV_STAMP)
	$(BIN)/python scripts/screenshots.py

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache
