"""A CSR who pastes a customer PO number carrying an invisible character and types a year with
too many digits sees, under each field, what to fix — the line's preview promises nothing for
that date; nothing is entered."""

import pytest
from playwright.sync_api import expect

from orders.models import SalesOrder
from tests.world import World

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_order_form_says_what_to_fix_in_a_pasted_reference_and_a_far_date(sign_in, live_server):
    World()
    page = sign_in("customer_service")
    page.goto(f"{live_server.url}/orders/new/")

    page.get_by_label("Customer", exact=True).select_option("C-ACME")
    page.get_by_label("Customer PO").fill("ACME-4711\u200b")  # pasted from an email
    page.get_by_label("Item of line 1").fill("LAPTOP-15")
    page.get_by_label("Quantity of line 1").fill("2")
    date = page.get_by_label("Requested ship date of line 1")
    expect(date).to_have_attribute("max", "2099-12-31")
    date.fill("9999-12-31")
    page.get_by_role("button", name="Submit order").click()

    expect(page.locator("#id_external_reference + .invalid-feedback")).to_have_text(
        "Use one line of visible characters: line breaks, tabs, direction overrides and "
        "zero-width characters are not allowed."
    )
    window = "Choose a date from 2000-01-01 to 2099-12-31."
    expect(page.locator(".invalid-feedback", has_text=window)).to_be_visible()
    expect(page.get_by_test_id("preview-1")).to_have_text(window)  # no promise for 9999
    page.screenshot(path="/tmp/strict/order-entry-refusals.png", full_page=True)
    assert not SalesOrder.objects.exists()
