#!/usr/bin/env bash
# Local run on the embedded defaults: migrate, seed the demo owner, then the web server and a
# Celery worker with beat (Procfile.dev, run by honcho). Ctrl-C stops everything.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
export PORT="${PORT:-8000}"
export DEBUG="${DEBUG:-true}"
# shellcheck source=scripts/site_url.sh
. scripts/site_url.sh
site_url_from_port .env
mkdir -p var
# shellcheck source=scripts/pdf_libs.sh
. scripts/pdf_libs.sh
ensure_pdf_libs

$PY manage.py migrate --noinput
seeded="$($PY manage.py seed_demo)" || exit 1
printf '%s\n' "$seeded"
# The demo owner's link: /demo/, unless someone signed up locally with it (seed_demo then says which).
demo_slug="$(printf '%s\n' "$seeded" | sed -n 's|.*(booking page /\([^/]*\)/).*|\1|p')"

cat <<MSG

  Leadmonk is running at  http://127.0.0.1:${PORT}/
  Log in as               demo@example.com / demo12345
  Demo booking page       http://127.0.0.1:${PORT}/${demo_slug:-demo}/
  Emails print below (lines of "worker"). Press Ctrl-C to stop.

MSG
exec .venv/bin/honcho -f Procfile.dev start
