"""In Chromium: a customer service rep changes only the quantity of a draft line that ships from
the customer's default organization; its ship-from stays the default (the select offers
"Default (W1)" and has it selected), it does not become the first organization of the list."""

import pytest
from playwright.sync_api import expect

from tests.factories import OrganizationFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_changing_a_draft_quantity_keeps_the_default_ship_from(
    live_server, page, world, tmp_path, sign_in
):
    OrganizationFactory(code="A1", name="Annex")  # first in the list of organizations
    order = world.order((world.laptop, 5))
    line = order.lines.get()
    assert line.ship_from_id is None

    sign_in("customer_service")
    page.goto(f"{live_server.url}/orders/{order.number}/")
    page.get_by_test_id("line-1").get_by_role("button", name="Details").click()
    change = page.get_by_test_id("change-1")
    expect(change.get_by_label("Ship from")).to_have_value("")
    expect(change.get_by_label("Ship from").locator("option:checked")).to_have_text("Default (W1)")
    change.get_by_label("Quantity").fill("3")
    page.screenshot(path=str(tmp_path / "draft_line_change.png"), full_page=True)
    change.get_by_role("button", name="Save change").click()

    expect(page.get_by_role("alert")).to_contain_text("Line 1 changed")
    line.refresh_from_db()
    assert (line.quantity, line.ship_from_id) == (3, None)
