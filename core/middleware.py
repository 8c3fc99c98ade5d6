"""Requests refused before any view reads them: NUL characters (no text column can store one:
PostgreSQL refuses them with an error) and bodies over DATA_UPLOAD_MAX_MEMORY_SIZE; and an API
method a path does not take, answered in the error shape."""

import base64
import binascii

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpResponse, JsonResponse
from django.urls import get_resolver, get_urlconf

from core.exceptions import error_body, is_api_request

NUL_MESSAGE = "The request contains a NUL character (\\u0000), which no field accepts: remove it."
TOO_BIG_MESSAGE = "The request body is too large: send at most {limit:,} bytes."


def _has_nul(request) -> bool:
    if "\x00" in request.path:
        return True
    for key, values in request.GET.lists():
        if "\x00" in key or any("\x00" in value for value in values):
            return True
    scheme, _, credentials = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "basic":
        try:
            if b"\x00" in base64.b64decode(credentials, validate=True):
                return True
        except binascii.Error:
            pass  # not ours to judge: the API answers 401
    if request.method in ("POST", "PUT", "PATCH"):
        content_type = request.content_type or ""
        if content_type == "application/json":
            body = request.body
            return b"\x00" in body or b"\\u0000" in body.lower()
        if is_api_request(request):
            # The API reads JSON only (a form body is a 415 where a body is read): reading the
            # form here would leave the API no body to refuse.
            return False
        if content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            return any(
                "\x00" in key or any("\x00" in value for value in values)
                for key, values in request.POST.lists()
            )
    return False


def _refuse(request, status: int, message: str, code: str) -> HttpResponse:
    if is_api_request(request):
        return JsonResponse(error_body(message, code), status=status)
    return HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")


class RefuseUnreadableRequests:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            nul = _has_nul(request)
        except RequestDataTooBig:
            limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
            return _refuse(request, 413, TOO_BIG_MESSAGE.format(limit=limit), "too_large")
        if nul:
            return _refuse(request, 400, NUL_MESSAGE, "malformed_request")
        response = self.get_response(request)
        if response.status_code == 405 and is_api_request(request):
            # The API answers a method its path does not take in its error shape, naming the
            # methods it does take (Django's own answer is an empty HTML page).
            allowed = response.get("Allow", "")
            refused = JsonResponse(
                error_body(
                    f"{request.method} is not allowed here: use {allowed or 'another method'}.",
                    "method_not_allowed",
                ),
                status=405,
            )
            refused["Allow"] = allowed
            return refused
        return response


class FriendlyNotFoundInDebug:
    """Under DEBUG Django answers a 404 with its technical page (the URL list, the view that
    raised it), not with handler404. `make run` runs with DEBUG=1 and is where people try the
    portal, so there too a 404 gets the page that says what to do next. DEBUG_TECHNICAL_404=1
    brings Django's page back for a developer; without DEBUG this does nothing."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code == 404 and request.resolver_match is None and _friendly():
            return _not_found(request, None)  # no view matched the address
        return response

    def process_exception(self, request, exception):
        if isinstance(exception, Http404) and _friendly():
            return _not_found(request, exception)  # a view found no such document
        return None


def _friendly() -> bool:
    return settings.DEBUG and not settings.DEBUG_TECHNICAL_404


def _not_found(request, exception):
    """The page of the URL configuration's handler404, as without DEBUG."""
    return get_resolver(get_urlconf()).resolve_error_handler(404)(request, exception)
