# The two commands README.md starts with:
#   make demo   set up, then run the main job on the bundled example
#   make test   set up, then run the whole test suite (with the compiled core, then without)
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PYTEST_ARGS ?=

.PHONY: setup demo test test-ext test-pure bench services self-audit lock clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

# requirements.txt pins every dependency of every extra (uv pip compile
# pyproject.toml --all-extras); installing under it keeps CI reproducible.
setup: $(BIN)/python
	$(BIN)/python -m pip install -q -c requirements.txt -e '.[test,bench]'

demo: setup
	$(BIN)/lockaudit demo

services:
	bash scripts/ensure-services.sh

test: setup services test-ext test-pure

test-ext:
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test-pure:
	LOCKAUDIT_NO_EXTENSIONS=1 $(BIN)/python -m pytest $(PYTEST_ARGS)

# The project passes its own audit: pyproject.toml ranges against requirements.txt.
self-audit: setup
	$(BIN)/lockaudit pyproject.toml requirements.txt --allow-unknown

# Re-lock requirements.txt (needs uv: pip install uv).
lock:
	uv pip compile pyproject.toml --all-extras --python-version 3.11 --no-header --annotation-style line -o requirements.txt

bench: setup
	$(BIN)/python -m pytest benchmarks --benchmark-only --benchmark-columns=min,median,mean,rounds -m ""

clean:
	rm -rf build $(VENV) lockaudit/_fastcmp.c lockaudit/index/_fastpage.c lockaudit/_fastcmp*.so lockaudit/index/_fastpage*.so
