"""A secret shown once survives what users do by accident: reloading the page that showed it,
submitting the rotation twice, retrying an API call. Rotating again while the old secret is still
signing keeps that old one (the receiver's) signing — not the one just shown and never
installed. Odd admin addresses answer 404, not an error page; a subscription added from a
related-object popup shows its secret too."""

import pytest

from core.outbox import outbox_relay
from tests.factories import UserFactory
from tests.webhooks.receiver import Receiver
from tests.webhooks.test_signing_secret_shown_once import verifies
from webhooks.models import Subscription
from webhooks.services import subscription_create

pytestmark = pytest.mark.django_db


def test_rotating_twice_through_the_api_keeps_the_receivers_secret_signing(
    world, settings, admin_client
):
    settings.WEBHOOKS_ALLOW_PRIVATE_URLS = True
    receiver = Receiver()
    try:
        subscription = subscription_create(url=receiver.url, events=["sales_order.created"])
        installed = subscription.secret  # what the receiver checks with
        rotate = f"/api/v1/webhooks/{subscription.pk}/rotate-secret"
        first = admin_client.post(rotate, {"previous_valid_hours": 24}, "application/json")
        retried = admin_client.post(rotate, {"previous_valid_hours": 24}, "application/json")
        world.order((world.laptop, 1))
        outbox_relay(lane="webhooks")
    finally:
        receiver.close()

    assert first.status_code == retried.status_code == 200
    newest = retried.json()["secret"]
    assert newest != first.json()["secret"]
    (delivery,) = receiver.requests
    assert verifies(delivery, installed)  # the receiver still accepts it
    assert verifies(delivery, newest)  # and will with the secret it is given next


def test_rotating_with_zero_hours_during_an_overlap_stops_every_old_secret(admin_client):
    subscription = subscription_create(url="https://hooks.example.com/b2b", events=["*"])
    rotate = f"/api/v1/webhooks/{subscription.pk}/rotate-secret"
    admin_client.post(rotate, {"previous_valid_hours": 24}, "application/json")
    leaked = admin_client.post(rotate, {"previous_valid_hours": 0}, "application/json").json()

    subscription.refresh_from_db()
    assert subscription.signing_secrets() == [leaked["secret"]]


def test_the_admin_shows_a_rotated_secret_on_a_page_a_reload_does_not_rotate_again(
    admin_client,
):
    subscription = subscription_create(url="https://hooks.example.com/b2b", events=["*"])
    rotate = f"/admin/webhooks/subscription/{subscription.pk}/rotate-secret/"

    posted = admin_client.post(rotate, {"previous_valid_hours": "24"})
    assert posted.status_code == 302
    shown = admin_client.get(posted["Location"])
    subscription.refresh_from_db()
    assert subscription.secret in shown.content.decode()
    assert "no-store" in shown["Cache-Control"]

    reloaded = admin_client.get(posted["Location"], follow=True)
    assert Subscription.objects.get().secret == subscription.secret  # not rotated again
    page = reloaded.content.decode()
    assert subscription.secret not in page
    assert "shown once and cannot be shown again" in page
    assert reloaded.redirect_chain[-1][0].endswith(f"/{subscription.pk}/change/")


@pytest.mark.parametrize("view", ["rotate-secret", "secret"])
def test_an_admin_address_with_an_id_that_is_no_number_answers_404(admin_client, view):
    assert admin_client.get(f"/admin/webhooks/subscription/abc/{view}/").status_code == 404
    assert admin_client.post(f"/admin/webhooks/subscription/abc/{view}/").status_code == 404
    assert admin_client.get(f"/admin/webhooks/subscription/999/{view}/").status_code == 404


def test_a_subscription_added_in_a_popup_shows_its_secret_there(admin_client):
    answer = admin_client.post(
        "/admin/webhooks/subscription/add/?_popup=1",
        {
            "url": "https://hooks.example.com/b2b",
            "events": '["*"]',
            "active": "on",
            "_popup": "1",
            "attempts-TOTAL_FORMS": "0",
            "attempts-INITIAL_FORMS": "0",
        },
        follow=True,
    )

    assert answer.status_code == 200
    assert Subscription.objects.get().secret in answer.content.decode()
    assert "it is shown only on this page" in answer.content.decode()


def test_the_secret_page_needs_a_webhooks_permission(client):
    subscription = subscription_create(url="https://hooks.example.com/b2b", events=["*"])
    client.force_login(UserFactory(username="clerk", is_staff=True))

    answer = client.get(f"/admin/webhooks/subscription/{subscription.pk}/secret/")

    assert answer.status_code == 403
