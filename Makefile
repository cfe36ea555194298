# Entry points for a fresh machine: `make setup` (the command only), `make demo` and `make test`.
# Both create .venv when it is missing and install into it exactly what uv.lock pins.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# uv lives in its own small venv so that `uv sync` can keep .venv exactly as locked.
TOOLS := .venv-tools
UV := $(TOOLS)/bin/uv
export UV_PROJECT_ENVIRONMENT := $(VENV)
export UV_PYTHON_DOWNLOADS := never
export UV_NO_PROGRESS := 1
# Installed packages are compiled to bytecode once, as pip does for wheels: otherwise, where
# PYTHONDONTWRITEBYTECODE is set (containers, CI images), every run compiles every module again
# (about a third of a second of leadcheck's own start, and more of WeasyPrint's).
export UV_COMPILE_BYTECODE := 1

.PHONY: setup demo test test-latest lint lock bench clean system-deps

$(UV): .ci/uv-requirements.txt
	test -x $(TOOLS)/bin/python || $(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/python -m pip install --quiet --require-hashes --no-deps -r .ci/uv-requirements.txt
	touch $(UV)

# The runtime only (what `make demo` needs); --inexact keeps dev tools installed by `make test`.
$(VENV)/.runtime: $(UV) pyproject.toml uv.lock
	$(UV) sync --quiet --locked --no-dev --inexact --python $(PYTHON)
	$(VENV)/bin/python -m compileall -q src >/dev/null
	touch $@

# Runtime and the dev group, exactly as locked.
$(VENV)/.dev: $(UV) pyproject.toml uv.lock
	$(UV) sync --quiet --locked --python $(PYTHON)
	$(VENV)/bin/python -m compileall -q src >/dev/null
	touch $@ $(VENV)/.runtime

## System packages (Debian, when run as root): fonts for every script the report may hold
## (Latin with all diacritics, Greek, Cyrillic, CJK, Arabic, Hebrew), poppler's pdftotext and
## pdftoppm (the tests' reference PDF reader), and harfbuzz's subsetter (~50x faster PDF fonts).
DEBIAN_PACKAGES := fonts-noto-core fonts-noto-cjk fonts-dejavu-core poppler-utils libharfbuzz-subset0
system-deps:
	@if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    missing=$$(for p in $(DEBIAN_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	    if [ -n "$$missing" ]; then \
	        echo "Installing Debian packages: $$missing"; \
	        export DEBIAN_FRONTEND=noninteractive; \
	        apt-get install -y -qq $$missing >/dev/null 2>&1 || \
	        (apt-get update -qq >/dev/null && apt-get install -y -qq $$missing >/dev/null); \
	    fi; \
	else \
	    echo "system-deps: not root with apt-get; install these yourself if missing: $(DEBIAN_PACKAGES)"; \
	fi

## The command and what reports need; then `. .venv/bin/activate` puts `leadcheck` on the PATH.
setup: $(VENV)/.runtime system-deps
	@echo "Ready. Put leadcheck on the PATH of this shell with:  . $(VENV)/bin/activate"

demo: $(VENV)/.runtime system-deps
	$(BIN)/leadcheck demo -o demo-reports

test: $(VENV)/.dev system-deps
	$(BIN)/python -m pytest -q

## Upgrade uv.lock on purpose: the newest versions pyproject.toml's ranges allow. Review, test, commit.
lock: $(UV)
	$(UV) lock --upgrade

## The test suite against the newest allowed versions, ignoring the lock (not part of CI).
test-latest: $(UV) system-deps
	$(UV) venv --quiet --allow-existing --python $(PYTHON) .venv-latest
	VIRTUAL_ENV=.venv-latest $(UV) pip install --quiet --upgrade --resolution highest -e . --group dev
	.venv-latest/bin/python -m pip list --format freeze 2>/dev/null || VIRTUAL_ENV=.venv-latest $(UV) pip freeze
	.venv-latest/bin/python -m pytest -q

lint: $(VENV)/.dev
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache

bench: $(VENV)/.dev system-deps
	$(BIN)/python bench/validate_bench.py
	$(BIN)/python bench/scoring_bench.py
	$(BIN)/python bench/store_bench.py
	$(BIN)/python bench/close_names_bench.py
	$(BIN)/python bench/long_comment_bench.py
	$(BIN)/python bench/run.py
	$(BIN)/python bench/forms_bench.py
	$(BIN)/python bench/report_ratio.py
	$(BIN)/python bench/code_version_bench.py

clean:
	rm -rf $(VENV) $(TOOLS) .venv-latest demo-reports build dist
