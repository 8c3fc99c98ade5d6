"""What a client locked out by django-axes gets (too many failed sign-ins for one user name
from one address): the API's error shape, or a page that says what to do."""

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render

from core.api import error_body, is_api_request


def lockout_response(request, original_response=None, credentials=None):
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    message = (
        f"Too many failed sign-ins for this user from your address: it is locked for "
        f"{minutes} minutes, even with the right password. Try again later, or ask an "
        "administrator to unlock it (admin → Access attempts)."
    )
    if is_api_request(request):
        response = JsonResponse(error_body(message, "too_many_attempts"), status=429)
    else:
        response = render(request, "core/locked_out.html", {"message": message}, status=429)
    response["Retry-After"] = str(minutes * 60)
    return response
