"""`make run`'s demo_setup prints the demo users' passwords only on the run that created them;
later runs, on a database that has data, say how to sign in without printing any."""

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

DEMO = Path(__file__).resolve().parents[2] / "fixtures" / "demo.json"

pytestmark = pytest.mark.django_db


def demo_setup() -> str:
    out = StringIO()
    call_command("demo_setup", str(DEMO), stdout=out, stderr=StringIO())
    return out.getvalue()


def test_the_passwords_are_printed_only_when_the_users_were_created(settings):
    settings.DEBUG = True

    first = demo_setup()
    assert "Empty database: importing" in first
    assert "demo-csr-2026" in first and "Demo users (user / password → role):" in first

    again = demo_setup()
    assert "demo import skipped" in again and "B2B Portal: http://127.0.0.1:8000/" in again
    assert "demo-csr-2026" not in again and "password → role" not in again
    assert "passwords are not printed" in again
