"""In Chromium: the shipping screen opens on the organization that has work and ships a
planned shipment in one htmx action (no page load); receiving and shipping fit a phone
(390 px) without scrolling the page sideways, with inputs wide enough to type in."""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from core.documents import document_type_of
from core.models import TransitionLog
from orders.services import LineInput
from procurement.models import RequisitionLine
from procurement.services import purchase_order_submit
from supply.flows.buy import purchase_orders_create
from supply.models import SupplyOrder
from supply.services import sales_order_submit, supply_order_create_document
from warehouse.models import Shipment
from warehouse.shipments import ShipLine, shipment_create

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def ready_at_w2(world, quantity=3):
    """A CHAIR line shipping from W2, reserved on W2's stock: the only work there is."""
    world.transfer_setup()
    order = world.order(LineInput(world.chair, Decimal(quantity), ship_from=world.w2))
    sales_order_submit(order=order, acting_user=world.csr)
    return order


def open_po(world, quantity):
    order = world.order((world.laptop, quantity))
    sales_order_submit(order=order, acting_user=world.csr)
    supply_order_create_document(
        supply_order_id=SupplyOrder.objects.get(demand_line__order=order).pk
    )
    (po,) = purchase_orders_create(
        requisition_line_ids=[RequisitionLine.objects.get(demand_line__order=order).pk]
    )
    return purchase_order_submit(po=po)


def no_sideways_scroll(page):
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"the page is {width}px wide"


def test_shipping_opens_where_the_work_is_and_ships_in_one_htmx_action(
    live_server, sign_in, world, tmp_path
):
    order = ready_at_w2(world)
    page = sign_in("warehouse")
    page.goto(f"{live_server.url}/warehouse/shipping/")
    expect(page.get_by_label("Organization")).to_have_value("W2")
    ready = page.get_by_test_id("ready-C-ACME")
    expect(ready).to_contain_text(order.number)
    page.evaluate("window.sameDocument = true")  # gone if the page reloads

    ready.get_by_role("button", name="Create shipment").click()
    expect(page.get_by_role("alert")).to_contain_text("planned")
    number = Shipment.objects.get().number
    card = page.get_by_test_id(f"shipment-{number}")
    card.get_by_label(f"Carrier of {number}").fill("UPS")
    card.get_by_label(f"Tracking number of {number}").fill("1Z42")
    page.screenshot(path=str(tmp_path / "shipping-planned-1280.png"), full_page=True)
    card.get_by_role("button", name="Pick, pack and ship").click()

    expect(page.get_by_role("alert")).to_contain_text(f"{number} picked, packed and shipped")
    expect(card.locator(".status")).to_have_text("Shipped")
    expect(card).to_contain_text("UPS 1Z42")
    assert page.evaluate("window.sameDocument") is True
    steps = TransitionLog.objects.filter(
        document_type=document_type_of(Shipment), field="status"
    ).order_by("id")
    assert [s.to_value for s in steps] == ["PLANNED", "PICKED", "PACKED", "SHIPPED"]
    page.screenshot(path=str(tmp_path / "shipping-shipped-1280.png"), full_page=True)


def test_receiving_and_shipping_fit_a_phone(live_server, sign_in, world, settings, tmp_path):
    settings.PO_APPROVAL_THRESHOLD = Decimal("1e9")
    po = open_po(world, 1500)
    open_po(world, 7)
    world.stock(world.laptop, 2500)
    planned, order = world.order((world.laptop, 2400)), world.order((world.laptop, 100))
    for each in (planned, order):
        sales_order_submit(order=each, acting_user=world.csr)
    shipment_create(organization=world.w1, lines=[ShipLine(planned.lines.get(), Decimal(1000))])
    page = sign_in("warehouse")

    for size, name in ((DESKTOP, "1280"), (PHONE, "390")):
        page.set_viewport_size(size)
        page.goto(f"{live_server.url}/warehouse/receiving/")
        expect(page.get_by_test_id(f"expected-{po.number}-1")).to_contain_text("1,500")
        no_sideways_scroll(page)
        page.screenshot(path=str(tmp_path / f"receiving-{name}.png"), full_page=True)
        page.goto(f"{live_server.url}/warehouse/shipping/")
        expect(page.get_by_test_id("remainder")).to_have_text("1,400")  # 1,000 planned
        no_sideways_scroll(page)
        page.screenshot(path=str(tmp_path / f"shipping-{name}.png"), full_page=True)

    quantity = page.get_by_label(f"Quantity to ship of {order.number} line 1")
    assert quantity.bounding_box()["width"] >= 90
    page.goto(f"{live_server.url}/warehouse/receiving/?q={po.number}")
    received = page.get_by_label(f"Quantity to receive on {po.number} line 1")
    expect(received).to_be_focused()
    assert received.bounding_box()["width"] >= 90
    received.fill("1000")
    received.press("Enter")  # scanner style, through htmx
    expect(page.get_by_role("alert")).to_contain_text(re.compile(r"received 1,000 LAPTOP-15"))
    expect(page.get_by_test_id(f"expected-{po.number}-1")).to_contain_text("500")
    # the lines are listed again and the search box waits for the next scan
    expect(page.get_by_label("Find expected receipts")).to_be_focused()
    expect(page.get_by_label("Find expected receipts")).to_have_value("")
    no_sideways_scroll(page)
    page.screenshot(path=str(tmp_path / "receiving-received-390.png"), full_page=True)
