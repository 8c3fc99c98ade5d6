"""In Chromium: the warehouse receives a PO on the receiving screen and ships the order from the
shipping screen; the customer service rep then sees the line CLOSED and its invoice (the
invoice is created by a real Celery worker)."""

import re

import pytest
from playwright.sync_api import expect

from billing.models import Invoice
from procurement.models import RequisitionLine
from procurement.services import purchase_order_submit
from supply.flows.buy import purchase_orders_create
from supply.models import SupplyOrder
from supply.services import sales_order_submit, supply_order_create_document
from tests.factories import PASSWORD, UserFactory
from tests.workers import wait_for

pytestmark = [pytest.mark.browser, pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def sign_in(page, live_server, username):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_receive_ship_and_see_the_invoice(live_server, page, celery_worker, world, tmp_path):
    order = world.order((world.laptop, 4))
    sales_order_submit(order=order, acting_user=world.csr)
    supply_order_create_document(supply_order_id=SupplyOrder.objects.get().pk)
    (po,) = purchase_orders_create(requisition_line_ids=[RequisitionLine.objects.get().pk])
    purchase_order_submit(po=po)  # 3,600: opens at once
    UserFactory(username="wendy", roles=["warehouse"])

    sign_in(page, live_server, "wendy")
    expect(page.get_by_role("heading", level=1)).to_have_text("Receiving")
    page.get_by_label("Find expected receipts").fill(po.number)
    page.get_by_label("Find expected receipts").press("Enter")
    quantity = page.get_by_label(f"Quantity to receive on {po.number} line 1")
    expect(quantity).to_have_value("4")
    expect(quantity).to_be_focused()
    quantity.press("Enter")  # scanner style: the open quantity, Enter
    expect(page.get_by_role("alert")).to_contain_text(f"4 reserved for {order.number} line 1")
    page.screenshot(path=str(tmp_path / "receiving.png"), full_page=True)

    page.get_by_role("link", name="Shipping").click()
    ready = page.get_by_test_id("ready-C-ACME")
    expect(ready).to_contain_text(order.number)
    ready.get_by_role("button", name="Create shipment").click()
    expect(page.get_by_role("alert")).to_contain_text("planned")
    page.get_by_role("button", name="Picked").click()
    page.get_by_role("button", name="Packed").click()
    page.get_by_label(re.compile("Carrier of SHP-")).fill("UPS")
    page.get_by_label(re.compile("Tracking number of SHP-")).fill("1Z42")
    page.screenshot(path=str(tmp_path / "shipping.png"), full_page=True)
    page.get_by_role("button", name="Ship confirm").click()
    expect(page.get_by_role("alert")).to_contain_text("shipped: the invoice follows")

    page.get_by_role("button", name="Sign out").click()
    sign_in(page, live_server, "csr")
    wait_for(Invoice.objects.exists, timeout=30, what="the worker to invoice the shipment")
    page.goto(f"{live_server.url}/orders/{order.number}/")
    expect(page.get_by_test_id("status-1")).to_have_text("Closed")
    expect(page.locator("#invoices")).to_contain_text(re.compile(r"4,?800\.00 USD"))
    expect(page.locator("#order-status")).to_contain_text("Closed")
    page.screenshot(path=str(tmp_path / "closed.png"), full_page=True)
