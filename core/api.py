"""API plumbing shared by every router: authentication, permissions, the error shape.

Every error response is `{"detail": str, "code": str, "errors": [{"field", "message"}]}`.
"""

import datetime
import json
import logging
from decimal import Decimal
from typing import Annotated, Literal

from axes.helpers import get_client_ip_address
from axes.utils import reset as axes_reset
from django.contrib.auth import authenticate
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.db import DatabaseError
from django.http import Http404
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.parser import Parser
from ninja.security import HttpBasicAuth, HttpBearer, SessionAuth
from pydantic import AfterValidator, ConfigDict, Field, PlainSerializer, WithJsonSchema
from pydantic_core import PydanticCustomError

from core.exceptions import JSON_ONLY_MESSAGE, BusinessRuleError, FieldErrors, error_body
from core.lockout import TooManyAttempts, check_address, record_failed_sign_in
from core.money import PRICE, QUANTITY, round_amount
from core.outage import is_database_unavailable, unavailable_response
from core.services import api_token_authenticate
from core.validation import (
    DATE_MAX,
    DATE_MIN,
    DATE_PATTERN,
    DATE_WINDOW_MESSAGE,
    PLAIN_TEXT_MESSAGE,
    PLAIN_TEXT_PATTERN,
    date_in_window,
    plain_text,
)

logger = logging.getLogger("b2b_portal.api")

# Responses carry decimals as strings with their fixed places: "50.000", "900.0000", "12.50".
Quantity = Annotated[Decimal, PlainSerializer(lambda v: f"{v:.3f}", return_type=str)]
Price = Annotated[Decimal, PlainSerializer(lambda v: f"{v:.4f}", return_type=str)]
Amount = Annotated[
    Decimal,
    PlainSerializer(lambda v: str(round_amount(v)), return_type=str),
]


def _values(choices) -> list[str]:
    """The values of a TextChoices class or of a field's (value, label) choices."""
    return list(choices.values) if hasattr(choices, "values") else [v for v, _ in choices]


def choice_of(choices) -> type:
    """A field holding one of the values of `choices` (a TextChoices or a field's choices),
    stated inline as an enum in the OpenAPI description (every model names its choices
    "Status": as shared components they clash)."""
    values = _values(choices)
    return Annotated[Literal[tuple(values)], WithJsonSchema({"type": "string", "enum": values})]


def choice_filter(choices) -> type:
    """A list filter by one of the values of `choices` (an enum in the OpenAPI description);
    left empty (`?status=`) it filters nothing, as leaving it out does."""
    return Literal[(*_values(choices), "")]


def _decimal_in(shape: dict, *, minimum: str, description: str):
    """A decimal input as JSON number or string, with the bounds and places the API enforces
    stated in the OpenAPI description (`minimum`: "gt0", "ge0" or "" for signed)."""
    places, whole = shape["decimal_places"], shape["max_digits"] - shape["decimal_places"]
    limit = float(Decimal(10) ** whole - Decimal(1).scaleb(-places))
    number = {"type": "number", "maximum": limit, "multipleOf": float(Decimal(1).scaleb(-places))}
    sign = "-?" if not minimum else ""
    if minimum == "gt0":
        number["exclusiveMinimum"] = 0
    else:
        number["minimum"] = 0 if minimum == "ge0" else -limit
    string = {"type": "string", "pattern": rf"^{sign}\d{{1,{whole}}}(\.\d{{1,{places}}})?$"}
    bounds = {"gt0": Field(gt=0), "ge0": Field(ge=0), "": Field()}[minimum]
    return Annotated[
        Decimal,
        bounds,
        Field(max_digits=shape["max_digits"], decimal_places=places),
        WithJsonSchema({"anyOf": [number, string], "description": description}),
    ]


QuantityIn = _decimal_in(
    QUANTITY, minimum="gt0", description="A quantity over 0, up to 3 decimals."
)
SignedQuantityIn = _decimal_in(
    QUANTITY, minimum="", description="A signed quantity (+ in, - out), up to 3 decimals."
)
PriceIn = _decimal_in(PRICE, minimum="ge0", description="A unit price, up to 4 decimals.")


class InputSchema(Schema):
    """The base of every request body: a field the operation does not know is refused (422
    naming it) rather than silently ignored — a misspelt `promised_dat` must not look accepted."""

    model_config = ConfigDict(extra="forbid")


def _in_window(value: datetime.date) -> datetime.date:
    if not date_in_window(value):
        raise PydanticCustomError("date_window", DATE_WINDOW_MESSAGE)
    return value


# A date typed into the API: ISO YYYY-MM-DD inside the one window of core.validation.
DateIn = Annotated[
    datetime.date,
    AfterValidator(_in_window),
    WithJsonSchema(
        {
            "type": "string",
            "format": "date",
            "pattern": DATE_PATTERN,
            "description": f"A date YYYY-MM-DD from {DATE_MIN} to {DATE_MAX}.",
        }
    ),
]


def _plain(value: str) -> str:
    if not plain_text(value):
        raise PydanticCustomError("plain_text", PLAIN_TEXT_MESSAGE)
    return value


# A reference, reason or note: one line of visible characters (core.validation); give its
# length bounds with `= Field(...)` where it is used.
PlainText = Annotated[
    str,
    AfterValidator(_plain),
    Field(json_schema_extra={"pattern": PLAIN_TEXT_PATTERN}),
]


