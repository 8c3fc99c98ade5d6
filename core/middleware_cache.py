"""What a signed-in user sees and what the API answers is never kept by a browser or a proxy
cache (`Cache-Control: no-store`): a shared computer's back button or history, or a cache
between the office and the portal, must not show one user's orders, prices or keys to the next.
Anonymous pages (the sign-in form) and static files (served before this, with their long
cache) keep their own headers."""

from django.db import DatabaseError
from django.utils.cache import patch_cache_control

from core.exceptions import is_api_request


class NoStoreForSignedInAndApi:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if is_api_request(request) or _signed_in(request):
            patch_cache_control(response, no_store=True, private=True)
        return response


def _signed_in(request) -> bool:
    user = getattr(request, "user", None)
    try:
        return user is not None and user.is_authenticated
    except DatabaseError:  # the session could not be read (database gone): never store it
        return True
