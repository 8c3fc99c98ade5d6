"""Sessions end after SESSION_IDLE_HOURS without a request (a screen left open on a shared
computer) and, whatever the activity, SESSION_MAX_AGE_HOURS after signing in. The user is then
signed out: a page sends them to the sign-in form, which says why; the API answers 401."""

import time
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in
from django.db import DatabaseError
from django.dispatch import receiver
from django.http import HttpResponse
from django.shortcuts import resolve_url

SIGNED_IN_AT = "b2b_signed_in_at"
LAST_SEEN_AT = "b2b_last_seen_at"
SIGNED_OUT = "b2b_signed_out"  # read by the sign-in form
# Activity is written to the session at most this often (a session write per request costs a
# database write per request); the idle limit is exact to within this.
TOUCH_EVERY_SECONDS = 60
# Sent by a part of a screen that refreshes itself (hx-headers on the polling element): such a
# request is answered, and still signed out past a limit, but is not activity.
POLL_HEADER = "X-B2B-Poll"


class SignOutIdleSessions:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        try:
            signed_out = user is not None and user.is_authenticated and _check(request)
        except DatabaseError:
            # The session cannot be read (the database is gone): nothing to check; whatever
            # the request needs from the database is answered 503 (core.outage).
            signed_out = False
        if signed_out and request.headers.get("HX-Request") == "true":
            # A screen's partial update: load the sign-in form as the whole page (htmx would
            # otherwise put it inside the part being updated), then back to this screen.
            return HttpResponse(headers={"HX-Redirect": _sign_in_then(request)})
        return self.get_response(request)


def _sign_in_then(request) -> str:
    current = urlsplit(request.headers.get("HX-Current-URL", ""))
    back = current.path + (f"?{current.query}" if current.query else "") or request.path
    return f"{resolve_url(settings.LOGIN_URL)}?{urlencode({'next': back})}"


def _check(request) -> bool:
    """Sign the user out if the session is over a limit; True when it was."""
    session, now = request.session, time.time()
    signed_in_at = session.get(SIGNED_IN_AT)
    last_seen_at = session.get(LAST_SEEN_AT)
    if signed_in_at is None:  # a session from before this rule: it starts now
        session[SIGNED_IN_AT] = session[LAST_SEEN_AT] = now
        return False
    reason = None
    if now - signed_in_at > settings.SESSION_MAX_AGE_HOURS * 3600:
        reason = "max_age"
    elif last_seen_at is not None and now - last_seen_at > settings.SESSION_IDLE_HOURS * 3600:
        reason = "idle"
    if reason:
        logout(request)  # a fresh, empty session: the next page is the sign-in form
        request.session[SIGNED_OUT] = reason
        return True
    if request.headers.get(POLL_HEADER):
        return False  # a screen refreshing itself is not someone at the keyboard
    if last_seen_at is None or now - last_seen_at >= TOUCH_EVERY_SECONDS:
        session[LAST_SEEN_AT] = now
    return False


@receiver(user_logged_in, dispatch_uid="core-session-signed-in-at")
def _signed_in(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        now = time.time()
        request.session[SIGNED_IN_AT] = request.session[LAST_SEEN_AT] = now
        request.session.pop(SIGNED_OUT, None)


SIGNED_OUT_MESSAGES = {
    "idle": "You were signed out after {hours} without activity: sign in again.",
    "max_age": "You were signed out {hours} after signing in: sign in again.",
}


def signed_out_message(request) -> str:
    """Why the last session ended, for the sign-in form ('' if it was not ended by a limit)."""
    reason = request.session.get(SIGNED_OUT) if hasattr(request, "session") else None
    if reason not in SIGNED_OUT_MESSAGES:
        return ""
    hours = settings.SESSION_IDLE_HOURS if reason == "idle" else settings.SESSION_MAX_AGE_HOURS
    return SIGNED_OUT_MESSAGES[reason].format(hours=_hours(hours))


def _hours(hours: float) -> str:
    if hours < 1:
        return f"{round(hours * 60)} minutes"
    return "1 hour" if hours == 1 else f"{hours:g} hours"
