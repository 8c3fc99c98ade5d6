"""What an event carries is sent only while whoever subscribed may still read it: a subscriber
who loses the view permission, or is deactivated, gets no more events — each one not sent is a
failed attempt saying why, not retried."""

import pytest
from django.contrib.auth.models import Permission

from core.models import OutboxMessage
from core.outbox import outbox_relay
from tests.webhooks.people import webhook_user
from webhooks.events import EVENT_PERMISSIONS
from webhooks.models import DeliveryAttempt
from webhooks.services import subscription_create

pytestmark = pytest.mark.django_db

NEEDED = EVENT_PERMISSIONS["sales_order.created"]  # the view permission of sales orders


def subscribed(receiver):
    user = webhook_user("erp", "add_subscription", NEEDED)
    subscription = subscription_create(
        url=receiver.url, events=["sales_order.created"], acting_user=user
    )
    return user, subscription


def deliver_one_order(world):
    world.order((world.laptop, 1))
    outbox_relay()
    outbox_relay(lane="webhooks")


def test_a_subscriber_who_loses_the_view_permission_gets_no_more_events(world, receiver):
    user, subscription = subscribed(receiver)
    deliver_one_order(world)
    assert len(receiver.requests) == 1  # while allowed

    app, codename = NEEDED.split(".")
    user.user_permissions.remove(
        Permission.objects.get(content_type__app_label=app, codename=codename)
    )
    deliver_one_order(world)

    assert len(receiver.requests) == 1
    refused = DeliveryAttempt.objects.filter(subscription=subscription).exclude(error="").get()
    assert "may no longer read" in refused.error and NEEDED in refused.error
    assert refused.status_code is None
    statuses = sorted(
        OutboxMessage.objects.filter(topic="webhooks.deliver").values_list("status", flat=True)
    )
    assert statuses == ["DELIVERED", "FAILED"]  # not retried


def test_a_deactivated_subscriber_gets_no_more_events(world, receiver):
    user, subscription = subscribed(receiver)
    user.is_active = False
    user.save()

    deliver_one_order(world)

    assert receiver.requests == []
    attempt = DeliveryAttempt.objects.get(subscription=subscription)
    assert "is deactivated" in attempt.error
    assert OutboxMessage.objects.get(topic="webhooks.deliver").status == "FAILED"
