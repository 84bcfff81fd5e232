#!/usr/bin/env bash
# Runs the whole suite. Browser tests need Debian's Chromium; without it they are skipped, and
# this says so plainly.
set -uo pipefail
cd "$(dirname "$0")/.."
if [ ! -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ]; then
  echo "NOTE: Chromium not found at ${CHROMIUM_PATH:-/usr/bin/chromium}: the browser tests will be skipped."
  echo "      Install it with: apt-get install -y chromium"
fi
echo "Database: ${DATABASE_URL:-embedded SQLite}   Broker/cache: ${REDIS_URL:-embedded (filesystem/locmem)}"
# Two workers by default (TEST_WORKERS=auto uses every core, TEST_WORKERS=0 runs in one process):
# pytest-xdist gives each worker its own test database (test_<name>_gw0, _gw1 on PostgreSQL). The
# ten slowest tests are printed at the end, so a test that starts to drag is seen. Work stealing: a
# worker that runs out takes tests queued for the other (plain load scheduling handed one worker
# every browser test in one batch, and it ran alone for the last two minutes).
workers="${TEST_WORKERS:-2}"
.venv/bin/python -m pytest -n "$workers" --dist worksteal --durations=10 "$@"
