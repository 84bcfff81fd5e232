# Sourced by scripts/run.sh: under `make run`, links in emails and payment return URLs point at the
# port actually served (PORT=8765 make run), unless SITE_URL is set in the environment or in .env.
site_url_from_port() {
  local env_file="${1:-.env}"
  if [ -z "${SITE_URL:-}" ] && ! { [ -f "$env_file" ] && grep -qE '^[[:space:]]*(export[[:space:]]+)?SITE_URL=' "$env_file"; }; then
    export SITE_URL="http://127.0.0.1:${PORT:-8000}"
  fi
}
