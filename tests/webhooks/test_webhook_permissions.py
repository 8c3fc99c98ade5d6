"""Who may manage webhook subscriptions through the API: exactly the holders of the model
permissions the admin uses (add, view, change, delete subscription). Being staff gives none of
them: a staff user without them can neither subscribe to events nor read, rotate or delete
anybody's subscription. Subscribing to an event type also needs the view permission of the
document it carries ("*": all of them), in the API and the admin alike."""

import pytest

from tests.factories import UserFactory
from tests.webhooks.people import EVENTS, webhook_user
from webhooks.models import Subscription
from webhooks.services import subscription_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def theirs():
    """Somebody else's subscription."""
    owner = UserFactory(username="owner", is_superuser=True, is_staff=True)
    return subscription_create(
        url="https://hooks.example.com/theirs", events=["invoice.posted"], acting_user=owner
    )


def calls(client, subscription):
    """Each webhook operation as (name, answer status)."""
    pk = subscription.pk
    answers = {
        "subscribe": client.post(
            "/api/v1/webhooks",
            {"url": "https://erp.example.com/mine", "events": ["shipment.confirmed"]},
            content_type="application/json",
        ),
        "list": client.get("/api/v1/webhooks"),
        "read": client.get(f"/api/v1/webhooks/{pk}"),
        "deliveries": client.get(f"/api/v1/webhooks/{pk}/deliveries"),
        "rotate": client.post(
            f"/api/v1/webhooks/{pk}/rotate-secret", {}, content_type="application/json"
        ),
        "delete": client.delete(f"/api/v1/webhooks/{pk}"),
    }
    return {name: answer.status_code for name, answer in answers.items()}


def test_a_staff_user_without_the_permissions_can_do_nothing(client, theirs):
    client.force_login(UserFactory(username="staff-only", is_staff=True))

    assert set(calls(client, theirs).values()) == {403}
    assert Subscription.objects.get() == theirs
    assert Subscription.objects.get().secret == theirs.secret  # not rotated either
    refused = client.post(
        "/api/v1/webhooks",
        {"url": "https://erp.example.com/x", "events": ["*"]},
        content_type="application/json",
    ).json()
    assert refused["detail"] == ("Your roles do not allow this (needs webhooks.add_subscription).")


@pytest.mark.parametrize(
    ("codenames", "allowed"),
    [
        (("view_subscription",), {"list", "read", "deliveries"}),
        (("add_subscription", "warehouse.view_shipment"), {"subscribe"}),
        (("change_subscription",), {"rotate"}),
        (("delete_subscription",), {"delete"}),
    ],
)
def test_each_permission_opens_exactly_its_operations(client, theirs, codenames, allowed):
    client.force_login(webhook_user("integrator", *codenames))

    answers = calls(client, theirs)

    assert {name for name, status in answers.items() if status != 403} == allowed
    assert all(status in (200, 201, 204) for name, status in answers.items() if name in allowed)
    assert Subscription.objects.filter(pk=theirs.pk).exists() == ("delete" not in allowed)


def test_a_superuser_may_do_everything(client, theirs):
    client.force_login(UserFactory(username="root", is_superuser=True, is_staff=True))

    assert calls(client, theirs) == {
        "subscribe": 201,
        "list": 200,
        "read": 200,
        "deliveries": 200,
        "rotate": 200,
        "delete": 204,
    }


def post(client, events):
    return client.post(
        "/api/v1/webhooks",
        {"url": "https://erp.example.com/b2b", "events": events},
        content_type="application/json",
    )


def test_subscribing_to_an_event_needs_the_view_permission_of_its_document(client):
    client.force_login(
        webhook_user("warehouse-integrator", "add_subscription", "warehouse.view_shipment")
    )

    invoices = post(client, ["shipment.confirmed", "invoice.posted"])
    everything = post(client, ["*"])
    shipments = post(client, ["shipment.confirmed"])

    assert invoices.status_code == everything.status_code == 403
    assert invoices.json()["detail"] == (
        "Your roles do not allow these events (needs billing.view_invoice): an event carries "
        "its document's data."
    )
    assert "orders.view_salesorder" in everything.json()["detail"]
    assert shipments.status_code == 201
    assert list(Subscription.objects.values_list("events", flat=True)) == [["shipment.confirmed"]]


def test_all_events_need_every_view_permission(client):
    client.force_login(webhook_user("erp", "add_subscription", *EVENTS))

    assert post(client, ["*"]).status_code == 201


def test_the_admin_refuses_events_the_user_may_not_read(client):
    client.force_login(
        webhook_user("admin-ops", "add_subscription", "view_subscription", is_staff=True)
    )

    answer = client.post(
        "/admin/webhooks/subscription/add/",
        {
            "url": "https://erp.example.com/b2b",
            "events": '["invoice.posted"]',
            "active": "on",
            "attempts-TOTAL_FORMS": "0",
            "attempts-INITIAL_FORMS": "0",
        },
    )

    assert answer.status_code == 200
    assert answer.context["adminform"].form.errors["events"] == [
        "Your roles do not allow these events (needs billing.view_invoice): an event carries "
        "its document's data."
    ]
    assert not Subscription.objects.exists()
