# Storyline: `make demo` runs the whole pipeline on the bundled offline site,
# `make test` runs the test suite. Both create .venv on first use.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export DAGSTER_HOME := $(CURDIR)/.dagster_home

.PHONY: install demo scale-demo test test-ui ui lint bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/storyline demo

# Two Celery workers, the daemon and the webserver on this machine: backfills two days x two
# shards of the demo site, prints which worker ran which step, stops all it started.
scale-demo: $(STAMP)
	$(BIN)/python -m storyline.scale_demo

# Two workers, each taking whole files (module fixtures run once): most tests
# wait on servers, crawls and the Dagster daemon rather than compute.
test: $(STAMP)
	$(BIN)/python -m pytest -q -n 2 --dist loadfile --durations=15

test-ui: $(STAMP) chromium
	$(BIN)/python -m pytest -q -m ui -o addopts="" tests/test_ui.py

chromium:
	@command -v chromium >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq chromium >/dev/null)

ui: $(STAMP)
	mkdir -p $(DAGSTER_HOME)
	$(BIN)/storyline ui --demo

lint: $(STAMP)
	$(BIN)/ruff check .

# Each benchmark prints its figures; one that misses a target exits 1 without stopping the rest.
bench: $(STAMP)
	-$(BIN)/python benchmarks/extraction.py
	-$(BIN)/python benchmarks/clustering.py
	-$(BIN)/python benchmarks/clustering.py --scale
	-$(BIN)/python benchmarks/enrich.py
	-$(BIN)/python benchmarks/crawl.py
	-$(BIN)/python benchmarks/pipeline.py

clean:
	rm -rf data/demo .dagster_home artifacts
