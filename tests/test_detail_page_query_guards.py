"""Printable documents and the ledger page run the same queries however many lines they show.

The worklists, the order page, the PO page and the API lists have their guards next to their
other tests; these are the remaining detail pages, so that an N+1 cannot come back unnoticed.
"""

from decimal import Decimal

import pytest

from billing.services import invoices_create_for_shipment
from supply.flows.ship import shipment_confirm
from supply.services import sales_order_submit
from tests.world import page_queries
from warehouse.models import InventoryBalance
from warehouse.services import inventory_adjust
from warehouse.shipments import ShipLine, shipment_create, shipment_move

pytestmark = pytest.mark.django_db


def shipped_and_invoiced(world, lines: int):
    """A shipment of `lines` order lines, confirmed and invoiced; (shipment, invoice)."""
    world.stock(world.laptop, lines)
    order = world.order(*[(world.laptop, 1)] * lines)
    sales_order_submit(order=order, acting_user=world.csr)
    shipment = shipment_create(
        organization=world.w1, lines=[ShipLine(line) for line in order.lines.all()]
    )
    shipment_move(shipment=shipment, action="pick")
    shipment_move(shipment=shipment, action="pack")
    shipment_confirm(shipment=shipment, carrier="UPS", tracking_number="1Z")
    (invoice,) = invoices_create_for_shipment(shipment_id=shipment.pk)
    assert invoice.lines.count() == lines
    return shipment, invoice


def test_packing_slip_and_invoice_run_the_same_queries_for_1_or_5_lines(client_for, world):
    small, large = shipped_and_invoiced(world, 1), shipped_and_invoiced(world, 5)
    csr = client_for("customer_service")
    for page in (
        lambda shipment, invoice: f"/warehouse/shipments/{shipment.number}/packing-slip/",
        lambda shipment, invoice: f"/billing/invoices/{invoice.number}/",
    ):
        assert page_queries(csr, page(*small)) == page_queries(csr, page(*large)), page(*small)


def test_the_ledger_page_runs_the_same_queries_for_2_or_12_movements(client_for, world):
    operator = client_for("warehouse")

    def movements(count):
        for i in range(count):
            inventory_adjust(
                item=world.laptop,
                organization=world.w1,
                quantity=Decimal(1 if i % 2 == 0 else -1),
                reason=f"count {i}",
                acting_user=world.csr if i % 3 else None,
            )
        balance = InventoryBalance.objects.get(item=world.laptop, organization=world.w1)
        return page_queries(operator, f"/warehouse/inventory/{balance.pk}/")

    few = movements(2)
    assert movements(10) == few
