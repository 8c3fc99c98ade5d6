"""Users who manage webhooks through the model permissions the admin uses."""

from django.contrib.auth.models import Permission
from django.db.models import Q

from tests.factories import UserFactory
from webhooks.events import EVENT_PERMISSIONS

ALL = ("add_subscription", "view_subscription", "change_subscription", "delete_subscription")
# What every event carries: the view permissions of its documents ("*" needs them all).
EVENTS = tuple(sorted(set(EVENT_PERMISSIONS.values())))


def webhook_user(username: str, *permissions: str, is_staff: bool = False):
    """A user holding exactly these permissions: webhooks codenames ("add_subscription") or
    "app.codename" for others."""
    query = Q(pk__in=[])
    for permission in permissions:
        app, _, codename = permission.rpartition(".")
        query |= Q(content_type__app_label=app or "webhooks", codename=codename)
    user = UserFactory(username=username, is_staff=is_staff)
    user.user_permissions.set(Permission.objects.filter(query))
    return user
