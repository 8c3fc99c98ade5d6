"""Refusals at start-up that Django's own checks do not make."""

from django.conf import settings
from django.core import checks
from django.core.checks import Error, Tags, register
from django.core.exceptions import ImproperlyConfigured

MISSING_SECRET_KEY = (
    "SECRET_KEY is not set. Set it (the same on every machine) for production; for local "
    "development set DEBUG=1 (make run does)."
)


def require_secret_key() -> None:
    """Called by the processes that serve (gunicorn's WSGI application, Celery worker and
    beat): with DEBUG=0 they do not start on a key generated for this checkout."""
    if settings.SECRET_KEY_MISSING:
        raise ImproperlyConfigured(MISSING_SECRET_KEY)


@register(Tags.security, deploy=True)
def secret_key_is_set(app_configs, **kwargs):
    if settings.SECRET_KEY_MISSING:
        return [Error(MISSING_SECRET_KEY, id="b2b.E001")]
    return []


@register(Tags.security, deploy=True)
def site_url_is_set(app_configs, **kwargs):
    """Without SITE_URL, password-reset links start with the address each request came to and
    notification emails carry no links: production names its address."""
    if not settings.DEBUG and not settings.SITE_URL:
        return [
            checks.Error(
                "SITE_URL is not set: password-reset links would start with the address of "
                "each request (its Host header) and notification emails carry paths only.",
                hint="Set SITE_URL to the portal's address, e.g. https://b2b.example.com.",
                id="b2b.E010",
            )
        ]
    return []
