"""Every SHP- number opens the shipment's page, not its packing slip: on the order's invoices,
on the invoice, on the pegging page and in its next step; and as plain text for a role that may
not open shipments (a link that answers 403 is a dead end)."""

from decimal import Decimal

import pytest

from billing.models import Invoice
from billing.services import invoices_create_for_shipment
from supply.flows.ship import shipment_confirm
from supply.services import sales_order_submit
from warehouse.shipments import ShipLine, shipment_create, shipment_move

pytestmark = pytest.mark.django_db


def submitted(world):
    world.stock(world.laptop, 2)
    order = world.order((world.laptop, Decimal(2)))
    sales_order_submit(order=order, acting_user=world.csr)
    return order


def test_shipped_and_invoiced_the_number_opens_the_shipment_page(world, client_for):
    order = submitted(world)
    shipment = shipment_create(organization=world.w1, lines=[ShipLine(order.lines.get())])
    for action in ("pick", "pack"):
        shipment_move(shipment=shipment, action=action)
    shipment_confirm(shipment=shipment, carrier="UPS")
    invoices_create_for_shipment(shipment_id=shipment.pk)
    invoice = Invoice.objects.get()
    link = f'<a href="/warehouse/shipments/{shipment.number}/">{shipment.number}</a>'
    client = client_for("customer_service")

    pages = {
        "order": client.get(f"/orders/{order.number}/").content.decode(),
        "invoice": client.get(f"/billing/invoices/{invoice.number}/").content.decode(),
        "pegging": client.get(f"/supply/lines/{order.number}/1/").content.decode(),
    }

    for name, html in pages.items():
        assert link in html, name
        assert f"/warehouse/shipments/{shipment.number}/packing-slip/" not in html, name
    production = client_for("production").get(f"/orders/{order.number}/").content.decode()
    assert shipment.number in production and link not in production


def test_the_next_step_of_a_line_on_a_planned_shipment_opens_the_shipment(world, client_for):
    order = submitted(world)
    shipment = shipment_create(organization=world.w1, lines=[ShipLine(order.lines.get())])

    html = client_for("warehouse").get(f"/supply/lines/{order.number}/1/").content.decode()

    assert f"Waiting for {shipment.number} to be picked" in html
    assert f'href="/warehouse/shipments/{shipment.number}/">Open {shipment.number}</a>' in html
