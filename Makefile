# Concurrency in Python: one command per job. Needs only Python 3.11+ and make.
#   make book   set up, then build the HTML book into _build/html
#   make test   set up, then lint, run the unit tests, and re-execute every notebook (nbval)
#   make test-versions  make test again on Python 3.12 and 3.13, each one that is installed
#   make lab    set up, then open the book in JupyterLab
#   make student  write the student edition (no solutions) into _build/student
#   make bench  measure speed-ups and throughput into _build/bench (make bench-quick: no notebooks)
#   make clean  remove build outputs (keeps .venv); make distclean removes .venv too

PYTHON ?= python3
# `make test PYTHON=python3.13` gets a virtual environment of its own, .venv-python3.13. The
# interpreter is looked for on PATH, then among pyenv's versions (scripts/find_python.sh).
ifeq ($(origin PYTHON),command line)
VENV ?= .venv-$(notdir $(PYTHON))
PYTHON_PATH := $(shell sh scripts/find_python.sh $(PYTHON))
else
VENV ?= .venv
PYTHON_PATH := $(PYTHON)
endif
# The newer versions `make test-versions` tries besides the default; absent ones are skipped.
TEST_VERSIONS ?= 3.12 3.13
ifeq ($(OS),Windows_NT)
BIN := $(VENV)/Scripts
else
BIN := $(VENV)/bin
endif
STAMP := $(VENV)/.installed
# Notebooks print timings, ids and ports; the sanitize file masks what changes between runs.
NBVAL := --nbval --nbval-sanitize-with tests/nbval_sanitize.cfg --nbval-cell-timeout=120

.PHONY: setup book test test-versions lint lab student bench bench-quick clean distclean

setup: $(STAMP)

$(STAMP): requirements.txt pyproject.toml
	@test -n "$(PYTHON_PATH)" || { echo "error: no $(PYTHON) found on PATH or in pyenv"; exit 1; }
	@$(PYTHON_PATH) -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
		|| { echo "error: $(PYTHON) is older than Python 3.11; run make PYTHON=python3.11"; exit 1; }
	@test -x $(BIN)/python || $(PYTHON_PATH) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	@touch $(STAMP)

book: setup
	$(BIN)/python scripts/cache_guard.py
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/jupyter-book build --all -W -n --keep-going .
	@echo "The book is at $(CURDIR)/_build/html/index.html"

lint: setup
	$(BIN)/ruff check lib tests chapters scripts _ext conftest.py
	$(BIN)/ruff format --check lib tests scripts _ext conftest.py

ifeq ($(PYTHON_PATH),)
test:
	@echo "make test: skipped, no $(PYTHON) on this machine (looked on PATH and in pyenv)"
else
test: lint
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/python -m pytest $(NBVAL) tests chapters
endif

# Runs the whole of `make test` once per version, each in its own .venv-python3.X, then
# prints one line per version: passed, FAILED, or skipped where it is not installed.
test-versions:
	@summary=""; status=0; \
	for version in $(TEST_VERSIONS); do \
		if ! sh scripts/find_python.sh python$$version >/dev/null; then result="skipped, not installed"; \
		elif $(MAKE) --no-print-directory test PYTHON=python$$version; then result=passed; \
		else result=FAILED; status=1; fi; \
		summary="$$summary  Python $$version: $$result\n"; \
	done; \
	printf "make test-versions:\n$$summary"; exit $$status

bench: setup
	$(BIN)/python scripts/bench.py

bench-quick: setup
	$(BIN)/python scripts/bench.py --quick

student: setup
	$(BIN)/python scripts/make_student.py _build/student

lab: setup
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/jupyter lab chapters/01_why_concurrency.ipynb

clean:
	rm -rf _build .pytest_cache .ruff_cache
	find . -name __pycache__ -not -path "./$(VENV)/*" -prune -exec rm -rf {} +

distclean: clean
	rm -rf .venv .venv-* *.egg-info
