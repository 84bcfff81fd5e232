"""`make lint` runs scripts/audit.py (pip-audit on requirements.txt): it fails on a vulnerability,
and skips with a plain note, without failing, when the vulnerability service cannot be reached."""
import importlib.util
import json
import subprocess
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "audit.py"


@pytest.fixture
def audit():
    spec = importlib.util.spec_from_file_location("audit", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _pip_audit_answers(monkeypatch, audit, *, stdout="", stderr="", returncode=0):
    monkeypatch.setattr(audit.subprocess, "run", lambda *a, **k: subprocess.CompletedProcess(a, returncode, stdout, stderr))


def test_a_known_vulnerability_fails_lint(audit, monkeypatch, capsys):
    report = {"dependencies": [{"name": "django", "version": "5.2.0", "vulns": [
        {"id": "PYSEC-2026-1", "fix_versions": ["5.2.1"]}]}, {"name": "celery", "version": "5.7.0", "vulns": []}]}
    _pip_audit_answers(monkeypatch, audit, stdout=json.dumps(report), returncode=1)

    assert audit.main() == 1
    assert "VULNERABLE django 5.2.0: PYSEC-2026-1 (fixed in 5.2.1)" in capsys.readouterr().out


def test_an_unreachable_service_skips_with_a_note(audit, monkeypatch, capsys):
    report = {"dependencies": [{"name": name, "skip_reason": f"Dependency not found on PyPI and could not be audited: {name}"}
                               for name in ("django", "celery")]}
    _pip_audit_answers(monkeypatch, audit, stdout=json.dumps(report))

    assert audit.main() == 0
    assert "pip-audit: SKIPPED" in capsys.readouterr().out


def test_a_network_error_skips_with_a_note(audit, monkeypatch, capsys):
    _pip_audit_answers(monkeypatch, audit, stderr="requests.exceptions.ConnectionError: Max retries exceeded",
                       returncode=1)

    assert audit.main() == 0
    assert "SKIPPED" in capsys.readouterr().out


def test_a_clean_audit_passes(audit, monkeypatch, capsys):
    _pip_audit_answers(monkeypatch, audit, stdout=json.dumps({"dependencies": [{"name": "django", "vulns": []}]}))

    assert audit.main() == 0
    assert "no known vulnerabilities in 1 runtime packages" in capsys.readouterr().out
