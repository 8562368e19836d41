# Concurrency in Python: one command per job. Needs only Python 3.11+ and make.
#   make book   set up, then build the HTML book into _build/html
#   make test   set up, then lint, run the unit tests, and re-execute every notebook (nbval)
#   make test-system  the whole-system tests make test leaves out: the book in a browser, a
#               reader's download and zip, a class graded, chapters in debug mode (CI runs it)
#   make test-notebooks  only re-execute the notebooks (nbval), no lint or unit tests
#   make test-binder  build Binder's environment from scratch, offline, and check it (CI runs it)
#   make test-versions  make test and test-system on Python 3.14 and 3.15, the notebooks on 3.12
#               and 3.13
#   make execute  re-execute every notebook in place (NB=chapters/X.ipynb for one), strict claims
#   make check-claims  execute every notebook in strict mode, one at a time, writing nothing
#   make lab    set up, then open the book in JupyterLab (EDITION=student: without solutions)
#   make student  write the student edition (no solutions) into _build/student
#   make grade SUBMISSIONS=folder  grade a class's notebooks into _build/grades (grades.csv, feedback)
#   make bench  measure speed-ups and throughput into _build/bench (make bench-quick: no notebooks)
#   make clean  remove build outputs (keeps .venv); make distclean removes .venv too

PYTHON ?= python3
# `make test PYTHON=python3.13` gets a virtual environment of its own, .venv-python3.13. The
# interpreter is looked for on PATH, then among pyenv's versions (scripts/find_python.sh).
# Python 3.14 and 3.15 not found there are run from a Debian sid root that
# scripts/sid_root.sh builds once (Linux, as root): every target below then runs inside it.
ifeq ($(origin PYTHON),command line)
VENV ?= .venv-$(notdir $(PYTHON))
PYTHON_PATH := $(shell sh scripts/find_python.sh $(PYTHON))
ifeq ($(PYTHON_PATH),)
IN_SID_ROOT := $(shell sh scripts/sid_root.sh can $(PYTHON) && echo yes)
endif
else
VENV ?= .venv
PYTHON_PATH := $(PYTHON)
endif
# What `make test-versions` runs besides the default Python: the whole suite (make test and
# make test-system) on TEST_VERSIONS,
# the notebooks alone on NOTEBOOK_VERSIONS. Absent ones are skipped, except under CI.
TEST_VERSIONS ?= 3.14 3.15
NOTEBOOK_VERSIONS ?= 3.12 3.13
ifeq ($(OS),Windows_NT)
BIN := $(VENV)/Scripts
else
BIN := $(VENV)/bin
endif
STAMP := $(VENV)/.installed
LAB_SETTINGS := $(VENV)/share/jupyter/lab/settings/overrides.json
# make lab EDITION=student opens the student edition (no solutions) instead of the full one.
EDITION ?= full
$(if $(filter full student,$(EDITION)),,$(error EDITION is full or student, not "$(EDITION)"))
# Notebooks print timings, ids and ports; the sanitize file masks what changes between runs.
NBVAL := --nbval --nbval-sanitize-with tests/nbval_sanitize.cfg --nbval-cell-timeout=120
# pytest-xdist, two workers per usable core (the suite waits about half the time; conftest.py),
# one file to a worker, so a notebook's cells run in order in one kernel.
PARALLEL ?= -n auto --dist loadfile
# nbval compares what the chapters print, each claim's line masked, so a measurement repeated
# for its claim is run once here (lib.measure.timing.repeats); make check-claims repeats in full.
QUICK := BOOK_MEASURE=quick
# Python writes its bytecode caches during the tests, whatever the shell says: otherwise every
# worker and kernel compiles lib/ and the tests again, and pytest cannot keep its rewritten
# test modules (about 10 s of CPU a worker here).
QUICK += PYTHONDONTWRITEBYTECODE=
# xdist hands out the files in the order they are collected, so the longest ones (the
# notebooks, and the tests that run whole chapters again) go first, and no worker starts a
# two-minute file when the rest are nearly done. pytest collects a path named twice once.
LONGEST_FIRST := chapters tests/book tests

