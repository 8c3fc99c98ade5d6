"""The database cannot be reached (a restart, a failover, a network cut): every request is
answered 503 Service Unavailable with `Retry-After`, never 500 — the API in its error shape
(code `database_unavailable`), the screens with a page that says to try again in a moment.

Three places turn the failure into that answer, because Django routes a failure by where it
happens: the API's exception handlers (core.api) for what an API operation raises, the
middleware below for what a screen's view raises (also under DEBUG), and `server_error`
(handler500) for what a middleware raises on the way in or out (the session, the signed-in
user, the sign-in throttle). Any other failure stays a 500 that is logged as a bug.
"""

import logging
import sqlite3
import sys
import time

from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError, connections
from django.http import HttpResponse, JsonResponse
from django.template import loader
from django.views.defaults import server_error as django_server_error

from core.exceptions import error_body, is_api_request

logger = logging.getLogger("b2b_portal.outage")

UNAVAILABLE_MESSAGE = (
    "The database cannot be reached right now (a restart or a failover): send the request "
    "again in {seconds} seconds."
)

# PostgreSQL's codes for "the server is not there for you now" (SQLSTATE classes and codes):
# connection exceptions, administrator / crash shutdown, starting up, too many connections.
_UNAVAILABLE_SQLSTATES = ("08", "57P01", "57P02", "57P03", "53300")
# SQLite's: the file is locked by a writer for longer than the timeout, or cannot be opened.
_UNAVAILABLE_SQLITE = {"SQLITE_BUSY", "SQLITE_LOCKED", "SQLITE_CANTOPEN", "SQLITE_IOERR"}


def is_database_unavailable(exc: BaseException | None) -> bool:
    """Whether `exc` says the database cannot be reached (not that a query is wrong: a missing
    table or a bad statement stays a bug)."""
    if isinstance(exc, InterfaceError):
        return True  # the connection is closed or broken
    if not isinstance(exc, OperationalError):
        return False
    cause = exc.__cause__
    if isinstance(cause, sqlite3.OperationalError):
        name = getattr(cause, "sqlite_errorname", "")  # extended: SQLITE_IOERR_SHORT_READ
        return any(name == base or name.startswith(f"{base}_") for base in _UNAVAILABLE_SQLITE)
    sqlstate = getattr(cause, "sqlstate", None)
    if sqlstate is None:
        # psycopg: no SQLSTATE means no answer from a server at all (refused, reset, closed,
        # no connection from the pool in time).
        return True
    return sqlstate.startswith(_UNAVAILABLE_SQLSTATES)


def retry_after() -> int:
    return settings.DATABASE_UNAVAILABLE_RETRY_AFTER


def unavailable_response(request):
    """503 with Retry-After: the API's error shape, or a page that needs no database."""
    seconds = retry_after()
    message = UNAVAILABLE_MESSAGE.format(seconds=seconds)
    if request is not None and is_api_request(request):
        response = JsonResponse(error_body(message, "database_unavailable"), status=503)
    else:
        # Rendered without a request context: the context processors would read the database.
        page = loader.get_template("503.html").render({"retry_after": seconds})
        response = HttpResponse(page, status=503, content_type="text/html; charset=utf-8")
    response["Retry-After"] = str(seconds)
    response["Cache-Control"] = "no-store"
    return response


class AnswerDatabaseOutage:
    """A screen's view that finds the database gone answers 503, under DEBUG too (where Django
    would otherwise show its technical 500 page)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if is_database_unavailable(exception):
            logger.warning(
                "Database unavailable on %s %s: %s", request.method, request.path, exception
            )
            return unavailable_response(request)
        return None


def server_error(request, template_name="500.html"):
    """handler500: a failure raised outside any view (a middleware reading the session or the
    signed-in user) because the database is gone is a 503 too; anything else is the 500 page."""
    exception = sys.exc_info()[1]
    if is_database_unavailable(exception):
        return unavailable_response(request)
    if request is not None and is_api_request(request):
        return JsonResponse(
            error_body("Internal server error: it has been logged.", "server_error"), status=500
        )
    return django_server_error(request, template_name=template_name)


def read_while_unavailable(read, *, seconds: float):
    """`read()`, tried again on a new connection while the database cannot be reached, for
    up to `seconds`; then the last failure is raised. For a read that follows a commit: what
    was done must not be answered as an error because the database left just after."""
    deadline = time.monotonic() + seconds
    pause = 0.1
    while True:
        try:
            return read()
        except DatabaseError as exc:
            if not is_database_unavailable(exc) or time.monotonic() + pause > deadline:
                raise
            logger.warning("Database unavailable, reading again in %.1f s: %s", pause, exc)
        # The broken connection is dropped; the next query opens a new one.
        connections.close_all()
        time.sleep(pause)
        pause = min(pause * 2, 1.0)


class OutageWithoutTracebacks(logging.Filter):
    """django.request logs a failure raised outside a view with its traceback; for a request
    refused because the database cannot be reached, one warning line with the reason is
    enough (a traceback per request during an outage would bury the failures that are bugs)."""

    def filter(self, record):
        exception = record.exc_info[1] if record.exc_info else None
        if is_database_unavailable(exception) and isinstance(record.args, tuple):
            record.msg = f"{record.msg} (database unavailable: %s)"
            record.args = (*record.args, str(exception).splitlines()[0] if str(exception) else "")
            record.exc_info = record.exc_text = None
            record.levelno, record.levelname = logging.WARNING, "WARNING"
        return True
