"""The import rules of the architecture (README "Architecture"), checked on the source:
domain code imports only earlier apps, `core` imports no later app at all, and only Celery
entry points import Celery tasks (services hand work over by task name, core/enqueue.py)."""

import ast
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
# The project's apps, in INSTALLED_APPS order, which is the order imports may go.
APPS = [app for app in settings.INSTALLED_APPS if (ROOT / app / "apps.py").exists()]
# The interface layer may call any app's services and selectors.
INTERFACE = {"api.py", "views.py", "tasks.py", "admin.py", "urls.py", "forms.py"}


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


@pytest.mark.parametrize("app", APPS)
def test_domain_code_imports_only_earlier_apps(app):
    later = set(APPS[APPS.index(app) + 1 :])
    wrong = [
        f"{path.relative_to(ROOT)} imports {name}"
        for path in modules(app)
        if app == "core" or not (path.name in INTERFACE or "management" in path.parts)
        for name in imports(path)
        if name.split(".")[0] in later
    ]
    assert wrong == []


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
