"""Who may manage webhook subscriptions through the API: exactly the holders of the model
permissions the admin uses (add, view, change, delete subscription). Being staff gives none of
them: a staff user without them can neither subscribe to events nor read, rotate or delete
anybody's subscription."""

import pytest

from tests.factories import UserFactory
from tests.webhooks.people import webhook_user
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
            {"url": "https://erp.example.com/mine", "events": ["*"]},
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
        (("add_subscription",), {"subscribe"}),
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
