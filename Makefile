# The two commands README.md starts with:
#   make demo   set up, then run the main job on the bundled example
#   make test   set up, then run the whole test suite (with the compiled core, then without)
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PYTEST_ARGS ?=

.PHONY: setup demo test test-ext test-pure bench services clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

setup: $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[test,bench]'

demo: setup
	$(BIN)/lockaudit demo

services:
	bash scripts/ensure-services.sh

test: setup services test-ext test-pure

test-ext:
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test-pure:
	LOCKAUDIT_NO_EXTENSIONS=1 $(BIN)/python -m pytest $(PYTEST_ARGS)

bench: setup
	$(BIN)/python -m pytest benchmarks --benchmark-only --benchmark-columns=min,median,mean,rounds

clean:
	rm -rf build $(VENV) lockaudit/_fastcmp.c lockaudit/_fastcmp*.so
