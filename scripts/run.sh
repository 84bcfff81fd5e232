#!/usr/bin/env bash
# Local run on the embedded defaults: migrate, seed the demo owner, then the web server and a
# Celery worker with beat. Ctrl-C stops everything.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
PORT="${PORT:-8000}"
export DEBUG="${DEBUG:-true}"

$PY manage.py migrate --noinput
$PY manage.py seed_demo

pids=()
cleanup() {
  trap - INT TERM EXIT
  echo; echo "Stopping..."
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup INT TERM EXIT

.venv/bin/celery -A leadmonk worker --beat --loglevel=INFO --concurrency=2 \
  --schedule=var/celerybeat-schedule >var/celery.log 2>&1 &
pids+=($!)

cat <<MSG

  Leadmonk is running at  http://127.0.0.1:${PORT}/
  Log in as               demo@example.com / demo12345
  Demo booking page       http://127.0.0.1:${PORT}/demo/
  Celery worker and beat  logging to var/celery.log; emails print there too.
  Press Ctrl-C to stop.

MSG
$PY manage.py runserver "127.0.0.1:${PORT}" &
pids+=($!)
wait -n "${pids[@]}"
