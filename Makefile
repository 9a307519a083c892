# The two commands of the README: `make run` and `make test`. Each installs what it needs.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 7300
LINT_PATHS := $(wildcard src tests bench scripts)

.PHONY: run test lint typecheck unit venv venv-run postgres-pkg clean

# Running needs the server and PostgreSQL driver only; the dev extra (torch, test tools)
# is installed by `make test`.
run: venv-run
	@$(PY) -m blastwall.demo.run --port $(PORT) --config examples/blastwall.yaml

test: venv postgres-pkg lint typecheck unit

venv:
	@scripts/bootstrap-venv.sh dev

venv-run:
	@scripts/bootstrap-venv.sh server,postgres

# chromium: the console's browser test (tests/e2e/test_console_browser.py) drives it.
postgres-pkg:
	@scripts/install-debian.sh postgresql chromium

lint: venv
	$(VENV)/bin/ruff check $(LINT_PATHS)
	$(VENV)/bin/ruff format --check $(LINT_PATHS)

typecheck: venv
	$(VENV)/bin/mypy

# One worker more than cores: a test spends part of its time waiting (on a live server, on
# PostgreSQL), and the extra worker fills those gaps (measured on 2 cores, same tree: 417 s
# against 467 s with one worker per core). worksteal: an idle worker takes queued tests
# from another, so a few slow tests left at the end do not keep one core busy alone.
WORKERS ?= $(shell echo $$(( $$(nproc) + 1 )))
unit: venv
	$(VENV)/bin/pytest -n $(WORKERS) --dist worksteal --durations=30

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