# The book's addresses are build inputs (README, "Where the published book gets its
# addresses"): the repository (else the git remote, when it is a public https address;
# BOOK_REPOSITORY=none for none), the branch, the site's address and a JupyterHub's.
BOOK_ADDRESSES = BOOK_REPOSITORY="$(BOOK_REPOSITORY)" BOOK_BRANCH="$(BOOK_BRANCH)" \
	BOOK_SITE_URL="$(BOOK_SITE_URL)" BOOK_JUPYTERHUB_URL="$(BOOK_JUPYTERHUB_URL)"
# The reader tests (tests/book/test_reader*.py) set up fresh environments as a reader would,
# from these wheels and no index, so make test stays offline once they are here.
WHEELHOUSE := $(VENV)/wheelhouse

.PHONY: setup book test test-system test-notebooks test-binder execute check-claims test-versions lint lab student bench bench-quick clean distclean

# The grader is a teacher's tool, in a clone of the book's repository only: the runnable book's
# zip (scripts/package_book.py) is for readers, and leaves grading/ out.
ifneq ($(filter grade,$(MAKECMDGOALS)),)
ifeq ($(wildcard grading/__main__.py),)
$(error make grade needs the grader (grading/), which is in a clone of the book's repository, \
	not in the runnable book's zip)
endif
endif

ifeq ($(IN_SID_ROOT),yes)
# This Python lives in the sid root: run the same target there, in this same folder.
setup book test test-system test-notebooks test-binder execute check-claims lint lab student bench bench-quick grade:
	sh scripts/sid_root.sh run "$(CURDIR)" make --no-print-directory $@ PYTHON=$(PYTHON) NB="$(NB)" \
		EDITION=$(EDITION) EXECUTE_OPTIONS="$(EXECUTE_OPTIONS)" SUBMISSIONS="$(SUBMISSIONS)" \
		GRADES="$(GRADES)" CHAPTERS="$(CHAPTERS)" GRADE_OPTIONS="$(GRADE_OPTIONS)" \
		SCHEDULER="$(SCHEDULER)" $(BOOK_ADDRESSES)
else
setup: $(STAMP) $(LAB_SETTINGS)

# JupyterLab's defaults for the book: no "official Jupyter news?" pop-up and no update check
# (the book stays offline). Copied to where JupyterLab reads this environment's own defaults,
# so a learner's settings in ~/.jupyter are neither read for this nor changed.
$(LAB_SETTINGS): jupyterlab-settings/overrides.json $(STAMP)
	@mkdir -p $(dir $@)
	cp jupyterlab-settings/overrides.json $@

# Whether this is a free-threaded build (3.14t): it gets no type checker (requirements-lint.txt).
FREE_THREADED = $(BIN)/python -c 'import sys, sysconfig; sys.exit(not sysconfig.get_config_var("Py_GIL_DISABLED"))'

# requirements-dev.txt and requirements-lint.txt are in a clone, not in the runnable book's zip,
# where the targets that build the book or test all of it say so.
IN_A_CLONE = @test -f requirements-dev.txt || { echo "make $@ needs a clone of the book's \
	repository; the runnable book has make lab, make student and make test-notebooks"; exit 2; }
DEV_REQUIREMENTS := $(wildcard requirements-dev.txt requirements-lint.txt)
$(STAMP): requirements.txt $(DEV_REQUIREMENTS) pyproject.toml
	@test -n "$(PYTHON_PATH)" || { echo "error: no $(PYTHON) found on PATH or in pyenv"; exit 1; }
	@$(PYTHON_PATH) -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
		|| { echo "error: $(PYTHON) is older than Python 3.11; run make PYTHON=python3.11"; exit 1; }
	@test -x $(BIN)/python || $(PYTHON_PATH) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt \
		$(if $(wildcard requirements-dev.txt),-r requirements-dev.txt)
	$(if $(wildcard requirements-lint.txt),$(FREE_THREADED) || \
		$(BIN)/python -m pip install --quiet -r requirements-lint.txt)
	@touch $(STAMP)

