#!/usr/bin/env bash
# Runs the whole suite. Browser tests need Debian's Chromium; without it they are skipped, and
# this says so plainly.
set -uo pipefail
cd "$(dirname "$0")/.."
# Let Python keep compiled modules, and pytest its assertion-rewritten test modules, in
# __pycache__ (ignored by git). Some machines set PYTHONDONTWRITEBYTECODE=1; then every run, and
# each of the xdist workers, parses and rewrites all ~150 test modules again: about 4 s of CPU
# per process, a sixth of a run's start-up.
unset PYTHONDONTWRITEBYTECODE
# The browser tests run Debian's Chromium headless shell (tests/e2e/helpers.py; the full
# `chromium` also works, at nearly twice the CPU). Installed here when missing and apt can.
if [ -z "${CHROMIUM_PATH:-}" ] && [ ! -x /usr/bin/chromium-headless-shell ] && [ "$(id -u)" = 0 ] \
   && command -v apt-get >/dev/null; then
  echo "Installing chromium-headless-shell for the browser tests..."
  (apt-get install -y -qq chromium-headless-shell >/dev/null 2>&1 \
   || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium-headless-shell >/dev/null)) \
   || echo "could not install chromium-headless-shell"
fi
# GNU gettext: the catalog test extracts the client pages' messages (leadmonk/tests/test_translation_catalogs.py).
if ! command -v xgettext >/dev/null && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "Installing gettext for the translation catalog test..."
  (apt-get install -y -qq gettext >/dev/null 2>&1 \
   || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gettext >/dev/null)) \
   || echo "could not install gettext: the catalog test will fail and say why"
fi
# shellcheck source=scripts/pdf_libs.sh
. scripts/pdf_libs.sh
ensure_pdf_libs
if [ ! -x "${CHROMIUM_PATH:-/usr/bin/chromium-headless-shell}" ] && [ ! -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ]; then
  echo "NOTE: no Chromium at ${CHROMIUM_PATH:-/usr/bin/chromium-headless-shell or /usr/bin/chromium}: the browser tests will be skipped."
  echo "      Install it with: apt-get install -y chromium-headless-shell"
fi
echo "Database: ${DATABASE_URL:-embedded SQLite}   Broker/cache: ${REDIS_URL:-embedded (filesystem/locmem)}"
# Three workers by default, on two cores: the browser tests spend much of their time waiting for
# Chromium and the live server, so a third worker fills that time (measured on a quiet 2-core
# machine: 2 workers 3m00, 3 workers 2m46, 4 workers 3m18). TEST_WORKERS=auto uses one per core,
# TEST_WORKERS=0 runs in one process. pytest-xdist gives each worker its own test database
# (test_<name>_gw0, _gw1, ... on PostgreSQL). The
# ten slowest tests are printed at the end, so a test that starts to drag is seen. Work stealing: a
# worker that runs out takes tests queued for the other (plain load scheduling handed one worker
# every browser test in one batch, and it ran alone for the last two minutes). The order each worker
# runs its share in (browser tests spread through it, modules longest first by the last run's
# times in .pytest_cache) is conftest.py's _order_for_the_workers.
# The first worker migrates the test database and keeps a copy that the other workers, and later
# runs while no migration changes, start from (tests/database_template.py; LEADMONK_TEST_DB_TEMPLATE=0
# migrates in every worker). Time is measured in CPU-seconds: README, "The suite's time".
workers="${TEST_WORKERS:-3}"
.venv/bin/python -m pytest -n "$workers" --dist worksteal --durations=10 "$@"
