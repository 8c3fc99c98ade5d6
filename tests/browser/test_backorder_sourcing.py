"""In Chromium, the orchestration manager fixes a backorder where it is seen: from the
workbench's backorders to the line's source chooser, buys it from a supplier no rule names at a
price and lead time, and lands on the line's pegging with its requisition; the supply order list
opens from a count of the workbench."""

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from supply.services import sales_order_submit
from tests.factories import ItemFactory, SupplierFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_manager_buys_a_backorder_from_any_supplier_from_the_workbench(
    live_server, page, world, sign_in
):
    bolt = ItemFactory(sku="BOLT-NORULE", standard_cost=Decimal("2"))
    SupplierFactory(number="S-FABRIKAM", name="Fabrikam")
    order = world.order((bolt, 40))
    sales_order_submit(order=order, acting_user=world.csr)
    laptops = world.order((world.laptop, 2))
    sales_order_submit(order=laptops, acting_user=world.csr)

    sign_in("orchestration_manager")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/supply/")
    row = page.get_by_test_id(f"backorder-{order.number}-1")
    row.get_by_role("link", name=f"Choose source for {order.number} line 1").click()

    expect(
        page.get_by_role("heading", name="Choose a source for the 40 the line lacks")
    ).to_be_visible()
    chooser = page.get_by_test_id("any-supplier")
    chooser.get_by_label("Any supplier").select_option("S-FABRIKAM")
    chooser.get_by_label("Unit price").fill("1.85")
    chooser.get_by_label("Lead time in days").fill("4")
    page.screenshot(path="/tmp/b2b-backorder-source.png", full_page=True)
    chooser.get_by_role("button", name="Buy from it").click()

    expect(page.get_by_role("alert")).to_contain_text(f"Line {order.number}/1: supplied by REQ-")
    expect(page.get_by_role("heading", name=f"{order.number} line 1")).to_be_visible()
    expect(page.get_by_test_id("next-step")).not_to_contain_text("Backordered")

    page.goto(f"{live_server.url}/supply/")
    page.get_by_test_id("supply-counts").get_by_title("Requested Buy supply orders").click()
    expect(page.get_by_role("heading", name="Supply order list")).to_be_visible()
    expect(page.get_by_test_id("supply-order-list")).to_contain_text(laptops.number)
    expect(page.get_by_test_id("supply-order-list")).not_to_contain_text(order.number)
    page.screenshot(path="/tmp/b2b-supply-order-list.png", full_page=True)
