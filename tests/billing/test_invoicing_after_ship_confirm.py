"""A ship confirm owes its invoices in the outbox, in its own transaction: the relay creates
them once, however often it runs, and an invoice that can never be created stops being tried
and shows as FAILED for a person to look at."""

from decimal import Decimal

import pytest
from django.db import connection

from billing.models import Invoice
from core.models import OutboxMessage
from core.outbox import outbox_relay
from orders.models import FulfillmentLine
from supply.flows.ship import shipment_confirm
from supply.services import sales_order_submit
from warehouse.shipments import ShipLine, shipment_create, shipment_move

pytestmark = pytest.mark.django_db


def confirmed_shipment(world, quantity=2):
    world.stock(world.laptop, quantity)
    order = world.order((world.laptop, quantity))
    sales_order_submit(order=order, acting_user=world.csr)
    shipment = shipment_create(organization=world.w1, lines=[ShipLine(order.lines.get())])
    for action in ("pick", "pack"):
        shipment_move(shipment=shipment, action=action)
    return order, shipment_confirm(shipment=shipment, carrier="UPS")


def test_the_relay_invoices_a_confirmed_shipment_once(world):
    order, shipment = confirmed_shipment(world)
    owed = OutboxMessage.objects.get(key=f"invoice-shipment:{shipment.pk}")
    assert owed.status == "PENDING" and not Invoice.objects.exists()

    assert outbox_relay() == 1
    assert outbox_relay() == 0

    invoice = Invoice.objects.get()
    assert (invoice.shipment_id, invoice.sales_order_id) == (shipment.pk, order.pk)
    assert order.lines.get().status == FulfillmentLine.Status.CLOSED
    owed.refresh_from_db()
    assert owed.status == "DELIVERED"


def test_an_invoice_whose_amount_cannot_be_stored_fails_once_and_is_not_retried(world):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite does not enforce the width of numeric columns")
    order, shipment = confirmed_shipment(world, quantity=200)
    # A price entered before entry bounded amounts: 200 x this does not fit an amount column.
    FulfillmentLine.objects.filter(order=order).update(unit_price=Decimal("99999999999"))

    assert outbox_relay() == 0

    owed = OutboxMessage.objects.get(key=f"invoice-shipment:{shipment.pk}")
    assert (owed.status, owed.attempts) == ("FAILED", 1)
    assert owed.last_error.startswith("DataError")
    assert not Invoice.objects.exists()
