"""Query guards for the Buy flow's use cases (the benchmark's phases): each runs the same
number of statements however many orders the database holds, and a line more costs only its
own rows — so a re-read per line or a scan that grows with the data cannot come back."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from billing.services import invoices_create_for_shipment
from orders.services import LineInput
from procurement.models import RequisitionLine
from procurement.services import purchase_order_submit
from supply.flows.buy import purchase_orders_create
from supply.flows.receive import receipt_create
from supply.flows.ship import shipment_confirm
from supply.models import SupplyOrder
from supply.services import sales_order_enter, supply_order_create_document
from warehouse.services import ReceiveLine
from warehouse.shipments import ShipLine, shipment_create, shipment_move

pytestmark = pytest.mark.django_db


def counted(statements: dict, name: str, work):
    with CaptureQueriesContext(connection) as queries:
        result = work()
    statements[name] = len(queries)
    return result


def buy_flow(world, lines: int) -> dict[str, int]:
    """One order of `lines` laptop lines through the whole Buy flow; statements per use case."""
    statements = {}
    order, _ = counted(
        statements,
        "enter+submit",
        lambda: sales_order_enter(
            customer=world.customer,
            lines=[LineInput(item=world.laptop, quantity=Decimal(1))] * lines,
            submit=True,
        ),
    )
    for supply_order in SupplyOrder.objects.filter(demand_line__order=order):
        counted(
            statements,
            "create supply",  # one line's document: the last one's count is kept
            lambda s=supply_order: supply_order_create_document(supply_order_id=s.pk),
        )
    requisitions = RequisitionLine.objects.filter(demand_line__order=order)
    (po,) = counted(
        statements,
        "PO create",
        lambda: purchase_orders_create(requisition_line_ids=[r.pk for r in requisitions]),
    )
    po = purchase_order_submit(po=po)  # under the approval threshold: OPEN at once
    assert po.status == "OPEN"
    counted(
        statements,
        "receipt",
        lambda: receipt_create(
            purchase_order=po,
            lines=[ReceiveLine(n, Decimal(1)) for n in range(1, lines + 1)],
        ),
    )
    shipment = counted(
        statements,
        "shipment create",
        lambda: shipment_create(
            organization=world.w1, lines=[ShipLine(line) for line in order.lines.all()]
        ),
    )
    shipment_move(shipment=shipment, action="pick")
    shipment_move(shipment=shipment, action="pack")
    counted(statements, "ship confirm", lambda: shipment_confirm(shipment=shipment))
    counted(
        statements,
        "invoicing",
        lambda: invoices_create_for_shipment(shipment_id=shipment.pk),
    )
    order.refresh_from_db()
    assert order.status == "CLOSED"
    return statements


def test_each_use_case_runs_the_same_statements_however_many_orders_exist(world):
    buy_flow(world, 1)  # the first run creates counters and balance rows
    first = buy_flow(world, 1)
    for _ in range(4):
        buy_flow(world, 1)
    assert buy_flow(world, 1) == first


def test_a_line_more_costs_a_few_statements_of_its_own(world):
    buy_flow(world, 1)
    one, four = buy_flow(world, 1), buy_flow(world, 4)
    per_extra_line = {name: (four[name] - one[name]) / 3 for name in one}
    # What one more line writes: its rows and their state moves, never a re-read of the order.
    budget = {
        "enter+submit": 4,
        "create supply": 0,  # one supply order each: the same work per call
        "PO create": 0,  # the lines, reservations and tracking moved in one statement each
        "receipt": 10,
        "shipment create": 0,
        "ship confirm": 6,
        "invoicing": 1,
    }
    assert {name: per_extra_line[name] <= budget[name] for name in budget} == dict.fromkeys(
        budget, True
    ), per_extra_line
    # And a one-line order's totals stay where they were measured (statements per use case).
    # Submit, ship confirm and invoicing each read whether the customer has a contact email
    # (its acknowledgment, ship notice and invoice emails are owed in the same transaction).
    ceiling = {
        "enter+submit": 15,
        "create supply": 12,
        "PO create": 20,
        "receipt": 23,
        "shipment create": 11,
        "ship confirm": 24,  # with the invoice owed in the outbox (get_or_create by key)
        "invoicing": 15,
    }
    assert {name: one[name] <= ceiling[name] for name in ceiling} == dict.fromkeys(ceiling, True), (
        str(one)
    )
