"""Users who manage webhooks through the model permissions the admin uses."""

from django.contrib.auth.models import Permission

from tests.factories import UserFactory

ALL = ("add_subscription", "view_subscription", "change_subscription", "delete_subscription")


def webhook_user(username: str, *codenames: str, is_staff: bool = False):
    """A user holding exactly these webhooks permissions (codenames without the app)."""
    user = UserFactory(username=username, is_staff=is_staff)
    user.user_permissions.set(
        Permission.objects.filter(content_type__app_label="webhooks", codename__in=codenames)
    )
    return user
