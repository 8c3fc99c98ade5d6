"""Staff manage subscriptions in the admin with the API's checks, as field messages."""

import pytest

from webhooks.models import Subscription

pytestmark = pytest.mark.django_db


def add(client, url, events='["*"]', description=""):
    return client.post(
        "/admin/webhooks/subscription/add/",
        {
            "url": url,
            "events": events,
            "description": description,
            "active": "on",
            "attempts-TOTAL_FORMS": "0",  # the (read-only) deliveries inline
            "attempts-INITIAL_FORMS": "0",
        },
    )


def test_a_private_address_or_an_unknown_event_is_a_field_message(admin_client, settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_URLS = False
    settings.DEBUG = False

    private = add(admin_client, "http://127.0.0.1:9/hook")
    unknown = add(admin_client, "https://hooks.example.com/b2b", '["order.eaten"]')

    assert private.status_code == unknown.status_code == 200  # the form again, not a 500
    assert "Only public addresses are allowed" in private.content.decode()
    assert "Unknown event type(s): order.eaten." in unknown.content.decode()
    assert Subscription.objects.count() == 0


def test_the_admin_keeps_the_url_as_it_is_sent(admin_client):
    answer = add(admin_client, "https://HOOKS.Exa%6Dple.com/b2b")

    assert answer.status_code == 302  # to the page showing the secret once
    assert Subscription.objects.get().url == "https://hooks.example.com/b2b"


def test_a_description_with_a_line_break_or_a_bidi_override_is_refused(admin_client):
    broken = add(admin_client, "https://hooks.example.com/b2b", description="ERP\nfeed")
    turned = add(admin_client, "https://hooks.example.com/b2b", description="ERP \u202efeed")

    assert broken.status_code == turned.status_code == 200  # the form again, with the message
    assert Subscription.objects.count() == 0