# Strict claims (lib.measure.claims): a measured sentence that the run contradicts fails the build.
# The site also serves the helpers' wheel and the runnable book's zip (scripts/package_book.py),
# and each chapter's download installs the helpers of the same build from it.
book: setup
	$(IN_A_CLONE)
	$(BIN)/python scripts/cache_guard.py
	$(BOOK_ADDRESSES) $(BIN)/python scripts/book_config.py _build/config/_config.yml
	$(BOOK_ADDRESSES) $(BIN)/python scripts/package_book.py package _build/run
	BOOK_CLAIMS=strict PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/jupyter-book build --all -W -n \
		--keep-going --config _build/config/_config.yml .
	$(BOOK_ADDRESSES) $(BIN)/python scripts/package_book.py fill _build/html
	@echo "The book is at $(CURDIR)/_build/html/index.html"

lint: setup
	$(IN_A_CLONE)
	$(BIN)/ruff check lib bench grading tests chapters scripts _ext conftest.py
	$(BIN)/ruff format --check lib bench grading tests scripts _ext conftest.py
	$(BIN)/python scripts/house_rules.py sizes
	@if $(FREE_THREADED); then echo "mypy: skipped on a free-threaded build (see requirements-lint.txt)"; \
	else $(BIN)/mypy; fi

ifeq ($(PYTHON_PATH),)
test test-system test-notebooks test-binder:
	@echo "make $@: skipped, no $(PYTHON) on this machine (looked on PATH and in pyenv)"
else
test: lint $(WHEELHOUSE)/.complete
	$(QUICK) BOOK_WHEELHOUSE="$(CURDIR)/$(WHEELHOUSE)" PATH="$(CURDIR)/$(BIN):$$PATH" \
		$(BIN)/python -m pytest $(PARALLEL) -m "not system" $(NBVAL) $(LONGEST_FIRST)

# The whole-system tests (marked `system`), each minutes of set-up: kept out of make test so that
# it stays a few minutes' loop; CI runs them after it, on every version test-versions covers.
test-system: setup $(WHEELHOUSE)/.complete
	$(QUICK) BOOK_WHEELHOUSE="$(CURDIR)/$(WHEELHOUSE)" PATH="$(CURDIR)/$(BIN):$$PATH" \
		$(BIN)/python -m pytest $(PARALLEL) -m system tests

# NB=chapters/03_threading.ipynb for one chapter (in one process: it runs in one kernel anyway).
test-notebooks: setup
	$(QUICK) PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/python -m pytest $(if $(NB),,$(PARALLEL)) \
		$(NBVAL) $(or $(NB),chapters)

# Binder's environment built from scratch as repo2docker builds it (tests/tooling/test_binder.py).
# CI runs it after make test, which leaves that build out to stay within its time.
test-binder: setup $(WHEELHOUSE)/.complete
	BOOK_BUILD_BINDER=1 BOOK_WHEELHOUSE="$(CURDIR)/$(WHEELHOUSE)" PATH="$(CURDIR)/$(BIN):$$PATH" \
		$(BIN)/python -m pytest tests/tooling/test_binder.py

# Every released package the book installs, as wheels (pip builds those that come as source).
$(WHEELHOUSE)/.complete: $(STAMP)
	grep -v '^-e' requirements.txt >$(VENV)/requirements-released.txt
	$(BIN)/python -m pip wheel --quiet --wheel-dir $(WHEELHOUSE) pip setuptools \
		-r $(VENV)/requirements-released.txt -r requirements-dev.txt \
		$$($(FREE_THREADED) || echo -r requirements-lint.txt)
	@touch $@
endif

