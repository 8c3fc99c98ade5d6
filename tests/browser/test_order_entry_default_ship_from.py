"""In Chromium, order entry names the organization "Customer default" means as soon as a
customer is chosen, in every line's Ship from and in the line's promise."""

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_customer_default_names_the_customers_ship_from(live_server, page, world, sign_in):
    sign_in("customer_service")
    page.goto(f"{live_server.url}/orders/new/")
    ship_from = page.get_by_label("Ship from of line 1")
    expect(ship_from.locator("option[value='']")).to_have_text("Default")

    page.get_by_label("Customer", exact=True).select_option("C-ACME")
    page.get_by_label("Item of line 1").fill("LAPTOP-15")
    page.get_by_label("Quantity of line 1").fill("2")
    page.get_by_label("Quantity of line 1").press("Tab")

    expect(ship_from.locator("option[value='']")).to_have_text("Default (W1)")
    expect(page.get_by_test_id("preview-1")).to_contain_text("ships from W1, C-ACME's default")
    page.screenshot(path="/tmp/b2b-entry-default.png", full_page=True)
