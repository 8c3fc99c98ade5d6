import datetime
import os
import subprocess
import sys
from pathlib import Path

import pytest
import time_machine

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
def test_healthz_reports_database_and_broker(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert (body["database"], body["broker"]) == ("ok", "ok")


@pytest.mark.django_db
def test_healthz_is_503_when_the_broker_is_down(client, settings):
    from tests.workers import free_port

    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{free_port()}/0"
    settings.CELERY_BROKER_TRANSPORT = "core.broker:RedisTransport"
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["broker"].startswith("error")
    assert response.json()["database"] == "ok"


@pytest.mark.django_db
def test_healthz_is_503_when_the_embedded_broker_file_cannot_be_opened(client, settings):
    settings.CELERY_BROKER_URL = "sqlite:////nonexistent-folder/celery-broker.sqlite3"
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["broker"].startswith("error")


@pytest.mark.django_db
def test_healthz_strict_is_503_for_monitors_when_no_worker_beats(client):
    from django.utils import timezone

    from core.services import worker_heartbeat_record

    assert client.get("/healthz?strict=1").status_code == 503  # no worker seen yet
    assert client.get("/healthz").status_code == 200  # load balancers: the web still serves

    worker_heartbeat_record(hostname="worker-1")
    fresh = client.get("/healthz?strict=1")
    assert fresh.status_code == 200 and fresh.json()["worker"] == "ok"

    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=3)):
        stale = client.get("/healthz?strict=1")
    assert stale.status_code == 503
    assert stale.json()["worker"] == "stale" and stale.json()["worker_seen_seconds_ago"] >= 180


PRODUCTION_ENV = {
    "DEBUG": "0",
    "SECRET_KEY": "x" * 20 + "-production-secret-not-in-the-repo-" + "y" * 20,
    "ALLOWED_HOSTS": "b2b.example.com",
    "DATABASE_URL": "postgres://b2b:secret@db.internal:5432/b2b",
    "DATABASE_POOL_MAX_SIZE": "8",
    "CELERY_BROKER_URL": "redis://redis.internal:6379/0",
    "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
    "EMAIL_HOST": "smtp.example.com",
    "SITE_URL": "https://b2b.example.com",
}


def manage(*args, env):
    return run_python("manage.py", *args, env=env)


def run_python(*args, env):
    # Only what a production machine would set: nothing of the test run's environment.
    clean = {k: os.environ[k] for k in ("PATH", "HOME", "LANG") if k in os.environ}
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env={**clean, "B2B_VAR_DIR": str(ROOT / "var" / "deploy-check"), **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_under_production_settings():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_fails_when_the_site_url_is_missing():
    without = {k: v for k, v in PRODUCTION_ENV.items() if k != "SITE_URL"}
    result = manage("check", "--deploy", env=without)  # an error, not only a warning
    assert result.returncode != 0 and "b2b.E010" in result.stderr + result.stdout
    assert "Set SITE_URL" in result.stderr + result.stdout


def test_production_refuses_to_start_without_a_secret_key_and_reads_the_fallbacks():
    without = {k: v for k, v in PRODUCTION_ENV.items() if k != "SECRET_KEY"}
    web = run_python("-c", "import b2b_portal.wsgi", env=without)  # what gunicorn loads
    assert web.returncode != 0 and "SECRET_KEY is not set" in web.stderr
    worker = run_python(*("-m", "celery", "-A", "b2b_portal", "worker", "--pool=solo"), env=without)
    assert worker.returncode != 0 and "SECRET_KEY is not set" in worker.stderr
    deploy = manage("check", "--deploy", env=without)
    assert deploy.returncode != 0 and "b2b.E001" in deploy.stderr
    # Other management commands still run (a migration check on a build machine, say).
    assert manage("makemigrations", "--check", "--dry-run", env=without).returncode == 0

    result = manage(
        "shell",
        "--no-imports",
        "-c",
        "from django.conf import settings as s; print(s.SECRET_KEY_FALLBACKS)",
        env={**PRODUCTION_ENV, "SECRET_KEY_FALLBACKS": "old-key-one,old-key-two"},
    )
    assert result.stdout.strip() == "['old-key-one', 'old-key-two']", result.stderr


def test_plain_http_gunicorn_is_possible_by_switching_https_off():
    result = manage(
        "shell",
        "--no-imports",
        "-c",
        "from django.conf import settings as s; "
        "print(s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.DEBUG)",
        env={**PRODUCTION_ENV, "SECURE_HTTPS": "0"},
    )
    assert result.stdout.split() == ["False", "False", "False", "False"], result.stderr


def test_production_settings_read_the_environment():
    result = manage(
        "shell",
        "--no-imports",
        "-c",
        "from django.conf import settings as s; from django.core.mail import mailers; "
        "d = s.DATABASES['default']; "
        "print(d['ENGINE'], d['HOST'], d['OPTIONS']['pool']['max_size'], s.CELERY_BROKER_URL, "
        "type(mailers.default).__module__, s.CURRENCY, s.PO_APPROVAL_THRESHOLD)",
        env={**PRODUCTION_ENV, "CURRENCY": "EUR", "PO_APPROVAL_THRESHOLD": "2500.50"},
    )
    assert result.stdout.split() == [
        "django.db.backends.postgresql",
        "db.internal",
        "8",
        "redis://redis.internal:6379/0",
        "django.core.mail.backends.smtp",
        "EUR",
        "2500.50",
    ], result.stderr
