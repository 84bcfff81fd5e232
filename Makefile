# Two commands: `make run` serves the app with demo data; `make test` runs every test.
# Extra pytest arguments: `make test ARGS="accounts -x"`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
ARGS ?=

.PHONY: run test bench lint install clean messages

# Creates .venv on a fresh machine and reinstalls whenever a requirements file changes. Development
# installs both sets; a production install takes requirements.txt alone.
$(STAMP): requirements.txt requirements-dev.txt
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
	  || { echo "Python 3.11 or newer is needed: make $(MAKECMDGOALS) PYTHON=python3.11"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip || echo "could not upgrade pip; carrying on with the bundled one"
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	./scripts/run.sh

test: $(STAMP)
	./scripts/test.sh $(ARGS)

bench: $(STAMP)
	command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk) || echo "wrk is needed: apt-get install -y wrk"
	$(PY) -m bench

# ruff, the layer contract in .importlinter (no app imports one above it), then pip-audit on the
# runtime set (skipped with a note when the vulnerability service is unreachable).
lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports
	$(PY) scripts/audit.py

# The client pages' catalogs (README, "Languages"): extract the marked strings into locale/de and
# locale/es (translate what is new, no fuzzy entries), then compile the .mo files to commit.
messages: $(STAMP)
	command -v xgettext >/dev/null || (apt-get update -qq && apt-get install -y -qq gettext)
	$(PY) manage.py makemessages -l de -l es --no-location --no-obsolete
	$(PY) manage.py compilemessages -l de -l es

clean:
	rm -rf var staticfiles .pytest_cache .hypothesis .ruff_cache
