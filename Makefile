# The two commands of the README: `make demo` and `make test`.
# Finds a Python >= 3.12 by itself, keeps a virtualenv in .venv and reinstalls
# only when a lock file changes, so a second `make demo` starts fast.

SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# Candidates in order: python3.13 / python3.12 on PATH, then pyenv's versions.
PYTHON ?= $(shell for c in python3.13 python3.12 \
	$$(ls -d $${PYENV_ROOT:-$$HOME/.pyenv}/versions/3.1[2-9]*/bin/python3 2>/dev/null | sort -rV); do \
	  p=$$(command -v $$c 2>/dev/null) || continue; \
	  $$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null && { echo $$p; break; }; \
	done)
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: demo test fuzz lint fmt install migrate clean bench

$(STAMP): requirements-dev.lock
	@test -n "$(PYTHON)" || { echo "No Python >= 3.12 found (tried python3.13, python3.12, pyenv versions)." >&2; exit 1; }
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.lock
	@touch $(STAMP)

install: $(STAMP)

# The demo runs on the embedded default: SQLite, local files, console email,
# Celery tasks run inline. DATABASE_URL / REDIS_URL are ignored on purpose.
# Without Redis there is no beat: run_deadlines --loop sweeps deadlines beside
# the server and stops with it.
DEMO := env -u DATABASE_URL -u REDIS_URL DJANGO_SETTINGS_MODULE=disputes_site.settings.local $(PY) manage.py
demo: install
	$(DEMO) migrate --noinput
	$(DEMO) seed_demo
	$(DEMO) run_deadlines --loop --interval 30 & sweeper=$$!; \
	trap 'kill $$sweeper 2>/dev/null' EXIT INT TERM; \
	$(DEMO) runserver $(HOST):$(PORT)

# Tests run on PostgreSQL and Redis (defaults: the local services), one
# pytest-xdist worker per core, a test file at a time per worker (each worker
# has its own test database, Celery queue and cache database).
TEST_WORKERS ?= auto
test: install
	DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/disputes} \
	REDIS_URL=$${REDIS_URL:-redis://127.0.0.1:6379/0} \
	$(PY) -m pytest -n $(TEST_WORKERS) --dist loadfile $(ARGS)

# The random dispute journeys (tests/disputes/test_state_machine.py) with fresh draws:
# `make test` replays a fixed set; this looks further. FUZZ_EXAMPLES journeys per run.
FUZZ_EXAMPLES ?= 1000
fuzz: install
	DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/disputes} \
	REDIS_URL=$${REDIS_URL:-redis://127.0.0.1:6379/0} \
	STATE_MACHINE_FUZZ=1 FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) \
	$(PY) -m pytest -n 0 tests/disputes/test_state_machine.py $(ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy core accounts orders disputes evidence mediation integrations disputes_site bench
	@# Bandit also warns on every other node of a line whose finding a nosec skips
	@# (a statement over several lines, a line of several calls): those warnings are dropped.
	$(VENV)/bin/bandit -c pyproject.toml -q -r --severity-level medium \
		core accounts orders disputes evidence mediation integrations disputes_site bench scripts \
		2> >(grep -v 'but no failed test' >&2)

fmt: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache

# Benchmarks (docs/benchmarks.md): SIZE disputes (default 100 000) on their own
# database and Redis databases (BENCH_DATABASE_URL, BENCH_REDIS_URL), production
# settings under gunicorn; prints the table and writes it to docs/benchmarks.md.
SIZE ?= 100000
bench: install
	$(PY) -m bench --size $(SIZE) $(BENCH_ARGS)
