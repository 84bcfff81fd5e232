"""`make run` (scripts/run.sh): SITE_URL follows the served port unless it is set."""
import os
import subprocess
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[2]


def _site_url(tmp_path, env_file_text: str | None = None, **variables: str) -> str:
    env_file = tmp_path / ".env"
    if env_file_text is not None:
        env_file.write_text(env_file_text)
    environment = {key: value for key, value in os.environ.items() if key not in ("SITE_URL", "PORT")}
    environment.update(variables)
    result = subprocess.run(
        ["bash", "-c", f'. scripts/site_url.sh && site_url_from_port "{env_file}" && echo "${{SITE_URL:-}}"'],
        cwd=BASE_DIR, env=environment, capture_output=True, text=True, timeout=30, check=True,
    )
    return result.stdout.strip()


def test_site_url_follows_the_port(tmp_path):
    assert _site_url(tmp_path, PORT="8765") == "http://127.0.0.1:8765"
    assert _site_url(tmp_path) == "http://127.0.0.1:8000"


def test_a_site_url_that_is_set_wins(tmp_path):
    assert _site_url(tmp_path, PORT="8765", SITE_URL="https://book.example.com") == "https://book.example.com"
    # Set in .env: left for the settings to read.
    assert _site_url(tmp_path, "SITE_URL=http://coach.local:9000\n", PORT="8765") == ""


def test_run_script_uses_it():
    script = (BASE_DIR / "scripts" / "run.sh").read_text()
    assert ". scripts/site_url.sh" in script and "site_url_from_port" in script
