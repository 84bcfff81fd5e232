"""`make lint`: pip-audit against the runtime requirements (requirements.txt).

Fails on a known vulnerability. Where the vulnerability service (PyPI's JSON API) cannot be reached
pip-audit says "No known vulnerabilities found" while it audited nothing; this script says so
plainly and skips instead of passing silently or failing for the network alone.
"""
import json
import subprocess
import sys
from pathlib import Path

REQUIREMENTS = Path(__file__).resolve().parent.parent / "requirements.txt"
UNREACHABLE_HINTS = ("could not be audited", "ConnectionError", "Max retries exceeded", "Name or service not known",
                     "Temporary failure in name resolution", "timed out", "Network is unreachable")


def main() -> int:
    command = [sys.executable, "-m", "pip_audit", "-r", str(REQUIREMENTS), "--no-deps", "--disable-pip",
               "--progress-spinner", "off", "--format", "json"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=600)
    try:
        report = json.loads(result.stdout)
    except ValueError:
        if any(hint in result.stderr for hint in UNREACHABLE_HINTS):
            print("pip-audit: SKIPPED — the vulnerability service could not be reached (no network?).")
            return 0
        print(result.stdout + result.stderr)
        print("pip-audit: could not run (see above).")
        return 1
    dependencies = report.get("dependencies", [])
    vulnerable = [dep for dep in dependencies if dep.get("vulns")]
    skipped = [dep for dep in dependencies if dep.get("skip_reason")]
    for dep in vulnerable:
        for vuln in dep["vulns"]:
            fixes = ", ".join(vuln.get("fix_versions") or []) or "no fix yet"
            print(f"VULNERABLE {dep['name']} {dep.get('version', '')}: {vuln.get('id')} (fixed in {fixes})")
    if vulnerable:
        print(f"pip-audit: {len(vulnerable)} runtime package(s) with known vulnerabilities.")
        return 1
    audited = len(dependencies) - len(skipped)
    if skipped and audited == 0:
        print(f"pip-audit: SKIPPED — the vulnerability service could not be reached, so none of the "
              f"{len(dependencies)} runtime packages was audited. Run `make lint` with internet access.")
        return 0
    if skipped:
        names = ", ".join(dep["name"] for dep in skipped)
        print(f"pip-audit: note — {len(skipped)} package(s) could not be audited: {names}")
    print(f"pip-audit: no known vulnerabilities in {audited} runtime packages.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
