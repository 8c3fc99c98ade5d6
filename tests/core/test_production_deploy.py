"""The deploy path of docs/operations.md, as written: `collectstatic` under the production
settings, then gunicorn with DEBUG=0 serving every role's main pages with hashed static files
(styles applied, scripts run, charts drawn)."""

import os
import re
import subprocess
import sys

import pytest
from playwright.sync_api import expect

from core.navigation import navigation_for
from core.roles import ROLE_NAMES
from tests import workers
from tests.core.test_healthz_and_deploy import PRODUCTION_ENV, ROOT
from tests.factories import PASSWORD, UserFactory
from tests.workers import Process, free_port

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The real password hasher: the production settings that gunicorn runs on have no other.
PRODUCTION_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]


def production_env(var_dir, **extra) -> dict:
    """Only what a production machine sets (plain-HTTP gunicorn on a trusted network)."""
    clean = {k: os.environ[k] for k in ("PATH", "HOME", "LANG") if k in os.environ}
    return {
        **clean,
        **PRODUCTION_ENV,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_HTTPS": "0",
        "B2B_VAR_DIR": str(var_dir),
        "DATABASE_URL": workers.test_database_url(),
        "DATABASE_POOL_MAX_SIZE": "0",
        "CELERY_BROKER_URL": f"sqlite:///{var_dir / 'celery-broker.sqlite3'}",
        "PYTHONUNBUFFERED": "1",
        **extra,
    }


@pytest.fixture
def production_server(tmp_path):
    """collectstatic, then gunicorn, both exactly as docs/operations.md runs them."""

    env = production_env(tmp_path / "var")
    collected = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert collected.returncode == 0, collected.stdout + collected.stderr
    assert (tmp_path / "var" / "static" / "staticfiles.json").exists()

    port = free_port()
    server = Process(
        [
            *(sys.executable, "-m", "gunicorn", "b2b_portal.wsgi"),
            *("--bind", f"127.0.0.1:{port}", "--workers", "1", "--threads", "4"),
        ],
        env=env,
        ready="Booting worker",
    )
    server.url = f"http://127.0.0.1:{port}"
    yield server
    server.stop()


def main_pages(user) -> list[str]:
    """A role's main pages: home, its menu, its profile and inbox."""
    return ["/", *(item["url"] for item in navigation_for(user)), "/profile/", "/notifications/"]


def sign_in(page, url, username):
    page.goto(f"{url}/accounts/login/")
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda address: "/accounts/login/" not in address)


def styled_and_scripted(page) -> dict:
    """What the page loaded: stylesheets with rules, Bootstrap's script, the hashed names."""
    return page.evaluate(
        """() => ({
            sheets: [...document.styleSheets].map((s) => [s.href, s.cssRules.length]),
            bootstrap: typeof window.bootstrap !== 'undefined',
            navbar: getComputedStyle(document.querySelector('nav')).display,
            scripts: [...document.scripts].map((s) => s.src),
        })"""
    )


def test_every_role_gets_its_pages_from_gunicorn_after_collectstatic(
    production_server, world, page, settings, tmp_path
):
    settings.PASSWORD_HASHERS = PRODUCTION_HASHERS
    world.supplied(world.laptop, 2)  # figures for the dashboard's charts
    users = {role: UserFactory(username=f"prod-{role}", roles=[role]) for role in ROLE_NAMES}
    UserFactory(username="prod-admin", is_staff=True, is_superuser=True)
    url = production_server.url

    broken: list[str] = []
    page.on(  # a navigation away cancels what is still loading (net::ERR_ABORTED): not broken
        "requestfailed",
        lambda r: r.failure != "net::ERR_ABORTED" and broken.append(f"{r.url}: {r.failure}"),
    )
    page.on("response", lambda r: r.status >= 400 and broken.append(f"{r.url} {r.status}"))
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))

    for role, user in users.items():
        page.context.clear_cookies()
        sign_in(page, url, user.username)
        for path in main_pages(user):
            response = page.request.get(url + path)
            assert response.status == 200, (role, path, response.status, production_server.log())

        loaded = styled_and_scripted(page)  # the home page, in Chromium
        assert loaded["bootstrap"] and loaded["navbar"] == "flex", (role, loaded)
        assert all(rules > 0 for _, rules in loaded["sheets"]), (role, loaded["sheets"])
        # Hashed names: a release's files never mix with the browser's copy of the last one.
        hashed = [src for src in loaded["scripts"] if "/static/" in src]
        assert hashed and all(re.search(r"\.[0-9a-f]{12}\.js$", src) for src in hashed), hashed

    sign_in(page, url, "prod-customer_service")
    page.get_by_role("link", name="Dashboard").click()
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    page.wait_for_function(
        """() => window.Chart && [...document.querySelectorAll('canvas[data-chart]')]
                .every((c) => Chart.getChart(c) && c.width > 0)"""
    )
    page.screenshot(path=str(tmp_path / "dashboard.png"), full_page=True)

    page.context.clear_cookies()
    sign_in(page, url, "prod-admin")
    for path in ("/admin/", "/api/v1/docs"):
        page.goto(url + path)
        expect(page.locator("body")).not_to_contain_text("Server Error")
    assert page.request.get(url + "/no-such-page/").status == 404  # the portal's 404, not a 500
    assert page.request.get(url + "/favicon.ico").status == 200  # redirected to the hashed icon

    page.context.clear_cookies()  # the way back in for a user who forgot the password
    page.goto(f"{url}/accounts/login/")
    page.get_by_role("link", name="Forgot your password?").click()
    page.get_by_label("Email").fill("nobody@example.com")
    page.get_by_role("button", name="Email me a link").click()
    expect(page.get_by_role("heading", name="Check your mailbox")).to_be_visible()
    page.screenshot(path=str(tmp_path / "password-reset.png"))

    assert broken == [], broken
    assert errors == []
    assert "Traceback" not in production_server.log(), production_server.log()
