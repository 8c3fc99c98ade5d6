"""Whether a user may open a page of the portal, by the permission of its route
(core.roles.ROUTE_PERMISSIONS): a screen shows a document reference as a link only when the
link would not answer 403."""

from urllib.parse import urlsplit

from django.urls import Resolver404, resolve

from core.roles import ROUTE_PERMISSIONS


def may_open(user, url: str) -> bool:
    """True when `user` may open `url` (a path of this site, query string allowed). A URL of
    no route here, or of a route without a permission, is left to its page to decide."""
    if not url:
        return False
    try:
        match = resolve(urlsplit(url).path)
    except Resolver404:
        return True
    name = match.view_name
    if "action" in match.kwargs:
        name = f"{name}[{match.kwargs['action']}]"
    permission = ROUTE_PERMISSIONS.get(name)
    return permission is None or bool(user and user.has_perm(permission))
