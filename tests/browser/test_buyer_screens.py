"""In Chromium: a buyer ticks requisitions (their total shows), creates a PO through htmx (the
list is redrawn, no page load), follows the link in the message to the PO; a procurement
manager sees in the queue how far the PO is over the approval threshold and approves it through
htmx; the invoice page shows the company, carrier and tracking. Screenshots of each page."""

import re
from decimal import Decimal

import pytest
from django.test import override_settings
from playwright.sync_api import expect

from billing.services import invoices_create_for_shipment
from orders.services import LineInput
from procurement.models import PurchaseOrder, RequisitionLine
from supply.flows.ship import shipment_confirm
from supply.services import sales_order_submit
from tests.factories import PASSWORD, UserFactory
from warehouse.shipments import ShipLine, shipment_create, shipment_move

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@override_settings(PO_APPROVAL_THRESHOLD=Decimal("10000"))
def test_a_buyer_creates_a_po_with_htmx_and_a_manager_sees_the_excess(
    live_server, sign_in, world, tmp_path, browser
):
    first, second = world.supplied(world.laptop, 10), world.supplied(world.laptop, 5)
    world.supplied(world.laptop, 1200)  # stays open: 1,080,000.00
    numbers = [RequisitionLine.objects.get(demand_line=line).number for line in (first, second)]

    page = sign_in("buyer")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/procurement/requisitions/")
    expect(page.get_by_test_id("shown-total")).to_contain_text("1,093,500.00 USD")
    for number in numbers:
        page.get_by_role("checkbox", name=f"Select {number}").check()
    expect(page.locator("[data-selected-total]")).to_have_text("2 lines selected: 13,500.00 USD")
    page.screenshot(path=str(tmp_path / "requisitions.png"), full_page=True)
    page.evaluate("window.sameDocument = true")  # gone if the page reloads

    page.get_by_role("button", name="Create POs from selected lines").click()

    message = page.get_by_role("alert")
    expect(message).to_contain_text("Created PO-")
    po = PurchaseOrder.objects.get()
    expect(message).to_contain_text(f"Created {po.number}")
    assert page.evaluate("window.sameDocument") is True
    for number in numbers:
        expect(page.get_by_test_id(f"requisition-{number}")).to_have_count(0)
    expect(page.get_by_test_id("shown-total")).to_contain_text("1,080,000.00 USD")
    message.get_by_role("link", name=po.number).click()

    expect(page).to_have_url(re.compile(f"/procurement/purchase-orders/{po.number}/$"))
    expect(page.get_by_test_id("po-line-status-1")).to_have_text("Draft")
    expect(page.get_by_test_id("acknowledgment")).to_have_text("Not sent yet")
    expect(page.get_by_test_id("po-line-1")).to_contain_text("9,000.00")
    page.get_by_role("button", name="Submit").click()
    expect(page.get_by_role("alert")).to_contain_text("now pending approval")
    expect(page.get_by_test_id("po-line-status-1")).to_have_text("Pending approval")
    page.screenshot(path=str(tmp_path / "purchase-order.png"), full_page=True)

    manager = browser.new_page(viewport={"width": 1280, "height": 900})
    UserFactory(username="paula", roles=["procurement_manager"])
    manager.goto(f"{live_server.url}/")
    manager.get_by_label("User name").fill("paula")
    manager.get_by_label("Password").fill(PASSWORD)
    manager.get_by_role("button", name="Sign in").click()
    expect(manager.get_by_role("heading", level=1)).to_contain_text("Approvals")
    row = manager.get_by_test_id(f"approval-{po.number}")
    expect(row.get_by_test_id(f"over-{po.number}")).to_have_text("+3,500.00 (+35.0%)")
    expect(row).to_contain_text("13,500.00")
    expect(row).to_contain_text("LAPTOP-15 × 10")
    expect(row.get_by_role("link", name=first.order.number)).to_be_visible()
    manager.screenshot(path=str(tmp_path / "approvals.png"), full_page=True)
    manager.evaluate("window.sameDocument = true")

    row.get_by_role("button", name="Approve").click()

    expect(manager.get_by_role("alert")).to_contain_text(f"{po.number} approved: now open.")
    expect(manager.get_by_text("Nothing waits for your approval.")).to_be_visible()
    assert manager.evaluate("window.sameDocument") is True
    po.refresh_from_db()
    assert po.status == "OPEN"
    manager.close()


@override_settings(COMPANY_NAME="Acme Fulfilment Ltd", COMPANY_ADDRESS="1 Dock Road\nRotterdam")
def test_the_invoice_page_names_company_carrier_and_tracking(live_server, sign_in, world, tmp_path):
    world.stock(world.laptop, 1502)
    order = world.order(
        LineInput(world.laptop, Decimal(1500)),
        LineInput(world.laptop, Decimal(2)),
        external_reference="4500-0042",
    )
    sales_order_submit(order=order, acting_user=world.csr)
    shipment = shipment_create(
        organization=world.w1, lines=[ShipLine(line) for line in order.lines.all()]
    )
    shipment_move(shipment=shipment, action="pick")
    shipment_move(shipment=shipment, action="pack")
    shipment_confirm(shipment=shipment, carrier="UPS", tracking_number="1Z42")
    (invoice,) = invoices_create_for_shipment(shipment_id=shipment.pk)

    page = sign_in("customer_service")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/billing/invoices/{invoice.number}/")

    expect(page.get_by_test_id("company")).to_contain_text("Acme Fulfilment Ltd")
    expect(page.get_by_test_id("customer-po")).to_have_text("4500-0042")
    expect(page.get_by_test_id("carrier")).to_have_text("UPS")
    expect(page.get_by_test_id("tracking")).to_have_text("1Z42")
    expect(page.get_by_test_id("invoice-total")).to_have_text("1,802,400.00")
    page.screenshot(path=str(tmp_path / "invoice.png"), full_page=True)
