# One command to set up and run, one to set up and test. Everything a fresh machine needs is here.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
STAMP := $(VENV)/.installed-stamp

# Telemetry off everywhere: the machine has no internet and we do not phone home anyway.
# The project's own Dagster home (a test runs `make run` against a scratch one).
CLAIMGRID_DAGSTER_HOME ?= $(CURDIR)/.dagster_home
export DAGSTER_HOME := $(CLAIMGRID_DAGSTER_HOME)
export DAGSTER_DISABLE_TELEMETRY := 1
export GX_ANALYTICS_ENABLED := false
export DBT_SEND_ANONYMOUS_USAGE_STATS := false
export DO_NOT_TRACK := 1
export PYTHONUNBUFFERED := 1
export CLAIMGRID_WAREHOUSE_DIR ?= $(CURDIR)/warehouse
export CLAIMGRID_LANDING_DIR ?= $(CURDIR)/samples/landing

DBT_SOURCES := $(shell find dbt_project -path dbt_project/target -prune -o -type f \( -name '*.sql' -o -name '*.yml' -o -name '*.csv' \) -print 2>/dev/null)
MANIFEST := dbt_project/target/manifest.json

.PHONY: setup venv run run-distributed services test check lint generate test-ui ui sql docs bench quality clean clean-ci clean-warehouse lock

setup: $(STAMP) $(DAGSTER_HOME)/dagster.yaml $(MANIFEST)

# The Python is checked before the venv is made, and a venv made with another Python is made
# again instead of being reused forever.
venv:
	@command -v $(PYTHON) >/dev/null || { echo "no '$(PYTHON)' on PATH: claimgrid needs Python 3.11 (PYTHON=python3.11 make ...)" >&2; exit 1; }
	@$(PYTHON) ops/check_python.py
	@if [ -x $(BIN)/python ] && ! $(BIN)/python ops/check_python.py --quiet; then \
		echo "$(VENV) was made with another Python: making it again with $(PYTHON)"; rm -rf $(VENV); fi
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml requirements.lock
	@$(MAKE) --no-print-directory venv
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -c requirements.lock -e '.[dev,distributed]'
	touch $@

$(DAGSTER_HOME)/dagster.yaml: ops/dagster.yaml
	mkdir -p $(DAGSTER_HOME)
	cp ops/dagster.yaml $@

# dagster-dbt reads dbt's manifest when the code location loads, so parse before anything runs.
$(MANIFEST): $(STAMP) $(DBT_SOURCES)
	cd dbt_project && $(BIN)/dbt parse --quiet --profiles-dir .
	touch $@

# One line per stage on the terminal, then the grid; the full Dagster/dbt output goes to the log
# file it names (warehouse/logs/run-<time>.log).
run: setup
	@$(BIN)/dagster instance concurrency set duckdb 1 >/dev/null
	$(BIN)/python -m orchestration.run

# The production profile on this machine (issue 14): PostgreSQL, RabbitMQ and two Celery workers
# as local processes, the same job through them, which worker ran which step.
run-distributed: setup services
	$(BIN)/python -m orchestration.run_distributed

# Debian's PostgreSQL and RabbitMQ for the distributed profile (installed when missing, as root).
services:
	@bash ops/production/install_services.sh

# The whole suite, the browser test of the Dagster UI included (it installs Debian's chromium
# with apt when it is missing and the user is root, as in CI). Tiers, fastest first:
#   tests/unit         the pure core, seconds (also what `make check` runs)
#   tests/pipeline     the code location loads; one asset at a time on a tiny landing folder
#   tests/integration  one shared run of the whole graph on the samples (tests/conftest.py), read
#                      by the content tests; failure injections run on copies of its warehouse
#   tests/faults       hostile inputs (one dirty run) and process faults (kill -9, full disk)
#   tests/ui           dagster dev and a browser
#   tests/distributed  the production profile (PostgreSQL, RabbitMQ, Celery workers)
# Two pytest-xdist workers, one per core; a test file stays on one worker (its shared runs happen
# once) and the longest files start first (tests/conftest.py).
test: setup services
	$(BIN)/python -m pytest -q -n 2 --dist loadfile --no-loadscope-reorder --durations=15

# The inner loop, under a minute: lint the Python and the dbt SQL, run the unit tests.
check: lint
	$(BIN)/python -m pytest -q -p no:cacheprovider tests/unit

# Rewrite the files derived from the Python declarations (dbt sources and vocabularies, GX suites);
# tests/unit/test_generated_files.py fails while one is stale.
generate: $(STAMP)
	$(BIN)/python -m orchestration.generated_files

