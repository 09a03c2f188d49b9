# Prenafit. `make run` starts the app; `make test` runs the whole test suite.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip

.PHONY: run test messages lint format check-deploy bench clean

$(VENV)/.created:
	@python=$$(PYTHON="$(PYTHON)" bin/find-python) || exit 1; \
	  echo "Creating $(VENV) with $$python"; \
	  "$$python" -m venv $(VENV)
	@touch $@

$(VENV)/.runtime: $(VENV)/.created requirements.txt
	$(PIP) install --quiet --disable-pip-version-check -r requirements.txt
	@touch $@

$(VENV)/.dev: $(VENV)/.runtime requirements-dev.txt
	$(PIP) install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $@

# The Spanish catalogue, compiled: the .mo files are built here, never committed (gettext's
# msgfmt; .ci/run installs it when it is missing).
MO := locale/es/LC_MESSAGES/django.mo locale/allauth/es/LC_MESSAGES/django.mo
$(MO) &: locale/es/LC_MESSAGES/django.po locale/allauth/es/LC_MESSAGES/django.po | $(VENV)/.runtime
	@command -v msgfmt >/dev/null || { echo "msgfmt not found: install gettext (apt-get install gettext)"; exit 1; }
	$(PY) manage.py compilemessages --ignore=.venv --ignore=node_modules -v 0
messages: $(MO)

run: $(VENV)/.runtime $(MO)
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	@echo ""
	@echo "Prenafit is starting on http://127.0.0.1:$${WEB_PORT:-8000}/  (Ctrl-C stops everything)"
	@echo "Log in as admin@prenafit.test, pt@prenafit.test or client@prenafit.test, password prenafit-demo"
	@echo ""
# Links in e-mails (the worker has no request to ask) point at this server unless set.
	PRENAFIT_BASE_URL="$${PRENAFIT_BASE_URL:-http://127.0.0.1:$${WEB_PORT:-8000}}" $(VENV)/bin/honcho start

# PYTEST_ARGS passes options through, e.g. make test PYTEST_ARGS="-m 'not browser' --clock=random"
# TEST_WORKERS: test processes side by side (pytest-xdist; each has its own test database and
# Redis databases). 0 runs everything in this process.
TEST_WORKERS ?= 2
test: $(VENV)/.dev $(MO)
	$(VENV)/bin/pytest -n $(TEST_WORKERS) $(PYTEST_ARGS)

lint: $(VENV)/.dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(VENV)/.dev
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

check-deploy: $(VENV)/.runtime
	DJANGO_SETTINGS_MODULE=config.settings.production SECRET_KEY=$$(openssl rand -hex 40) \
	  ALLOWED_HOSTS=prenafit.example DATABASE_URL=sqlite:///tmp-check.sqlite3 \
	  $(PY) manage.py check --deploy --fail-level WARNING

bench: $(VENV)/.dev
	$(PY) -m bench.run

clean:
	rm -rf $(VENV) .pytest_cache $(MO) .broker celerybeat-schedule* .test-db*.sqlite3*
