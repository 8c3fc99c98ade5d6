"""What a signed-in user sees and what the API answers is never kept by a browser or a proxy
cache (`Cache-Control: no-store`): a shared computer's back button or history, or a cache
between the office and the portal, must not show one user's orders, prices or keys to the next.
Anonymous pages (the sign-in form) and static files (served before this, with their long
cache) keep their own headers."""

from django.utils.cache import patch_cache_control

from core.exceptions import is_api_request


class NoStoreForSignedInAndApi:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if is_api_request(request) or (user is not None and user.is_authenticated):
            patch_cache_control(response, no_store=True, private=True)
        return response