def unique_line_numbers(lines: list, *, key=lambda line: line.line_number) -> list:
    """Refuse a line given twice in one request (an acknowledgment, a receipt): which of the
    two promised dates or quantities was meant cannot be guessed. `key` tells lines apart."""
    seen: dict = {}
    for index, line in enumerate(lines):
        first = seen.setdefault(key(line), index)
        if first != index:
            raise PydanticCustomError(
                "duplicate_line",
                "Line {line_number} is also given at lines[{first}]: give each line once.",
                {"line_number": line.line_number, "first": first, "index": index},
            )
    return lines


class UnsupportedMediaType(Exception):
    """A body sent as something else than application/json."""


class DecimalParser(Parser):
    """JSON numbers become Decimal, never float: quantities and money stay exact. Bodies are
    JSON only: a form or text body is refused (415) rather than guessed at."""

    def parse_body(self, request):
        if request.content_type != "application/json":
            raise UnsupportedMediaType(JSON_ONLY_MESSAGE)
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


class FieldErrorOut(Schema):
    field: str
    message: str


class ErrorOut(Schema):
    """Every error answer of the API: what went wrong, a stable code, and the fields at fault."""

    detail: str
    code: str
    errors: list[FieldErrorOut]


# The error answers each operation may give, documented in the OpenAPI description.
_ERROR_RESPONSES = {
    400: "The request contains a NUL character, or its body is not valid JSON.",
    401: "No valid credentials (code `not_authenticated`).",
    403: "Your roles do not allow this (code `permission_denied`).",
    404: "No such document (code `not_found`).",
    409: "The document's state does not allow this now (code `conflict` or the rule's code).",
    413: "The body is over the upload limit (code `too_large`).",
    415: "The body is not sent as `Content-Type: application/json` (code "
    "`unsupported_media_type`).",
    422: "Invalid input: `errors` names each field and what is wrong with it.",
    429: "Too many failed sign-ins from this address or for this user (code "
    "`too_many_attempts`; wait for `Retry-After` seconds).",
    503: "The database cannot be reached for now (code `database_unavailable`): send the "
    "request again after `Retry-After` seconds (an order with its `external_reference` is "
    "never entered twice).",
}


class PortalAPI(NinjaAPI):
    """NinjaAPI whose OpenAPI description also states every operation's error answers, in
    the one error shape, so a schema-driven client is not surprised by a 404 or a 409."""

    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        error_schema = ErrorOut.model_json_schema(ref_template="#/components/schemas/{model}")
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        components.update(error_schema.pop("$defs", {}), ErrorOut=error_schema)
        content = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}}
        for path, operations in schema["paths"].items():
            for method, operation in operations.items():
                codes = {400, 401, 403, 422, 429, 503}
                if "{" in path:
                    codes.add(404)
                if method != "get":
                    codes |= {409, 413}
                if "requestBody" in operation:
                    codes.add(415)
                responses = operation.setdefault("responses", {})
                for code in sorted(codes):
                    responses.setdefault(
                        code, {"description": _ERROR_RESPONSES[code], "content": content}
                    )
        return schema


def require_permission(request, *permissions: str) -> None:
    """Refuse (403) unless the user holds every permission (the role table in core.roles)."""
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


def _error_field(error: dict) -> str:
    loc = tuple(error.get("loc", ()))
    if error.get("type") == "duplicate_line":  # the second of the two lines, not the list
        loc += (error["ctx"]["index"], "line_number")
    return field_path(loc)


def _error_message(error: dict) -> str:
    if error.get("type") == "extra_forbidden":
        return "Unknown field: this request has no such field (check its spelling)."
    return error.get("msg", "is invalid")


def field_errors(errors: list[dict]) -> list[dict]:
    """Pydantic's errors as the error shape's `errors`: a path into the request, a message."""
    return [{"field": _error_field(e), "message": _error_message(e)} for e in errors]


_HTTP_CODES = {
    400: "malformed_request",
    401: "not_authenticated",
    403: "permission_denied",
    404: "not_found",
    405: "malformed_request",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "validation_error",
}


def install_error_handlers(api: NinjaAPI) -> None:
    def respond(request, status, body):
        return api.create_response(request, body, status=status)

    @api.exception_handler(ValidationError)
    def validation_error(request, exc):
        errors = field_errors(exc.errors)
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
        if isinstance(exc.__cause__, UnsupportedMediaType):
            return respond(request, 415, error_body(JSON_ONLY_MESSAGE, "unsupported_media_type"))
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

    @api.exception_handler(DatabaseError)
    def database_error(request, exc):
        # Whatever the operation was doing (the token check, the sign-in throttle, the
        # lockout reset, a read): the database gone is a 503 to send again, not a bug.
        if is_database_unavailable(exc):
            logger.warning("Database unavailable on %s %s: %s", request.method, request.path, exc)
            return unavailable_response(request)
        return server_error(request, exc)

    @api.exception_handler(Exception)
    def server_error(request, exc):
        logger.exception("Unhandled API error on %s %s", request.method, request.path)
        return respond(
            request,
            500,
            error_body("Internal server error: it has been logged.", "server_error"),
        )
