"""In Chromium: the CSR sees the bell count a line whose supply failed, opens the
notification and lands on the line's pegging page; the bell is then clear."""

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from supply.flows.buy import purchase_order_cancel

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_bell_leads_the_csr_to_the_order_that_needs_attention(
    live_server, page, world, settings, tmp_path, sign_in
):
    settings.PO_APPROVAL_THRESHOLD = Decimal("100000")
    page = sign_in("customer_service")
    line = world.supplied(world.laptop, 2)
    line.order.created_by = world.csr.__class__.objects.get(username="customer_service")
    line.order.save(update_fields=["created_by"])
    purchase_order_cancel(po=world.on_po(line).purchase_order, reason="supplier closed")

    page.goto(f"{live_server.url}/orders/")
    bell = page.get_by_test_id("bell")
    expect(bell).to_contain_text("2")
    bell.click()
    table = page.get_by_test_id("notifications")
    expect(table).to_contain_text("is in exception")
    page.screenshot(path=str(tmp_path / "notifications.png"), full_page=True)
    table.get_by_role("row").filter(has_text="in exception").get_by_role(
        "button", name="Open"
    ).click()

    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"{line.order.number} line {line.line_number}"
    )
    expect(page.get_by_test_id("bell")).to_contain_text("1")  # the backorder is still unread
