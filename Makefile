# civicsite: `make run` serves the demo site on SQLite; `make test` runs every check.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
MANAGE := $(BIN)/python manage.py
HOST ?= 127.0.0.1
PORT ?= 8000
# The suite runs on both cores (pytest-xdist); a file's tests stay on one worker, so its
# module-wide servers (edge cache, front proxy) start once. PYTEST_ARGS= runs it in one process.
PYTEST_ARGS ?= -n 2 --dist loadfile

.PHONY: help install run serve serve-proxy test lint format migrate demo clean backup restore bench audit

help:
	@echo "make run    set up SQLite, load the demo content and serve it at http://$(HOST):$(PORT)/"
	@echo "make serve  the same data through gunicorn with DEBUG off (production-like)"
	@echo "make serve-proxy  the production path: nginx (deploy/) in front of gunicorn"
	@echo "make test   lint, Django checks, migration check and the whole pytest suite"
	@echo "make bench  seed a newsroom-sized data set and measure every public page (ARGS=--cold)"
	@echo "make audit  axe-core, the Nu HTML validator and Lighthouse on every page type (ARGS=--report-only)"
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
	DEBUG=1 DEMO_BANNER=1 TWO_FACTOR_REQUIRED=$${TWO_FACTOR_REQUIRED:-0} $(MANAGE) runserver $(HOST):$(PORT)

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

# Long request lines (a search of thousands of characters) reach Django, which cuts the search
# and says so: gunicorn's default limit (4094) answered a bare "URI Too Long". With no proxy in
# front, 8190 (gunicorn's largest finite limit); behind nginx, 0 (nginx caps the line).
serve: demo .secret_key
	DEBUG=0 SECRET_KEY="$$(cat .secret_key)" $(MANAGE) collectstatic --noinput --verbosity 0
	DEBUG=0 SECRET_KEY="$$(cat .secret_key)" ALLOWED_HOSTS=$(HOST),localhost \
	  SECURE_SSL_REDIRECT=0 SERVE_MEDIA=1 DEMO_BANNER=1 \
	  $(BIN)/gunicorn civicsite.wsgi --bind $(HOST):$(PORT) $(SERVE_WORKERS) \
	  --limit-request-line 8190 --access-logfile -

# The production path on this machine (README, "Production path"): nginx from Debian's package
# with deploy/nginx.conf.template on $(HOST):$(PORT), in front of gunicorn on 127.0.0.1:$(APP_PORT)
# with DEBUG off. Its configuration, pid and logs go to .cache/proxy/; Ctrl-C stops both.
NGINX ?= /usr/sbin/nginx
APP_PORT ?= 8001
PROXY_DIR := $(CURDIR)/.cache/proxy
serve-proxy: demo .secret_key
	@test -x $(NGINX) || { echo "nginx is missing: apt-get install nginx"; exit 2; }
	DEBUG=0 SECRET_KEY="$$(cat .secret_key)" $(MANAGE) collectstatic --noinput --verbosity 0
	mkdir -p $(PROXY_DIR)/run $(PROXY_DIR)/log
	$(BIN)/python deploy/render_nginx.py USER=$$(id -un) WORKER_PROCESSES=1 \
	  RUN_DIR=$(PROXY_DIR)/run LOG_DIR=$(PROXY_DIR)/log LISTEN=$(HOST):$(PORT) \
	  UPSTREAM=127.0.0.1:$(APP_PORT) MEDIA_ROOT=$(or $(MEDIA_ROOT),$(CURDIR)/media) \
	  STATIC_ROOT=$(or $(STATIC_ROOT),$(CURDIR)/staticfiles) > $(PROXY_DIR)/nginx.conf
	DEBUG=0 SECRET_KEY="$$(cat .secret_key)" ALLOWED_HOSTS=$(HOST),localhost \
	  SECURE_SSL_REDIRECT=0 COMMENTS_TRUSTED_PROXIES=1 DEMO_BANNER=1 \
	  $(BIN)/gunicorn civicsite.wsgi --bind 127.0.0.1:$(APP_PORT) $(SERVE_WORKERS) \
	  --limit-request-line 0 & \
	  app=$$!; trap 'kill $$app' EXIT INT TERM; \
	  echo "serving http://$(HOST):$(PORT)/ through nginx (logs in $(PROXY_DIR)/log)"; \
	  $(NGINX) -p $(PROXY_DIR)/run -c $(PROXY_DIR)/nginx.conf -e $(PROXY_DIR)/log/error.log \
	    -g 'daemon off;'

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
	DEBUG=1 $(MANAGE) backup_site $(if $(ENCRYPT_TO),--encrypt-to $(ENCRYPT_TO))

restore: $(STAMP)
	@test -n "$(BACKUP)" || { echo "usage: make restore BACKUP=backups/<timestamp> [YES=1]"; exit 2; }
	DEBUG=1 $(MANAGE) restore_site "$(BACKUP)" $(if $(YES),--yes) $(if $(IDENTITY),--identity $(IDENTITY))

# Speed at newsroom scale (README.md, "Benchmark"): gunicorn with DEBUG off driven by wrk.
# Uses DATABASE_URL and REDIS_URL from the environment; ARGS=--cold turns the page cache off.
bench: $(STAMP)
	$(BIN)/python scripts/bench.py $(ARGS)

# Accessibility, valid HTML and Lighthouse on every page type with realistic data (README.md,
# "Audit"): the npm tools pinned in scripts/audit/, Debian's chromium and Java.
audit: $(STAMP)
	npm ci --prefix scripts/audit --ignore-scripts --no-audit --no-fund --loglevel=error
	$(BIN)/python scripts/audit.py $(ARGS)

clean:
	rm -rf $(VENV) staticfiles tests/browser/screenshots .secret_key
