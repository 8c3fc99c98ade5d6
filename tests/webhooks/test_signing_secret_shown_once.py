"""A subscription's signing secret is shown once — in the answer that makes it, or the one that
rotates it — and never again, in the API or the admin. Rotating gives a new one (shown once);
the old one keeps signing deliveries next to it for the hours chosen (24 by default, 0 for a
leaked secret), so a receiver switches without losing an event."""

import base64
import datetime
import hashlib
import hmac

import pytest
import time_machine
from django.utils import timezone

from core.outbox import outbox_relay
from tests.factories import UserFactory
from tests.webhooks.people import webhook_user
from tests.webhooks.receiver import Receiver
from tests.webhooks.test_subscription_admin import add
from webhooks.models import Subscription
from webhooks.services import subscription_create, subscription_secret_rotate

pytestmark = pytest.mark.django_db


def verifies(request, secret: str) -> bool:
    """The Standard Webhooks check with one secret, as a receiver holding it runs it."""
    headers = request["headers"]
    signed = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.".encode() + request["body"]
    key = base64.b64decode(secret.removeprefix("whsec_"))
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    return any(
        hmac.compare_digest(expected, part.removeprefix("v1,"))
        for part in headers["webhook-signature"].split()
    )


def test_the_admin_shows_the_secret_once_when_adding_and_never_on_the_change_page(
    admin_client,
):
    saved = add(admin_client, "https://hooks.example.com/b2b")
    subscription = Subscription.objects.get()
    assert saved.status_code == 302  # a reload of what follows does not add another
    answer = admin_client.get(saved["Location"])

    assert answer.status_code == 200
    page = answer.content.decode()
    assert subscription.secret.startswith("whsec_") and subscription.secret in page
    assert "it is shown only on this page" in page
    assert "no-store" in answer["Cache-Control"]
    change = admin_client.get(f"/admin/webhooks/subscription/{subscription.pk}/change/")
    assert change.status_code == 200
    assert subscription.secret not in change.content.decode()
    assert "Hidden: it is shown only once" in change.content.decode()
    assert "Rotate signing secret" in change.content.decode()


def test_rotating_in_the_admin_shows_the_new_secret_once(admin_client):
    subscription = subscription_create(url="https://hooks.example.com/b2b", events=["*"])
    old = subscription.secret
    rotate = f"/admin/webhooks/subscription/{subscription.pk}/rotate-secret/"

    confirm = admin_client.get(rotate)
    assert confirm.status_code == 200 and old not in confirm.content.decode()
    answer = admin_client.post(rotate, {"previous_valid_hours": "0"}, follow=True)

    subscription.refresh_from_db()
    assert subscription.secret != old
    assert subscription.secret in answer.content.decode()
    assert "no-store" in answer["Cache-Control"]
    assert subscription.signing_secrets() == [subscription.secret]  # the old one stopped
    change = admin_client.get(f"/admin/webhooks/subscription/{subscription.pk}/change/")
    assert subscription.secret not in change.content.decode()
    assert old not in change.content.decode()
    history = admin_client.get(f"/admin/webhooks/subscription/{subscription.pk}/history/")
    assert "Rotated the signing secret." in history.content.decode()


def test_rotating_needs_the_change_permission_in_the_admin(client):
    subscription = subscription_create(url="https://hooks.example.com/b2b", events=["*"])
    client.force_login(webhook_user("viewer", "view_subscription", is_staff=True))

    answer = client.post(f"/admin/webhooks/subscription/{subscription.pk}/rotate-secret/")

    assert answer.status_code == 403
    assert Subscription.objects.get().secret == subscription.secret


def test_rotating_through_the_api_answers_the_new_secret_only_then(client):
    owner = UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(owner)
    subscription = subscription_create(url="https://hooks.example.com/b2b", events=["*"])

    answer = client.post(
        f"/api/v1/webhooks/{subscription.pk}/rotate-secret",
        {"previous_valid_hours": 24},
        content_type="application/json",
    )

    assert answer.status_code == 200
    body = answer.json()
    subscription.refresh_from_db()
    assert body["secret"] == subscription.secret != subscription.previous_secret
    expires = datetime.datetime.fromisoformat(body["previous_secret_expires_at"])
    assert abs(expires - (timezone.now() + datetime.timedelta(hours=24))).total_seconds() < 60
    again = client.get(f"/api/v1/webhooks/{subscription.pk}").json()
    assert "secret" not in again and subscription.secret not in str(again)
    too_long = client.post(
        f"/api/v1/webhooks/{subscription.pk}/rotate-secret",
        {"previous_valid_hours": 48},
        content_type="application/json",
    )
    assert too_long.status_code == 422
    assert too_long.json()["errors"][0]["field"] == "previous_valid_hours"
    without_a_body = client.post(
        f"/api/v1/webhooks/{subscription.pk}/rotate-secret", content_type="application/json"
    )
    assert without_a_body.status_code == 200  # 24 hours, the default
    assert without_a_body.json()["secret"] != body["secret"]


def test_after_a_rotation_deliveries_verify_with_either_secret_until_the_old_one_expires(
    world, settings
):
    settings.WEBHOOKS_ALLOW_PRIVATE_URLS = True  # the receiver listens on loopback
    receiver = Receiver()
    try:
        subscription = subscription_create(url=receiver.url, events=["sales_order.created"])
        old = subscription.secret
        new = subscription_secret_rotate(subscription=subscription, previous_valid_hours=1).secret
        world.order((world.laptop, 1))
        outbox_relay(lane="webhooks")
        with time_machine.travel(timezone.now() + datetime.timedelta(hours=1, minutes=1)):
            world.order((world.laptop, 2))
            outbox_relay(lane="webhooks")
    finally:
        receiver.close()

    during, after = receiver.requests
    assert verifies(during, old) and verifies(during, new)
    assert verifies(after, new) and not verifies(after, old)


def test_save_and_add_another_shows_the_secret_then_leads_to_the_next(admin_client):
    answer = admin_client.post(
        "/admin/webhooks/subscription/add/",
        follow=True,
        data={
            "url": "https://hooks.example.com/one",
            "events": '["*"]',
            "active": "on",
            "_addanother": "Save and add another",
            "attempts-TOTAL_FORMS": "0",
            "attempts-INITIAL_FORMS": "0",
        },
    )

    page = answer.content.decode()
    assert Subscription.objects.get().secret in page
    assert 'href="/admin/webhooks/subscription/add/"' in page
