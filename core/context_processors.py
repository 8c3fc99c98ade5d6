from django.conf import settings
from django.utils.functional import SimpleLazyObject

from core.middleware_session import signed_out_message
from core.models import Notification
from core.navigation import navigation_for
from core.roles import roles_of


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {
            "nav_items": [],
            "user_roles": [],
            "currency": settings.CURRENCY,
            "signed_out_message": signed_out_message(request),
        }
    return {
        "nav_items": navigation_for(user, request.path),
        "user_roles": roles_of(user),
        "currency": settings.CURRENCY,
        "unread_notifications": SimpleLazyObject(
            lambda: Notification.objects.filter(user=user, read_at__isnull=True).count()
        ),
    }
