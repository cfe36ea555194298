# Two entry points for a fresh machine: `make demo` and `make test`.
# Both create .venv when it is missing; nothing else needs to be installed first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench clean system-deps

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

## Optional system libraries: harfbuzz's subsetter makes PDF font subsetting ~50x faster.
system-deps:
	-@if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    (apt-get install -y -qq libharfbuzz-subset0 >/dev/null 2>&1 || \
	     (apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq libharfbuzz-subset0 >/dev/null 2>&1)) || true; \
	fi

demo: $(STAMP) system-deps
	$(BIN)/leadcheck demo -o demo-reports

test: $(STAMP)
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy

bench: $(STAMP) system-deps
	$(BIN)/python bench/validate_bench.py
	$(BIN)/python bench/scoring_bench.py
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) demo-reports build dist
