"""Too many attempts: the one home of the brute-force rules and of what a refused client gets.

- One user name from one address: django-axes locks the pair after AXES_FAILURE_LIMIT failed
  sign-ins (form, admin, API Basic auth) for AXES_COOLOFF_MINUTES, even with the right password.
- One address, any user name or token: after AUTH_FAILURES_PER_ADDRESS failed sign-ins or
  unknown API tokens within a minute, further credential checks from that address are refused
  until the minute is over, before any password hash is computed. A request that proves who it
  is cheaply (a valid token, a signed-in session) is never refused.
- Password reset: at most PASSWORD_RESET_PER_ADDRESS requests per address per
  PASSWORD_RESET_WINDOW_MINUTES (each one may send an email).

Counters live in the default cache (a database table shared by every process), in fixed
windows; two processes counting at the same instant may miss one count, never lock anyone out
wrongly. A counter that cannot be read or written (its cache, the database, is down) counts
nothing and refuses no one: the credential check that follows needs the database itself, and
while it cannot be reached the request is answered 503 (core.outage), never 500.
"""

import logging

from axes.helpers import get_client_ip_address
from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from django.core.cache import cache
from django.dispatch import receiver
from django.http import JsonResponse
from django.shortcuts import render
from django.utils import timezone

from core.exceptions import error_body, is_api_request
from core.outage import is_database_unavailable

try:
    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.exceptions import TimeoutError as RedisTimeoutError

    _REDIS_UNREACHABLE = (RedisConnectionError, RedisTimeoutError)
except ImportError:  # pragma: no cover - redis is installed with the Redis broker
    _REDIS_UNREACHABLE = ()

ADDRESS_WINDOW_SECONDS = 60

logger = logging.getLogger("b2b_portal.lockout")


class TooManyAttempts(Exception):
    def __init__(self, message: str, retry_after: int):
        super().__init__(message)
        self.message = message
        self.retry_after = retry_after


def too_many_attempts_response(request, message: str, retry_after: int):
    """429 in the API's error shape, or a page that says what to do."""
    if is_api_request(request):
        response = JsonResponse(error_body(message, "too_many_attempts"), status=429)
    else:
        response = render(request, "core/locked_out.html", {"message": message}, status=429)
    response["Retry-After"] = str(retry_after)
    return response


def lockout_response(request, original_response=None, credentials=None):
    """django-axes' answer (AXES_LOCKOUT_CALLABLE) for a locked user name + address."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    message = (
        f"Too many failed sign-ins for this user from your address: it is locked for "
        f"{minutes} minutes, even with the right password. Try again later, or ask an "
        "administrator to unlock it (admin → Access attempts)."
    )
    return too_many_attempts_response(request, message, minutes * 60)


def _window(seconds: int) -> tuple[int, int]:
    """The current fixed window's number and the seconds left in it."""
    now = int(timezone.now().timestamp())
    return now // seconds, seconds - now % seconds


def _count(scope: str, address: str, seconds: int, add: bool) -> tuple[int, int]:
    window, left = _window(seconds)
    key = f"throttle:{scope}:{address}:{window}"
    try:
        return _cache_count(key, seconds, add), left
    except Exception as exc:
        if not _cache_unreachable(exc):
            raise  # a broken cache (a missing table, a bad setting) is a bug, not an outage
        logger.warning("Sign-in throttle not counted (%s: %s): %s", scope, key, exc)
        return 0, left


def _cache_unreachable(exc: Exception) -> bool:
    """The throttle's cache cannot be reached (its database or its Redis server is down):
    sign-in goes on uncounted rather than locking everyone out. Anything else is raised."""
    return is_database_unavailable(exc) or isinstance(exc, (OSError, *_REDIS_UNREACHABLE))


def _cache_count(key: str, seconds: int, add: bool) -> int:
    if not add:
        return cache.get(key, 0)
    if cache.add(key, 1, timeout=seconds + 1):
        return 1
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=seconds + 1)
        return 1


def record_failed_sign_in(request) -> None:
    """Count one failed password or token from the request's address."""
    _count("auth-failures", get_client_ip_address(request), ADDRESS_WINDOW_SECONDS, add=True)


def check_address(request) -> None:
    """Raise TooManyAttempts when the address has used up its failures for this minute."""
    failures, left = _count(
        "auth-failures", get_client_ip_address(request), ADDRESS_WINDOW_SECONDS, add=False
    )
    if failures >= settings.AUTH_FAILURES_PER_ADDRESS:
        raise TooManyAttempts(
            f"Too many failed sign-ins from your address: try again in {left} seconds.", left
        )


def check_password_reset(request) -> None:
    """Count one password-reset request; raise TooManyAttempts over the address's allowance."""
    seconds = settings.PASSWORD_RESET_WINDOW_MINUTES * 60
    requests, left = _count("password-reset", get_client_ip_address(request), seconds, add=True)
    if requests > settings.PASSWORD_RESET_PER_ADDRESS:
        minutes = max(1, round(left / 60))
        raise TooManyAttempts(
            "Too many password-reset requests from your address: check your mailbox for the "
            f"emails already sent, or try again in {minutes} minutes.",
            left,
        )


@receiver(user_login_failed, dispatch_uid="core-count-failed-sign-ins")
def _count_failed_sign_in(sender, credentials, request=None, **kwargs):
    if request is not None:
        record_failed_sign_in(request)


# The screens that check credentials or send reset emails (by URL name).
SIGN_IN_VIEWS = frozenset({"login", "admin:login"})
PASSWORD_RESET_VIEWS = frozenset({"password_reset", "admin_password_reset"})


class ThrottleSignInAttempts:
    """Refuses a sign-in form post from an address over its failure allowance, and a
    password-reset post over the reset allowance, before the view runs."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.method != "POST" or request.resolver_match is None:
            return None
        name = request.resolver_match.view_name
        try:
            if name in SIGN_IN_VIEWS:
                check_address(request)
            elif name in PASSWORD_RESET_VIEWS:
                check_password_reset(request)
        except TooManyAttempts as refused:
            return too_many_attempts_response(request, refused.message, refused.retry_after)
        return None
