"""In Chromium: production issues part of a work order's material on its page, scraps some,
sees the demand cut and cancels — each step said in the message and the component table."""

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from manufacturing.models import WorkOrder
from manufacturing.services import work_order_release
from orders.services import LineInput
from supply.models import SupplyOrder
from supply.services import line_change, sales_order_submit, supply_order_create_document

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_production_issues_part_scraps_and_cancels_on_the_work_order_page(
    live_server, sign_in, world
):
    world.make_setup()
    order = world.order(LineInput(world.desk, Decimal(2), ship_from=world.p1))
    sales_order_submit(order=order, acting_user=world.csr)
    supply_order_create_document(supply_order_id=SupplyOrder.objects.get().pk)
    work_order = work_order_release(work_order=WorkOrder.objects.get())
    line_change(line=order.lines.get(), quantity=Decimal(1), acting_user=world.csr)

    page = sign_in("production")
    page.goto(f"{live_server.url}/manufacturing/work-orders/{work_order.number}/")
    expect(page.get_by_test_id("demand-cut")).to_contain_text("it now needs 1 of the 2")
    page.get_by_label("Quantity of LEG to issue or scrap").fill("5")
    page.get_by_role("button", name="Issue these").click()
    expect(page.get_by_role("alert")).to_contain_text("still to issue: 3 LEG, 2 TOP")
    expect(page.get_by_test_id("issued-LEG")).to_have_text("5")

    page.get_by_label("Quantity of LEG to issue or scrap").fill("1")
    page.get_by_label("Scrap reason").fill("bent leg")
    page.get_by_role("button", name="Scrap these").click()
    expect(page.get_by_role("alert")).to_contain_text("scrapped 1 LEG")
    expect(page.get_by_test_id("scrapped-LEG")).to_have_text("1")
    page.screenshot(path="/tmp/procmfg-work-order-partial.png", full_page=True)

    page.get_by_label("Cancel reason").fill("line stopped")
    page.get_by_role("button", name="Cancel work order").click()
    expect(page.get_by_role("alert")).to_contain_text("4 LEG went back to stock at P1")
    expect(page.get_by_test_id("returned-LEG")).to_have_text("4")
