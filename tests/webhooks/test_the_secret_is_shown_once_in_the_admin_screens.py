"""In Chromium, through the admin: adding a subscription shows its signing secret once, with
the way back; the change page never shows it; "Rotate signing secret" asks how long the old one
keeps signing, then shows the new one once. No Content-Security-Policy violation on the way."""

import pytest
from playwright.sync_api import expect

from tests.factories import PASSWORD, UserFactory
from webhooks.models import Subscription

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_add_then_rotate_shows_each_secret_once(live_server, page):
    UserFactory(username="root", is_staff=True, is_superuser=True)
    page.goto(f"{live_server.url}/admin/webhooks/subscription/add/")
    page.get_by_label("User name").fill("root")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    page.get_by_label("URL").fill("https://hooks.example.com/b2b")
    page.get_by_label("Events").fill('["shipment.confirmed"]')
    page.get_by_role("button", name="Save", exact=True).click()

    first = Subscription.objects.get().secret
    expect(page.get_by_role("heading", name="The subscription is saved")).to_be_visible()
    expect(page.get_by_label("Signing secret")).to_have_value(first)
    expect(page.get_by_label("Signing secret")).to_be_focused()
    page.screenshot(path="/tmp/webhooks-secret-once.png", full_page=True)

    page.get_by_role("link", name="Back to the subscription").click()
    expect(page.get_by_text("Hidden: it is shown only once")).to_be_visible()
    page.screenshot(path="/tmp/webhooks-change-page.png", full_page=True)
    assert first not in page.content()

    page.get_by_role("link", name="Rotate signing secret").click()
    page.screenshot(path="/tmp/webhooks-rotate-confirm.png", full_page=True)
    page.get_by_label("The old secret keeps signing deliveries for").select_option("0")
    page.get_by_role("button", name="Rotate the secret").click()

    second = Subscription.objects.get().secret
    assert second != first
    expect(page.get_by_role("heading", name="The signing secret is rotated")).to_be_visible()
    expect(page.get_by_label("Signing secret")).to_have_value(second)
    page.get_by_role("link", name="Back to the subscription").click()
    assert second not in page.content() and first not in page.content()
