# Concurrency in Python: one command per job. Needs only Python 3.11+ and make.
#   make book   set up, then build the HTML book into _build/html
#   make test   set up, then lint, run the unit tests, and re-execute every notebook (nbval)
#   make lab    set up, then open the book in JupyterLab
#   make student  write the student edition (no solutions) into _build/student
#   make bench  measure speed-ups and throughput into _build/bench (make bench-quick: no notebooks)
#   make clean  remove build outputs (keeps .venv); make distclean removes .venv too

PYTHON ?= python3
# `make test PYTHON=python3.13` gets a virtual environment of its own, .venv-python3.13.
ifeq ($(origin PYTHON),command line)
VENV ?= .venv-$(notdir $(PYTHON))
else
VENV ?= .venv
endif
ifeq ($(OS),Windows_NT)
BIN := $(VENV)/Scripts
else
BIN := $(VENV)/bin
endif
STAMP := $(VENV)/.installed
# Notebooks print timings, ids and ports; the sanitize file masks what changes between runs.
NBVAL := --nbval --nbval-sanitize-with tests/nbval_sanitize.cfg --nbval-cell-timeout=120

.PHONY: setup book test lint lab student bench bench-quick clean distclean

setup: $(STAMP)

$(STAMP): requirements.txt pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
		|| { echo "error: $(PYTHON) is older than Python 3.11; run make PYTHON=python3.11"; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
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

test: lint
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/python -m pytest $(NBVAL) tests chapters

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
