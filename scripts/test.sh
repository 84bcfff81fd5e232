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
.venv/bin/python -m pytest "$@"
