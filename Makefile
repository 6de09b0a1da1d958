# The two commands README.md starts with:
#   make demo   install what running needs, then run the main job on the bundled example
#   make test   install the test and benchmark extras too, then run the whole test suite
#               (with the compiled core, then without)
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
# The real locking tools the input tests run (pip-tools, Poetry, pipenv), pinned in
# scripts/tools-requirements.txt and kept in a venv of their own: they never touch
# the project's pins. uv comes with the bench extra.
TOOLS_VENV ?= .venv-tools
PYTEST_ARGS ?=
# Under `make test` a missing tool fails its test instead of skipping it.
TEST_ENV := LOCKAUDIT_REQUIRE_TOOLS=1 LOCKAUDIT_TOOLS_BIN=$(abspath $(TOOLS_VENV))/bin

.PHONY: install setup tools demo test test-ext test-pure lint bench services self-audit lock clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --progress-bar on --upgrade pip

# requirements.txt pins every dependency of every extra (uv pip compile
# pyproject.toml --all-extras); installing under it keeps CI reproducible.
# No -q: pip shows its downloads, and the C build of the core (about 30 s) is announced.
install: $(BIN)/python
	@echo "== installing lockaudit and what it needs to run; building the compiled core takes about 30 s"
	$(BIN)/python -m pip install --progress-bar on -c requirements.txt -e .

setup: $(BIN)/python
	@echo "== installing lockaudit with the test and benchmark extras; building the compiled core takes about 30 s"
	$(BIN)/python -m pip install --progress-bar on -c requirements.txt -e '.[test,bench]'

$(TOOLS_VENV)/.installed: scripts/tools-requirements.txt
	$(PYTHON) -m venv $(TOOLS_VENV)
	$(TOOLS_VENV)/bin/python -m pip install -q -r scripts/tools-requirements.txt
	touch $@

tools: $(TOOLS_VENV)/.installed

demo: install
	$(BIN)/lockaudit demo

services:
	bash scripts/ensure-services.sh

test: setup services tools test-ext test-pure

test-ext:
	$(TEST_ENV) $(BIN)/python -m pytest $(PYTEST_ARGS)

test-pure:
	$(TEST_ENV) LOCKAUDIT_NO_EXTENSIONS=1 $(BIN)/python -m pytest $(PYTEST_ARGS)

# Style, as CI checks it: ruff's lint and format (checked, never rewritten here) and
# mypy over lockaudit/ (py.typed is shipped, so the types must hold). Versions are
# pinned in the test extra; `ruff format .` and `ruff check --fix .` repair most of it.
lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m mypy

# The project passes its own audit: pyproject.toml ranges against requirements.txt.
self-audit: setup
	$(BIN)/lockaudit pyproject.toml requirements.txt --allow-unknown

# Re-lock requirements.txt (needs uv: pip install uv).
lock:
	uv pip compile pyproject.toml --all-extras --python-version 3.11 --no-header --annotation-style line -o requirements.txt

bench: setup
	$(BIN)/python -m pytest benchmarks --benchmark-only --benchmark-columns=min,median,mean,rounds -m ""

clean:
	rm -rf build $(VENV) $(TOOLS_VENV) lockaudit/_fastcmp.c lockaudit/index/_fastpage.c lockaudit/_fastcmp*.so lockaudit/index/_fastpage*.so