# Re-execute notebooks in place, so they carry fresh outputs: NB=chapters/02_gil.ipynb for one.
# The committed outputs come from Python 3.14: `make execute PYTHON=python3.14`. One at a time,
# with strict claims: a notebook whose claims did not hold, or that carries a note that this
# machine could not show one, is not written (scripts/execute_notebooks.py).
execute: setup
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/python scripts/execute_notebooks.py $(EXECUTE_OPTIONS) \
		$(or $(NB),chapters/*.ipynb)

# What CI runs after make test: every chapter once in strict mode, one at a time, on a quiet
# machine, so a change that breaks a measured claim fails CI. Writes nothing.
check-claims: setup
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/python scripts/execute_notebooks.py --check --attempts 3 \
		$(or $(NB),chapters/*.ipynb)

# make lab opens the full edition: every solution is there, collapsed under its starter (click
# the cell's bar to open it). make lab EDITION=student opens the student edition instead, with
# no solutions, writing it into _build/student the first time only, so a learner's work stays.
# Jupyter refuses to run as root unless told: the sid root (PYTHON=python3.14) and containers do.
LAB := lab $(if $(filter 0,$(shell id -u 2>/dev/null)),--ServerApp.allow_root=True)
ifeq ($(EDITION),student)
lab: setup
	@test -d _build/student || $(BIN)/python scripts/make_student.py _build/student
	@echo "The student edition, in _build/student (make student or make clean replaces it)."
	cd _build/student && PATH="$(CURDIR)/$(BIN):$$PATH" "$(CURDIR)/$(BIN)/jupyter" $(LAB) \
		chapters/01_why_concurrency.ipynb
else
lab: setup
	@echo "The full edition, solutions collapsed. For the one without: make lab EDITION=student"
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/jupyter $(LAB) chapters/01_why_concurrency.ipynb
endif

bench: setup
	$(IN_A_CLONE)
	$(BIN)/python -m bench

bench-quick: setup
	$(IN_A_CLONE)
	$(BIN)/python -m bench --quick

student: setup
	$(BIN)/python scripts/make_student.py _build/student

# Grade a folder of submitted chapter notebooks with the book's own checks (teachers.md):
# GRADES=folder for the output (default _build/grades), CHAPTERS=folder for the chapters to
# grade against (default chapters/), SCHEDULER=tcp://host:8786 to grade on a Dask cluster,
# GRADE_OPTIONS="--jobs 4" and so on. Each kernel runs in a bubblewrap sandbox where it works.
.PHONY: grade
grade: setup
	@test -n "$(SUBMISSIONS)" || { echo "usage: make grade SUBMISSIONS=folder"; exit 2; }
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/python -m grading "$(SUBMISSIONS)" \
		--out "$(or $(GRADES),_build/grades)" $(if $(CHAPTERS),--chapters "$(CHAPTERS)") \
		$(if $(SCHEDULER),--scheduler "$(SCHEDULER)") $(GRADE_OPTIONS)
endif

# `make test` and `make test-system` once per version in TEST_VERSIONS and `make test-notebooks`
# once per version in NOTEBOOK_VERSIONS, each in its own .venv-python3.X, then one line per run:
# passed, FAILED, or skipped where that Python can be neither found nor built (a failure under CI).
test-versions:
	@summary=""; status=0; \
	for run in $(foreach v,$(TEST_VERSIONS),test:$(v) test-system:$(v)) $(foreach v,$(NOTEBOOK_VERSIONS),test-notebooks:$(v)); do \
		target=$${run%%:*}; version=$${run#*:}; started=$$(date +%s); \
		if ! sh scripts/find_python.sh python$$version >/dev/null \
			&& ! sh scripts/sid_root.sh can python$$version; then \
			if [ -n "$$CI" ]; then result="FAILED, not installed and CI needs it"; status=1; \
			else result="skipped, not installed"; fi; \
		elif $(MAKE) --no-print-directory $$target PYTHON=python$$version; then result=passed; \
		else result=FAILED; status=1; fi; \
		summary="$$summary  Python $$version, make $$target: $$result ($$(( $$(date +%s) - started )) s)\n"; \
	done; \
	printf "make test-versions:\n$$summary"; mkdir -p _build; printf "$$summary" >_build/test-versions.txt; \
	exit $$status

clean:
	rm -rf _build .pytest_cache .ruff_cache
	find . -name __pycache__ -not -path "./$(VENV)/*" -prune -exec rm -rf {} +

distclean: clean
	rm -rf .venv .venv-* *.egg-info
