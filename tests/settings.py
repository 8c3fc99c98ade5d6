"""Test settings: the production settings module with test-friendly environment defaults."""

import os
from pathlib import Path

_var = Path(__file__).resolve().parent.parent / "var" / "test"
os.environ.setdefault("B2B_VAR_DIR", str(_var))
os.environ.setdefault("CELERY_FILESYSTEM_DIR", str(_var / "celery"))
os.environ.setdefault("STATIC_MANIFEST", "0")
os.environ.setdefault("WHITENOISE_USE_FINDERS", "1")
os.environ.setdefault("SECURE_HTTPS", "0")
# DEBUG is off in tests, as in production; the key is the per-checkout one kept in var/test.
os.environ.setdefault("B2B_LOCAL_SECRET_KEY", "1")
os.environ.setdefault("EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")
# Playwright's sync API runs an event loop in the test thread; Django's ORM calls from it are safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
# Subscriptions are made in the test process (which forgets its cache on every save and at
# every test's start): a long cache keeps statement counts steady.
os.environ.setdefault("WEBHOOKS_SUBSCRIPTIONS_CACHE_SECONDS", "3600")

from b2b_portal.settings import *  # noqa: E402, F403
from b2b_portal.settings import DATABASES, INSTALLED_APPS, VAR_DIR  # noqa: E402

INSTALLED_APPS = [*INSTALLED_APPS, "tests.testapp"]
# A fast hasher: tests create many users; the production hasher is Django's default.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file, not :memory:, so that a Celery worker process can open the test database too.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}
