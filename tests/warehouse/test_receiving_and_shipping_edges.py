"""The rules of receiving and shipping at their edges: a line listed twice, odd quantities,
goods that arrive after a rejection, a line on a planned shipment, concurrent receipts and
ship confirms on one PO, partial ship confirms that split lines."""

from decimal import Decimal

import pytest
from django.db import connection, transaction

from core.exceptions import BusinessRuleError, Conflict, InvalidTransition
from procurement.models import RequisitionLine
from procurement.services import purchase_order_submit
from supply.flows.buy import purchase_order_acknowledge, purchase_orders_create
from supply.flows.receive import receipt_create
from supply.flows.ship import shipment_confirm
from supply.models import SupplyOrder
from supply.services import (
    line_cancel,
    sales_order_submit,
    supply_order_create_document,
)
from tests.world import run_concurrently
from warehouse.selectors import ledger_mismatches
from warehouse.services import ReceiveLine
from warehouse.shipments import ShipLine, shipment_create, shipment_move

pytestmark = pytest.mark.django_db


def po_for(world, *quantities):
    requisitions = []
    for quantity in quantities:
        order = world.order((world.laptop, quantity))
        sales_order_submit(order=order, acting_user=world.csr)
        supply_order_create_document(
            supply_order_id=SupplyOrder.objects.get(demand_line__order=order).pk
        )
        requisitions.append(RequisitionLine.objects.get(demand_line__order=order).pk)
    (po,) = purchase_orders_create(requisition_line_ids=requisitions)
    return purchase_order_submit(po=po)


def shipped(shipment):
    shipment_move(shipment=shipment, action="pick")
    shipment_move(shipment=shipment, action="pack")
    return shipment


def test_a_po_line_listed_twice_in_one_receipt_is_refused(world, settings):
    settings.PO_APPROVAL_THRESHOLD = Decimal("1e9")
    po = po_for(world, 100)
    with pytest.raises(BusinessRuleError, match="listed twice"), transaction.atomic():
        receipt_create(
            purchase_order=po, lines=[ReceiveLine(1, Decimal(60)), ReceiveLine(1, Decimal(60))]
        )
    assert po.lines.get().quantity_received == 0


@pytest.mark.parametrize("quantity", ["0.0004", "NaN", "-1"])
def test_odd_receipt_quantities_are_refused(world, quantity):
    po = po_for(world, 2)
    with pytest.raises(BusinessRuleError), transaction.atomic():
        receipt_create(purchase_order=po, lines=[ReceiveLine(1, Decimal(quantity))])


def test_a_po_the_supplier_rejected_is_cancelled_and_takes_no_receipt(world):
    po = po_for(world, 3)
    purchase_order_acknowledge(po=po, accepted=False, promised_dates={}, note="no stock")
    with pytest.raises(InvalidTransition, match="CANCELLED"), transaction.atomic():
        receipt_create(purchase_order=po, lines=[ReceiveLine(1, Decimal(3))])
    supply_order = SupplyOrder.objects.get()
    assert supply_order.status == "EXCEPTION"
    assert supply_order.exceptions.get().kind == "SUPPLIER_REJECTED"


def test_a_line_on_a_planned_shipment_cannot_be_cancelled(world):
    world.stock(world.laptop, 2)
    order = world.order((world.laptop, 2))
    sales_order_submit(order=order, acting_user=world.csr)
    shipment_create(organization=world.w1, lines=[ShipLine(order.lines.get())])
    with pytest.raises(Conflict, match="planned shipment"), transaction.atomic():
        line_cancel(line=order.lines.get(), reason="changed mind")


def test_the_same_line_twice_in_a_shipment_is_refused(world, client_for):
    world.stock(world.laptop, 2)
    order = world.order((world.laptop, 2))
    sales_order_submit(order=order, acting_user=world.csr)
    response = client_for("warehouse").post(
        "/api/v1/shipments",
        {"organization": "W1", "lines": [{"sales_order": order.number, "line_number": 1}] * 2},
        content_type="application/json",
    )
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "lines[1]"


@pytest.mark.django_db(transaction=True)
def test_a_receipt_and_a_ship_confirm_on_one_po_do_not_deadlock(world, settings):
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    settings.PO_APPROVAL_THRESHOLD = Decimal("1e9")
    po = po_for(world, 10, 10)
    receipt_create(purchase_order=po, lines=[ReceiveLine(2, Decimal(4))])
    second = po.lines.get(line_number=2).demand_line
    shipment = shipped(shipment_create(organization=world.w1, lines=[ShipLine(second)]))

    def work(kind):
        if kind == "receive":
            receipt_create(
                purchase_order=po, lines=[ReceiveLine(1, Decimal(10)), ReceiveLine(2, Decimal(6))]
            )
        else:
            shipment_confirm(shipment=shipment)

    errors = run_concurrently(work, ["receive", "ship"])
    assert errors == []
    assert ledger_mismatches() == []


@pytest.mark.django_db(transaction=True)
def test_two_partial_ship_confirms_on_one_order_number_their_splits_apart(world):
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    world.stock(world.laptop, 10)
    order = world.order((world.laptop, 5), (world.laptop, 5))
    sales_order_submit(order=order, acting_user=world.csr)
    first, second = order.lines.order_by("line_number")
    shipments = [
        shipped(shipment_create(organization=world.w1, lines=[ShipLine(line, Decimal(2))]))
        for line in (first, second)
    ]

    errors = run_concurrently(lambda s: shipment_confirm(shipment=s), shipments)

    assert errors == []
    assert sorted(order.lines.values_list("line_number", flat=True)) == [1, 2, 3, 4]
