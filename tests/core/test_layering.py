"""The import rules of the architecture (docs/architecture.md): the import-linter contracts
(domain code imports only earlier apps, `core` imports no later app at all), and only Celery
entry points import Celery tasks (services hand work over by task name, core/enqueue.py)."""

import ast
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
# The project's apps, in INSTALLED_APPS order, which is the order imports may go.
APPS = [app for app in settings.INSTALLED_APPS if (ROOT / app / "apps.py").exists()]


def imports(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            module = "." * node.level + (node.module or "")
            found += [module, *(f"{module}.{alias.name}" for alias in node.names)]
    return found


def modules(app: str):
    for path in sorted((ROOT / app).rglob("*.py")):
        if "migrations" not in path.parts:
            yield path


def test_the_import_contracts_of_the_app_order_are_kept():
    """pyproject.toml [tool.importlinter]: domain apps import only earlier apps (indirect
    imports included), and core imports no later app at all."""
    run = subprocess.run(
        [str(Path(sys.executable).with_name("lint-imports"))],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    assert "0 broken" in run.stdout


@pytest.mark.parametrize("app", APPS)
def test_only_celery_entry_points_import_tasks(app):
    wrong = [
        f"{path.relative_to(ROOT)} imports {name}"
        for path in modules(app)
        if path.name != "tasks.py"
        for name in imports(path)
        if name.split(".")[-1] == "tasks" or ".tasks." in name
    ]
    assert wrong == []
