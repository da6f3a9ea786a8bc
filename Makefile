# Backdesk: `make run` to use it, `make test` to prove it. Both idempotent.
PY ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: run test lint messages seed worker beat check-deploy clean bench backup restore

$(BIN)/python:
	@command -v $(PY) >/dev/null 2>&1 || { echo "Python 3.11 is needed ($(PY) not found)"; exit 1; }
	$(PY) -m venv $(VENV)

# Re-install only when a requirements file changes (stamp files).
$(VENV)/.runtime: requirements.txt | $(BIN)/python
	$(PIP) install -q -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(PIP) install -q -r requirements-dev.txt
	touch $@ $(VENV)/.runtime

## run: SQLite, migrations, demo data, the app on http://127.0.0.1:8000 (mail to var/mail)
run: export DEBUG ?= 1
run: export EMAIL_BACKEND ?= django.core.mail.backends.filebased.EmailBackend
run: $(VENV)/.runtime
	$(BIN)/python manage.py migrate --noinput -v0
	$(BIN)/python manage.py seed_demo
	@echo "Backdesk on http://127.0.0.1:8000 (emails are written to var/mail/)"
	$(BIN)/python manage.py runserver 127.0.0.1:8000

## test: the whole suite; SQLite unless DATABASE_URL is set (CI sets it to PostgreSQL).
## SUITE=db: only what can differ between databases: no browser tests and no URL walks
## (CI's second pass, on SQLite, after the whole suite has run on PostgreSQL).
# Browser tests run on their own after the rest: a page waiting on a busy CPU is how a
# browser test turns flaky, and they are few. A failing browser test is not run again: an
# intermittent failure is a bug to find (test-artifacts/FAILED-*.png shows the page).
test: $(VENV)/.dev
ifeq ($(SUITE),db)
	$(BIN)/python -m pytest -n $${PYTEST_WORKERS:-auto} -m "not browser and not walk" $(PYTEST_ARGS)
else
	$(BIN)/python -m pytest -n $${PYTEST_WORKERS:-auto} -m "not browser" $(PYTEST_ARGS)
	$(BIN)/python -m pytest -m browser $(PYTEST_ARGS) || [ $$? -eq 5 ]  # 5: none selected
endif

lint: $(VENV)/.dev
	$(BIN)/ruff check .

## messages: refresh the .po files after changing strings, then compile them
messages: $(VENV)/.dev
	DEBUG=1 $(BIN)/python manage.py makemessages -l zh_Hans -l zh_Hant --no-obsolete --ignore=.venv --ignore=static/vendor
	$(BIN)/python scripts/po_fill.py
	$(BIN)/python scripts/po_hant.py
	DEBUG=1 $(BIN)/python manage.py compilemessages --ignore=.venv

seed: $(VENV)/.runtime
	DEBUG=1 $(BIN)/python manage.py seed_demo --scale $${SCALE:-1}

## worker / beat: need REDIS_URL (e.g. redis://127.0.0.1:6379/0)
worker: $(VENV)/.runtime
	$(BIN)/celery -A config worker --loglevel=info

beat: $(VENV)/.runtime
	$(BIN)/celery -A config beat --loglevel=info --schedule var/celerybeat-schedule

check-deploy: $(VENV)/.runtime
	DEBUG=0 SECRET_KEY=$${SECRET_KEY:-check-deploy-$$(date +%s)-a-long-random-enough-value-for-the-check} \
	  ALLOWED_HOSTS=backdesk.example.com $(BIN)/python manage.py check --deploy --fail-level WARNING

clean:
	rm -rf $(VENV) var/static test-artifacts

## backup: database (pg_dump -Fc, or SQLite's backup API) and uploads into var/backups/backdesk-<time>/ (or BACKUP_DIR)
backup: $(VENV)/.runtime
	$(BIN)/python manage.py backup

## restore: BACKUP=var/backups/backdesk-<time> make restore (replaces the database of DATABASE_URL and the uploads)
restore: $(VENV)/.runtime
	@test -n "$(BACKUP)" || { echo "usage: make restore BACKUP=var/backups/backdesk-YYYYMMDD-HHMMSS"; exit 2; }
	$(BIN)/python manage.py restore "$(BACKUP)"

## bench: an empty database (var/bench SQLite, or DATABASE_URL flushed!), seed_demo --scale $(SCALE) timed
## (default 100), then pages, downloads, jobs and gunicorn+wrk; results in bench/results/bench-<database>.{md,json}
BENCH_VAR ?= $(CURDIR)/var/bench
BENCH_ENV = BACKDESK_VAR_DIR=$(BENCH_VAR) DEBUG=1
bench: $(VENV)/.runtime
	rm -rf $(BENCH_VAR)
	$(BENCH_ENV) $(BIN)/python manage.py migrate --noinput -v0
	$(BENCH_ENV) $(BIN)/python manage.py flush --noinput -v0
	$(BENCH_ENV) $(BIN)/python manage.py bench --seed $(or $(SCALE),100) --out $(or $(BENCH_OUT),bench/results) $(BENCH_ARGS)
