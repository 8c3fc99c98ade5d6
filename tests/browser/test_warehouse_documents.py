"""In Chromium: from Shipping to the shipped history, found by the tracking number typed and
Enter, on to the shipment's page and its invoice and packing slip; a receipt's number leads to
its page; a wave's page shows the pick list by item and a carrier field per shipment."""

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from billing.services import invoices_create_for_shipment
from orders.services import LineInput
from supply.flows.receive import receipt_create
from supply.flows.ship import shipment_confirm
from supply.services import sales_order_enter, sales_order_submit
from tests.factories import CustomerFactory
from warehouse.services import ReceiveLine
from warehouse.shipments import ShipLine, shipment_create, shipment_move

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def shipped(world, tracking):
    world.stock(world.laptop, 2)
    order = world.order((world.laptop, 2))
    sales_order_submit(order=order, acting_user=world.csr)
    shipment = shipment_create(organization=world.w1, lines=[ShipLine(order.lines.get())])
    shipment_move(shipment=shipment, action="pick")
    shipment_move(shipment=shipment, action="pack")
    shipment_confirm(shipment=shipment, carrier="UPS", tracking_number=tracking)
    (invoice,) = invoices_create_for_shipment(shipment_id=shipment.pk)
    return shipment, invoice


def test_a_parcel_is_found_by_tracking_number_and_its_shipment_opens(live_server, sign_in, world):
    shipped(world, "1ZOTHER")
    shipment, invoice = shipped(world, "1ZFIND")
    page = sign_in("warehouse")
    page.goto(f"{live_server.url}/warehouse/shipping/?organization=W1")

    page.get_by_test_id("shipped-history").click()
    page.get_by_label("Search shipments").fill("1zfind")  # the search box has the focus
    page.keyboard.press("Enter")

    expect(page.get_by_test_id(f"shipment-{shipment.number}")).to_be_visible()
    expect(page.locator("tbody tr")).to_have_count(1)
    page.screenshot(path="/tmp/warehouse-shipments.png", full_page=True)
    page.get_by_role("link", name=shipment.number).click()
    expect(page.get_by_role("heading", name=f"Shipment {shipment.number}")).to_be_visible()
    expect(page.get_by_test_id("carrier")).to_have_text("UPS")
    expect(page.get_by_test_id("tracking")).to_have_text("1ZFIND")
    page.screenshot(path="/tmp/warehouse-shipment.png", full_page=True)
    expect(page.get_by_test_id("invoices")).to_have_text(invoice.number)  # no billing role
    page.get_by_test_id("packing-slip").click()
    expect(page).to_have_url(
        f"{live_server.url}/warehouse/shipments/{shipment.number}/packing-slip/"
    )


def test_customer_service_goes_from_the_shipment_to_its_invoice(live_server, sign_in, world):
    shipment, invoice = shipped(world, "1Z")
    page = sign_in("customer_service")
    page.goto(f"{live_server.url}/warehouse/shipments/{shipment.number}/")

    page.get_by_test_id("invoices").get_by_role("link", name=invoice.number).click()

    expect(page).to_have_url(f"{live_server.url}/billing/invoices/{invoice.number}/")


def test_a_receipt_number_opens_the_receipt(live_server, sign_in, world):
    line = world.supplied(world.laptop, 3)
    po = world.on_po(line).purchase_order
    receipt = receipt_create(purchase_order=po, lines=[ReceiveLine(1, Decimal(3))])
    page = sign_in("warehouse")
    page.goto(f"{live_server.url}/warehouse/receiving/")

    page.get_by_test_id(f"receipt-{receipt.number}").get_by_role(
        "link", name=receipt.number
    ).click()

    expect(page.get_by_role("heading", name=f"Receipt {receipt.number}")).to_be_visible()
    expect(page.get_by_test_id("received-on")).to_contain_text(po.number)
    page.screenshot(path="/tmp/warehouse-receipt.png", full_page=True)


def test_the_wave_page_has_the_pick_list_and_a_carrier_per_shipment(live_server, sign_in, world):
    globex = CustomerFactory(number="C-GLOBEX", default_ship_from=world.w1)
    world.stock(world.laptop, 5)
    for customer, quantity in ((world.customer, 2), (world.customer, 1), (globex, 2)):
        sales_order_enter(
            customer=customer, lines=[LineInput(world.laptop, Decimal(quantity))], submit=True
        )
    page = sign_in("warehouse")
    page.goto(f"{live_server.url}/warehouse/shipping/?organization=W1")
    page.get_by_role("button", name="Release wave").click()
    page.get_by_role("button", name="Wave picked").click()
    page.get_by_role("button", name="Wave packed").click()

    expect(page.get_by_test_id("pick-LAPTOP-15")).to_contain_text("5")
    expect(page.get_by_label("Carrier of", exact=False)).to_have_count(2)
    page.screenshot(path="/tmp/warehouse-wave.png", full_page=True)
