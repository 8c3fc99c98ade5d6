"""The webhook subscriptions API: the webhooks permissions, the secret shown once, URLs and
event types checked (no private addresses), and the list convention."""

import pytest

from tests.webhooks.people import ALL, EVENTS, webhook_user
from webhooks.models import Subscription

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client):
    client.force_login(webhook_user("ada", *ALL, *EVENTS, is_staff=True))
    return client


def post(client, body):
    return client.post("/api/v1/webhooks", body, content_type="application/json")


def test_staff_subscribe_and_see_the_secret_only_once(staff):
    answer = post(staff, {"url": "https://hooks.example.com/b2b", "events": ["*"]})

    assert answer.status_code == 201
    body = answer.json()
    assert body["secret"].startswith("whsec_") and body["active"] is True
    again = staff.get(f"/api/v1/webhooks/{body['id']}").json()
    assert "secret" not in again and again["url"] == "https://hooks.example.com/b2b"
    listed = staff.get("/api/v1/webhooks").json()
    assert listed["count"] == 1 and "secret" not in listed["items"][0]
    assert staff.delete(f"/api/v1/webhooks/{body['id']}").status_code == 204
    assert not Subscription.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"url": "ftp://hooks.example.com", "events": ["*"]}, "url"),
        ({"url": "http://127.0.0.1:8000/x", "events": ["*"]}, "url"),
        ({"url": "http://10.0.0.5/x", "events": ["*"]}, "url"),
        ({"url": "https://hooks.example.com", "events": ["order.eaten"]}, "events[0]"),
        ({"url": "https://hooks.example.com", "events": ["*"], "secret": "plain"}, "secret"),
        ({"url": "https://hooks.example.com", "events": []}, "events"),
    ],
)
def test_bad_subscriptions_are_refused_with_the_field(staff, body, field):
    answer = post(staff, body)
    assert answer.status_code == 422
    assert field in {e["field"] for e in answer.json()["errors"]}
    assert not Subscription.objects.exists()


def test_roles_without_the_webhooks_permissions_are_refused(client_for):
    client = client_for("orchestration_manager")
    assert post(client, {"url": "https://hooks.example.com", "events": ["*"]}).status_code == 403
    assert client.get("/api/v1/webhooks").status_code == 403
