# Two commands for a fresh Debian/Ubuntu machine with Python 3.11+:
#   make demo   set up and build the example series into output/
#   make test   set up (system packages only when missing) and run the whole test suite
#   make docs   build the documentation site into site/ (make docs-serve: a live preview)
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
APT    := DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get
PYTEST_ARGS ?=

.PHONY: demo test docs docs-serve lint sysdeps rundeps benchdeps venv bench mutate clean planted

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# What a user needs: ketapub and its runtime dependencies, no extras (make demo).
$(BIN)/.installed-demo: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

# The test, development and documentation tools on top (make test, lint, bench, docs).
$(BIN)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test,dev,docs]'
	touch $@

venv: $(BIN)/.installed

# The system libraries WeasyPrint draws with (Pango), and DejaVu Sans (the handouts' fallback
# for Hebrew and other scripts the packaged fonts lack: ketapub.glyphs), installed only when
# missing.
rundeps:
	@ldconfig -p 2>/dev/null | grep -q 'libpango-1.0.so' && \
	  ldconfig -p 2>/dev/null | grep -q 'libpangoft2-1.0.so' && \
	  [ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || \
	  { $(APT) update -qq && $(APT) install -y -qq libpango-1.0-0 libpangoft2-1.0-0 \
	    fonts-dejavu-core; }

# System packages the tests use, installed only when missing.
sysdeps: rundeps
	@missing=""; \
	command -v java >/dev/null || missing="$$missing default-jre-headless"; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	command -v pdftoppm >/dev/null || missing="$$missing poppler-utils"; \
	command -v npm >/dev/null || missing="$$missing npm"; \
	if [ -n "$$missing" ]; then $(APT) update -qq && $(APT) install -y -qq $$missing; fi

node_modules/.installed: package.json
	npm install --no-audit --no-fund --ignore-scripts --silent
	touch $@

demo: rundeps $(BIN)/.installed-demo
	$(BIN)/ketapub build content -o output --brand all

test: sysdeps venv node_modules/.installed
	$(BIN)/ruff check .
	$(BIN)/pytest -n 2 -q $(PYTEST_ARGS)

# MkDocs and its Material theme print a banner about MkDocs 2 on every build; quiet it
export NO_MKDOCS_2_WARNING := 1
export DISABLE_MKDOCS_2_WARNING := true

# the documentation site into site/ (its gallery built from content/ each time), and a
# preview of it at http://127.0.0.1:8000 that rebuilds on each edit
docs: sysdeps venv
	$(BIN)/mkdocs build --strict

docs-serve: sysdeps venv
	$(BIN)/mkdocs serve

lint: venv
	$(BIN)/ruff check .

# plant each bug of tests/planted/run.py in a copy of the repository and run the tests that
# must catch it; fails when one survives (several minutes)
planted: venv node_modules/.installed
	$(BIN)/python tests/planted/run.py $(PLANTED_ARGS)

# pandoc, which the benchmark's usual pipeline runs, installed only when missing
benchdeps: rundeps
	@command -v pandoc >/dev/null || { $(APT) update -qq && $(APT) install -y -qq pandoc; }

# ketapub against the pandoc + WeasyPrint pipeline and the WeasyPrint floor (several minutes)
bench: benchdeps venv
	$(BIN)/python bench/run.py $(BENCH_ARGS)

# mutation testing of the risky modules (not part of `make test`: about half an hour);
# MUTATE_ARGS="schedule plan" runs some modules only
mutate: venv
	nice -n 15 $(BIN)/python mutation/mutate.py $(MUTATE_ARGS)

clean:
	rm -rf output/* .pytest_cache mutants
