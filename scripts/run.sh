#!/usr/bin/env bash
# Local run on the embedded defaults: migrate, seed the demo owner, then the web server and a
# Celery worker with beat. Ctrl-C stops everything.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
PORT="${PORT:-8000}"
export DEBUG="${DEBUG:-true}"
# shellcheck source=scripts/site_url.sh
. scripts/site_url.sh
site_url_from_port .env
mkdir -p var

$PY manage.py migrate --noinput
$PY manage.py seed_demo

# Job control gives each background command its own process group: Ctrl-C reaches only this
# script, which then stops each group in order (the web server with its autoreloader child, the
# worker with its pool and beat) instead of every process racing to die at once.
set -m
pids=()
stopped=0
stop_all() {
  [ "$stopped" = 1 ] && return
  stopped=1
  echo; echo "Stopping..."
  # TERM to each leader: Celery then stops its pool and beat itself (a warm shutdown lets a running
  # task finish); runserver's autoreloader takes its child down. After 10 seconds, stop waiting.
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for _ in $(seq 1 20); do
    alive=0
    for pid in "${pids[@]}"; do kill -0 -- "-$pid" 2>/dev/null && alive=1; done
    [ "$alive" = 0 ] && break
    sleep 0.5
  done
  for pid in "${pids[@]}"; do kill -KILL -- "-$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  echo "Stopped."
}
# Ctrl-C (or a TERM) is the normal way to stop: clean up and exit 0. EXIT covers a crash of either process.
trap 'stop_all; exit 0' INT TERM
trap stop_all EXIT

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

# Whichever stops first (the port is taken, the worker cannot start), stop the other one too.
status=0
wait -n "${pids[@]}" || status=$?
echo "A process stopped on its own (exit status ${status}); see the output above and var/celery.log." >&2
exit 1
