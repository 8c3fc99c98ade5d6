"""The batch invoicing run invoices every confirmed shipment not invoiced yet in one set-based
transaction: one invoice per shipment and sales order, gapless numbers, lines and orders
closed — exactly once, whatever runs beside it."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from billing.models import Invoice
from billing.services import invoices_create_for_shipment, invoices_create_pending
from billing.tasks import invoice_shipped
from core.outbox import outbox_relay
from supply.flows.ship import shipment_confirm
from supply.services import sales_order_submit
from tests.world import run_concurrently
from warehouse.shipments import ShipLine, shipment_create, shipment_move

pytestmark = pytest.mark.django_db


def shipped(world, *orders_lines: int):
    """One confirmed shipment carrying a new order per entry (with that many lines of one
    laptop each); the invoicing it owes is left to the test. Returns (shipment, orders)."""
    world.stock(world.laptop, sum(orders_lines))
    orders = []
    for lines in orders_lines:
        order = world.order(*[(world.laptop, 1)] * lines)
        sales_order_submit(order=order, acting_user=world.csr)
        orders.append(order)
    shipment = shipment_create(
        organization=world.w1,
        lines=[ShipLine(line) for order in orders for line in order.lines.all()],
    )
    shipment_move(shipment=shipment, action="pick")
    shipment_move(shipment=shipment, action="pack")
    shipment_confirm(shipment=shipment, carrier="UPS", tracking_number="1Z")
    return shipment, orders


def test_one_run_invoices_each_shipment_and_order_once_with_gapless_numbers(world):
    first, (one, two) = shipped(world, 2, 1)
    second, (three,) = shipped(world, 3)

    assert invoices_create_pending() == 3

    invoices = list(Invoice.objects.order_by("number"))
    assert [invoice.number for invoice in invoices] == ["INV-000001", "INV-000002", "INV-000003"]
    assert [(i.shipment, i.sales_order) for i in invoices] == [
        (first, one),
        (first, two),
        (second, three),
    ]
    assert [invoice.total for invoice in invoices] == [Decimal(2400), Decimal(1200), Decimal(3600)]
    assert [invoice.lines.count() for invoice in invoices] == [2, 1, 3]
    for order in (one, two, three):
        order.refresh_from_db()
        assert order.status == "CLOSED"
        assert set(order.lines.values_list("status", flat=True)) == {"CLOSED"}
    # Nothing is owed any more: a second run, and the per-shipment invoicing the ship confirms
    # owed through the outbox, invoice nothing twice.
    assert invoices_create_pending() == 0
    outbox_relay()
    assert Invoice.objects.count() == 3


def test_the_run_costs_the_same_statements_for_one_shipment_or_ten(world):
    def statements_for(shipments: int) -> int:
        for _ in range(shipments):
            shipped(world, 1, 1)
        with CaptureQueriesContext(connection) as captured:
            assert invoice_shipped() == 2 * shipments
        return len(captured)

    assert statements_for(1) == statements_for(10)


def test_the_one_shipment_path_is_the_batch_of_one(world):
    shipment, (order,) = shipped(world, 2)

    (invoice,) = invoices_create_for_shipment(shipment_id=shipment.pk)

    assert (invoice.sales_order, invoice.total, invoice.lines.count()) == (order, 2400, 2)
    assert invoices_create_pending() == 0


@pytest.mark.django_db(transaction=True)
def test_the_batch_racing_the_one_by_one_invoicing_invoices_once(world):
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    shipments = [shipped(world, 1, 2)[0] for _ in range(4)]

    def invoice(who):
        if who == "batch":
            invoices_create_pending()
        else:
            for shipment in shipments:
                invoices_create_for_shipment(shipment_id=shipment.pk)

    assert run_concurrently(invoice, ["batch", "one by one", "batch"]) == []

    numbers = sorted(Invoice.objects.values_list("number", flat=True))
    assert numbers == [f"INV-{n:06d}" for n in range(1, 9)]  # 4 shipments × 2 orders, no gap
    pairs = list(Invoice.objects.values_list("shipment_id", "sales_order_id"))
    assert len(set(pairs)) == 8
