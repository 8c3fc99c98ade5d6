"""`make audit` (scripts/audit.sh) fails, saying nothing was checked, when PyPI's vulnerability
data cannot be reached: an unchecked audit must not pass."""

import os
import subprocess
import sys
from pathlib import Path

from tests.workers import free_port

ROOT = Path(__file__).resolve().parents[2]


def test_the_audit_fails_and_says_so_when_pypi_is_unreachable():
    dead_proxy = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    env = {
        **{k: os.environ[k] for k in ("PATH", "HOME", "LANG") if k in os.environ},
        "HTTPS_PROXY": dead_proxy,
        "https_proxy": dead_proxy,
        "BIN": str(Path(sys.executable).parent),
    }
    result = subprocess.run(
        [str(ROOT / "scripts" / "audit.sh")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "unreachable from here, so nothing was checked" in result.stderr
    assert "pip-audit" not in result.stdout  # it stopped before auditing anything


def test_make_audit_runs_the_script():
    makefile = (ROOT / "Makefile").read_text()
    recipe = makefile.split("\naudit: venv\n", 1)[1].split("\n\n", 1)[0]
    assert "scripts/audit.sh" in recipe and "skipped" not in recipe
