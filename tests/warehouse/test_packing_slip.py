"""The packing slip names the company shipping, the customer's PO, the carrier and tracking
number, with quantities as people read them."""

import pytest

from orders.services import LineInput
from supply.flows.ship import shipment_confirm
from supply.services import sales_order_submit
from tests.world import page_queries
from warehouse.shipments import ShipLine, shipment_create, shipment_move

pytestmark = pytest.mark.django_db


def shipped(world, quantity, reference="4500-0042"):
    world.stock(world.laptop, quantity)
    order = world.order(LineInput(world.laptop, quantity), external_reference=reference)
    sales_order_submit(order=order, acting_user=world.csr)
    shipment = shipment_create(organization=world.w1, lines=[ShipLine(order.lines.get())])
    shipment_move(shipment=shipment, action="pick")
    shipment_move(shipment=shipment, action="pack")
    return shipment_confirm(shipment=shipment, carrier="UPS", tracking_number="1Z42"), order


def test_the_slip_shows_company_customer_po_carrier_and_tracking(world, client_for, settings):
    settings.COMPANY_NAME = "Acme Fulfilment Ltd"
    settings.COMPANY_ADDRESS = "1 Dock Road\nRotterdam"
    shipment, order = shipped(world, 1250)

    slip = client_for("warehouse").get(f"/warehouse/shipments/{shipment.number}/packing-slip/")

    html = slip.content.decode()
    assert "<strong>Acme Fulfilment Ltd</strong><br>1 Dock Road<br>Rotterdam" in html
    assert '<span data-testid="customer-po">4500-0042</span>' in html
    assert '<span data-testid="carrier">UPS</span>' in html
    assert '<span data-testid="tracking">1Z42</span>' in html
    assert f"<td>{order.number}</td><td>4500-0042</td>" in html
    assert "1,250 " in html


def test_without_company_settings_the_slip_names_the_portal(world, client_for, settings):
    for name in ("COMPANY_NAME", "COMPANY_ADDRESS"):
        if hasattr(settings, name):
            delattr(settings, name)
    shipment, _ = shipped(world, 1, reference="")

    html = client_for("warehouse").get(f"/warehouse/shipments/{shipment.number}/packing-slip/")

    assert "<strong>B2B Portal</strong>" in html.content.decode()
    assert '<span data-testid="customer-po">—</span>' in html.content.decode()


def test_the_slip_runs_the_same_queries_for_one_or_several_orders(world, client_for):
    client = client_for("warehouse")
    one, _ = shipped(world, 1, reference="A-1")
    few = page_queries(client, f"/warehouse/shipments/{one.number}/packing-slip/")
    world.stock(world.laptop, 3)
    orders = [world.order((world.laptop, 1), external_reference=f"B-{i}") for i in range(3)]
    for order in orders:
        sales_order_submit(order=order, acting_user=world.csr)
    many = shipment_create(
        organization=world.w1, lines=[ShipLine(order.lines.get()) for order in orders]
    )
    assert page_queries(client, f"/warehouse/shipments/{many.number}/packing-slip/") == few
