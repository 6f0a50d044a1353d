# civicsite: `make run` serves the demo site on SQLite; `make test` runs every check.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
MANAGE := $(BIN)/python manage.py
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: help install run serve test lint format migrate demo clean backup restore bench

help:
	@echo "make run    set up SQLite, load the demo content and serve it at http://$(HOST):$(PORT)/"
	@echo "make serve  the same data through gunicorn with DEBUG off (production-like)"
	@echo "make test   lint, Django checks, migration check and the whole pytest suite"
	@echo "make bench  seed a newsroom-sized data set and measure every public page (ARGS=--cold)"
	@echo "make backup   database + media + manifest into backups/<UTC timestamp>/"
	@echo "make restore BACKUP=backups/<timestamp> [YES=1]   load a backup and verify it"

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

migrate: $(STAMP)
	DEBUG=1 $(MANAGE) migrate --noinput

demo: migrate
	DEBUG=1 $(MANAGE) load_demo

run: demo
	DEBUG=1 DEMO_BANNER=1 $(MANAGE) runserver $(HOST):$(PORT)

# A generated key kept out of git, so `make serve` runs with DEBUG off and no setup.
.secret_key:
	$(BIN)/python -c "import secrets; print(secrets.token_urlsafe(50))" > $@

# Without Redis the cache lives in each process, so one process (with threads) keeps page-cache
# invalidation and comment flood limits exact; with REDIS_URL set, several workers share it.
ifeq ($(REDIS_URL),)
SERVE_WORKERS ?= --workers 1 --threads 4
else
SERVE_WORKERS ?= --workers 2 --threads 4
endif

serve: demo .secret_key
	DEBUG=0 SECRET_KEY="$$(cat .secret_key)" $(MANAGE) collectstatic --noinput --verbosity 0
	DEBUG=0 SECRET_KEY="$$(cat .secret_key)" ALLOWED_HOSTS=$(HOST),localhost \
	  SECURE_SSL_REDIRECT=0 SERVE_MEDIA=1 DEMO_BANNER=1 \
	  $(BIN)/gunicorn civicsite.wsgi --bind $(HOST):$(PORT) $(SERVE_WORKERS) --access-logfile -

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

test: $(STAMP) lint
	DEBUG=1 $(MANAGE) check
	DEBUG=1 $(MANAGE) makemigrations --check --dry-run
	DEBUG=1 DATABASE_CONN_MAX_AGE=0 $(BIN)/pytest $(PYTEST_ARGS)

# DATABASE_URL and MEDIA_ROOT say what is backed up or restored (SQLite and media/ by default).
backup: $(STAMP)
	DEBUG=1 $(MANAGE) backup_site

restore: $(STAMP)
	@test -n "$(BACKUP)" || { echo "usage: make restore BACKUP=backups/<timestamp> [YES=1]"; exit 2; }
	DEBUG=1 $(MANAGE) restore_site "$(BACKUP)" $(if $(YES),--yes)

# Speed at newsroom scale (README.md, "Benchmark"): gunicorn with DEBUG off driven by wrk.
# Uses DATABASE_URL and REDIS_URL from the environment; ARGS=--cold turns the page cache off.
bench: $(STAMP)
	$(BIN)/python scripts/bench.py $(ARGS)

clean:
	rm -rf $(VENV) staticfiles tests/browser/screenshots .secret_key