lint: $(STAMP)
	$(BIN)/ruff check orchestration tests benchmarks
	cd dbt_project && $(BIN)/sqlfluff lint models tests macros --processes 2

# Only the tests that start `dagster dev` / drive Chromium (a few minutes).
test-ui: setup
	$(BIN)/python -m pytest -q -m ui --durations=5

ui: setup
	$(BIN)/dagster instance concurrency set duckdb 1 >/dev/null
	$(BIN)/dagster dev -w workspace.yaml -h 127.0.0.1 -p 3000

# Analysts: a read-only shell on the published snapshot, never on the live warehouse.
sql: setup
	@test -f $(CLAIMGRID_WAREHOUSE_DIR)/analytics.duckdb || { echo "no snapshot at $(CLAIMGRID_WAREHOUSE_DIR)/analytics.duckdb yet: run make run first" >&2; exit 1; }
	$(BIN)/duckdb -readonly $(CLAIMGRID_WAREHOUSE_DIR)/analytics.duckdb

docs: setup
	$(BIN)/python -m orchestration.docs

# Speed at scale: generated corpora of BENCH_SIZES dumps; the Dagster job runs on sizes up to
# BENCH_PIPELINE_UP_TO, the 'nothing new' and '1% new' reruns up to BENCH_RERUNS_UP_TO.
# All of issue 13's sizes: make bench BENCH_SIZES=1000,10000,100000 BENCH_PIPELINE_UP_TO=100000
# BENCH_FLAGS=--no-markup-debris leaves tags out of the corpus' debris (today's job stops on one).
BENCH_SIZES ?= 1000
BENCH_FLAGS ?=
BENCH_PIPELINE_UP_TO ?= 10000
BENCH_RERUNS_UP_TO ?= 1000
BENCH_STAMP := $(VENV)/.bench-stamp

$(BENCH_STAMP): $(STAMP)
	$(BIN)/python -m pip install -q -c requirements.lock -e '.[dev,distributed,bench]'
	touch $@

bench: setup $(BENCH_STAMP)
	$(BIN)/python benchmarks/run_all.py --sizes $(BENCH_SIZES) \
		--pipeline-up-to $(BENCH_PIPELINE_UP_TO) --reruns-up-to $(BENCH_RERUNS_UP_TO) $(BENCH_FLAGS)

quality: setup
	$(BIN)/python benchmarks/run_all.py --quality-only

# The lake goes with the warehouse: its ledger says which documents are done, so a warehouse
# file removed alone would leave the document stages believing their rows are written.
clean-warehouse:
	rm -f $(CLAIMGRID_WAREHOUSE_DIR)/*.duckdb $(CLAIMGRID_WAREHOUSE_DIR)/*.duckdb.wal
	rm -rf $(CLAIMGRID_WAREHOUSE_DIR)/*.lake
	rm -rf $${CLAIMGRID_LAKE_DIR:-$(CLAIMGRID_WAREHOUSE_DIR)/lake}
	rm -rf $(CLAIMGRID_WAREHOUSE_DIR)/dbt_target

# Back to a fresh clone: the venv, the warehouses (live, snapshot, docs, logs, screenshots), the
# Dagster home and dbt's target. Asks first; `make clean-ci` (or `make clean YES=1`) does not.
GENERATED := $(VENV) $(DAGSTER_HOME) dbt_project/target dbt_project/logs claimgrid.egg-info \
	$(addprefix $(CLAIMGRID_WAREHOUSE_DIR)/,docs logs screenshots artifacts lake dbt_target)
clean:
	@echo "make clean removes: $(GENERATED) $(CLAIMGRID_WAREHOUSE_DIR)/*.duckdb $(CLAIMGRID_WAREHOUSE_DIR)/*.lake"
	@if [ "$(YES)" != 1 ]; then \
		read -r -p "Remove them? [y/N] " answer || true; \
		case "$$answer" in y|Y|yes) ;; *) echo "nothing removed (make clean YES=1 skips this question)"; exit 1;; esac; \
	fi
	rm -rf $(GENERATED)
	rm -f $(CLAIMGRID_WAREHOUSE_DIR)/*.duckdb $(CLAIMGRID_WAREHOUSE_DIR)/*.duckdb.wal $(CLAIMGRID_WAREHOUSE_DIR)/*.tmp
	rm -rf $(CLAIMGRID_WAREHOUSE_DIR)/*.lake

clean-ci:
	@$(MAKE) --no-print-directory clean YES=1

# Refresh the constraints file after changing pyproject.toml (run on a machine with the venv).
lock:
	$(BIN)/python -m pip freeze --exclude-editable | grep -v '^-e' > requirements.lock
