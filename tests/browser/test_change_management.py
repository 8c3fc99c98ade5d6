"""In Chromium: a customer service rep changes a line's quantity and cancels another on the
order page and sees the supply follow (the PO line cut by change order, the requisition
cancelled); the orchestration manager resolves an exception by choosing an alternative source
from the candidates on the supply order page."""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from procurement.models import PurchaseOrder, RequisitionLine
from supply.flows.buy import purchase_order_cancel
from tests.factories import BuyRuleFactory, SupplierFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_csr_changes_a_quantity_and_cancels_a_line_and_the_supply_follows(
    live_server, page, world, settings, tmp_path, sign_in
):
    settings.PO_APPROVAL_THRESHOLD = Decimal("100000")
    first = world.supplied(world.laptop, 5)
    world.on_po(first, communicated=False)
    second = world.supplied(world.laptop, 2)

    sign_in("customer_service")
    page.goto(f"{live_server.url}/orders/{first.order.number}/")
    line = page.get_by_test_id("line-1")
    line.get_by_role("button", name="Details").click()
    change = page.get_by_test_id("change-1")
    change.get_by_label("Quantity").fill("3")
    change.get_by_label("Why").fill("customer halves the rollout")
    change.get_by_role("button", name="Save change").click()

    expect(page.get_by_role("alert")).to_contain_text("Line 1 changed; its supply follows")
    expect(page.get_by_test_id("line-1")).to_contain_text("3")
    page.get_by_test_id("line-1").get_by_role("button", name="Details").click()
    po = PurchaseOrder.objects.get()
    expect(page.locator("#more-1")).to_contain_text(f"3 purchase order at W1 against {po.number}/1")
    expect(page.locator("#more-1")).to_contain_text("customer halves the rollout")
    page.screenshot(path=str(tmp_path / "order_changed.png"), full_page=True)
    assert PurchaseOrder.objects.get().lines.get().quantity == 3

    page.goto(f"{live_server.url}/orders/{second.order.number}/")
    page.get_by_test_id("line-1").get_by_role("button", name="Details").click()
    page.get_by_label("Cancel reason for line 1").fill("duplicate order")
    page.get_by_role("button", name="Cancel line").click()

    expect(page.get_by_role("alert")).to_contain_text("Line 1 cancelled")
    expect(page.get_by_test_id("status-1")).to_contain_text("Cancelled")
    requisition = RequisitionLine.objects.get(demand_line=second)
    expect(page.get_by_test_id("line-1")).to_contain_text(
        re.compile(rf"{requisition.number}\s*Cancelled")
    )
    page.screenshot(path=str(tmp_path / "line_cancelled.png"), full_page=True)
    assert RequisitionLine.objects.get(demand_line=second).status == "CANCELLED"


def test_the_orchestration_manager_chooses_an_alternative_source(
    live_server, page, world, settings, tmp_path, sign_in
):
    settings.PO_APPROVAL_THRESHOLD = Decimal("100000")
    line = world.supplied(world.laptop, 4)
    po_line = world.on_po(line)
    purchase_order_cancel(po=po_line.purchase_order, reason="supplier closed")  # no other source
    BuyRuleFactory(
        item=world.laptop,
        organization=world.w1,
        rank=2,
        supplier=SupplierFactory(number="S-NORTHWIND"),
        unit_price=Decimal("950"),
    )
    supply_order = line.supply_orders.get()

    sign_in("orchestration_manager")
    page.goto(f"{live_server.url}/supply/")
    row = page.get_by_test_id(f"exception-{supply_order.number}")
    expect(row).to_contain_text("Document cancelled")
    expect(row).to_contain_text("supplier closed")
    page.screenshot(path=str(tmp_path / "exceptions_queue.png"), full_page=True)
    row.get_by_role("link", name="Choose source…").click()

    sources = page.get_by_test_id("sources")
    expect(sources).to_contain_text("S-NORTHWIND")
    page.screenshot(path=str(tmp_path / "choose_source.png"), full_page=True)
    sources.get_by_role("button", name="Use S-NORTHWIND").click()

    expect(page.get_by_role("alert")).to_contain_text("the new source covers the line")
    expect(page.get_by_test_id("exceptions")).to_contain_text("orchestration_manager")
    page.screenshot(path=str(tmp_path / "exception_resolved.png"), full_page=True)
    line.refresh_from_db()
    assert line.status == "AWAITING_SUPPLY"
    assert RequisitionLine.objects.get(status="OPEN").supplier.number == "S-NORTHWIND"
