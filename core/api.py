"""API plumbing shared by every router: authentication, permissions, the error shape.

Every error response is `{"detail": str, "code": str, "errors": [{"field", "message"}]}`.
"""

import json
import logging
from decimal import Decimal
from typing import Annotated

from axes.helpers import get_client_ip_address
from axes.utils import reset as axes_reset
from django.contrib.auth import authenticate
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.http import Http404
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.parser import Parser
from ninja.security import HttpBasicAuth, HttpBearer, SessionAuth
from pydantic import PlainSerializer

from core.exceptions import BusinessRuleError, FieldErrors, error_body
from core.lockout import TooManyAttempts, check_address, record_failed_sign_in
from core.money import round_amount
from core.services import api_token_authenticate

logger = logging.getLogger("b2b_portal.api")

# Responses carry decimals as strings with their fixed places: "50.000", "900.0000", "12.50".
Quantity = Annotated[Decimal, PlainSerializer(lambda v: f"{v:.3f}", return_type=str)]
Price = Annotated[Decimal, PlainSerializer(lambda v: f"{v:.4f}", return_type=str)]
Amount = Annotated[
    Decimal,
    PlainSerializer(lambda v: str(round_amount(v)), return_type=str),
]


class DecimalParser(Parser):
    """JSON numbers become Decimal, never float: quantities and money stay exact."""

    def parse_body(self, request):
        return json.loads(request.body, parse_float=Decimal)


def _scheme(request) -> str:
    return request.headers.get("Authorization", "").partition(" ")[0].lower()


class TokenAuth(HttpBearer):
    """`Authorization: Bearer b2b_…` — a personal token (profile page or create_api_token)."""

    def __call__(self, request):
        # Only look at Bearer headers: ninja would log any other header, credentials included.
        return super().__call__(request) if _scheme(request) == "bearer" else None

    def authenticate(self, request, token):
        user = api_token_authenticate(token)
        if user is not None:
            request.user = user  # a valid token is never throttled
            return user
        check_address(request)
        record_failed_sign_in(request)
        return None


class BasicAuth(HttpBasicAuth):
    """HTTP Basic with the user's password (each call pays a password hash: prefer tokens)."""

    def __call__(self, request):
        return super().__call__(request) if _scheme(request) == "basic" else None

    def authenticate(self, request, username, password):
        check_address(request)  # before the password hash, which costs the CPU time
        user = authenticate(request, username=username, password=password)
        if user is not None and user.is_active:
            request.user = user
            # As a sign-in on the form does (AXES_RESET_ON_SUCCESS): earlier failures of this
            # user from this address no longer count towards a lockout.
            axes_reset(ip=get_client_ip_address(request), username=username)
            return user
        return None


class SignedInSession(SessionAuth):
    """The browser session, CSRF-checked on unsafe methods as the screens are. A request with
    no signed-in session is simply not authenticated by it (401), not a CSRF failure (403)."""

    def __call__(self, request):
        if not request.user.is_authenticated:
            return None
        return super().__call__(request)


AUTH = [TokenAuth(), BasicAuth(), SignedInSession()]


def require_permission(request, *permissions: str) -> None:
    """Refuse (403) unless the user holds every permission (DESIGN §1 role table)."""
    missing = [p for p in permissions if not request.user.has_perm(p)]
    if missing:
        raise PermissionDenied(f"Your roles do not allow this (needs {', '.join(missing)}).")


def field_path(loc) -> str:
    """("body", "payload", "lines", 0, "quantity") -> "lines[0].quantity"."""
    parts = list(loc)
    if parts and parts[0] == "body":
        parts = parts[2:]  # the location and the name of the body parameter
    elif parts and parts[0] in ("query", "path", "header", "cookie", "form"):
        parts = parts[1:]
    path = ""
    for part in parts:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path


_HTTP_CODES = {
    400: "malformed_request",
    401: "not_authenticated",
    403: "permission_denied",
    404: "not_found",
    405: "malformed_request",
    409: "conflict",
    413: "too_large",
    422: "validation_error",
}


def install_error_handlers(api: NinjaAPI) -> None:
    def respond(request, status, body):
        return api.create_response(request, body, status=status)

    @api.exception_handler(ValidationError)
    def validation_error(request, exc):
        errors = [
            {"field": field_path(e.get("loc", ())), "message": e.get("msg", "is invalid")}
            for e in exc.errors
        ]
        fields = ", ".join(e["field"] for e in errors if e["field"])
        detail = f"The request is invalid: check {fields}." if fields else "The request is invalid."
        return respond(request, 422, error_body(detail, "validation_error", errors))

    @api.exception_handler(AuthenticationError)
    def not_authenticated(request, exc):
        response = respond(
            request,
            401,
            error_body(
                "Authentication required: send an API token (Authorization: Bearer …), "
                "HTTP Basic credentials or a session cookie.",
                "not_authenticated",
            ),
        )
        response["WWW-Authenticate"] = 'Bearer realm="b2b-portal"'
        return response

    @api.exception_handler(HttpError)
    def http_error(request, exc):
        code = _HTTP_CODES.get(exc.status_code, "business_rule")
        detail = str(exc)
        if exc.status_code == 400:
            detail = "The request body is not valid JSON."
        return respond(request, exc.status_code, error_body(detail, code))

    @api.exception_handler(TooManyAttempts)
    def too_many_attempts(request, exc):
        response = respond(request, 429, error_body(exc.message, "too_many_attempts"))
        response["Retry-After"] = str(exc.retry_after)
        return response

    @api.exception_handler(PermissionDenied)
    def permission_denied(request, exc):
        detail = str(exc) or "Your roles do not allow this."
        return respond(request, 403, error_body(detail, "permission_denied"))

    @api.exception_handler(Http404)
    def not_found(request, exc):
        return respond(request, 404, error_body("Not found.", "not_found"))

    @api.exception_handler(ObjectDoesNotExist)
    def does_not_exist(request, exc):
        return respond(request, 404, error_body("Not found.", "not_found"))

    @api.exception_handler(BusinessRuleError)
    def business_rule(request, exc):
        if isinstance(exc, FieldErrors):
            errors = [{"field": field, "message": message} for field, message in exc.errors]
        else:
            errors = [{"field": exc.field, "message": exc.message}] if exc.field else []
        return respond(request, exc.status, error_body(exc.message, exc.code, errors))

    @api.exception_handler(Exception)
    def server_error(request, exc):
        logger.exception("Unhandled API error on %s %s", request.method, request.path)
        return respond(
            request,
            500,
            error_body("Internal server error: it has been logged.", "server_error"),
        )
