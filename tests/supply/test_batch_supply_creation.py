"""A worker takes up to a batch of waiting supply orders in one set-based transaction: the same
documents, reservations and log as one at a time, each created exactly once, a refused one in
EXCEPTION without holding up the others, and statements that do not grow with the batch."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.models import TransitionLog
from orders.services import LineInput
from procurement.models import RequisitionLine
from supply.models import SupplyOrder, SupplyTrackingLine
from supply.services import (
    sales_order_submit,
    supply_order_create_document,
    supply_orders_create_documents,
)
from tests.world import assert_pegging_holds, run_concurrently
from warehouse.models import Reservation

pytestmark = pytest.mark.django_db


def waiting(world, *quantities, item=None, ship_from=None) -> list[SupplyOrder]:
    """Submitted lines whose supply orders wait for their documents (the worker not run)."""
    item = item or world.laptop
    orders = []
    for quantity in quantities:
        order = world.order(LineInput(item, Decimal(quantity), ship_from=ship_from))
        sales_order_submit(order=order, acting_user=world.csr)
        orders.append(order)
    return list(SupplyOrder.objects.filter(demand_line__order__in=orders).order_by("id"))


def picture(supply_order: SupplyOrder) -> dict:
    """What creating a supply order's document wrote, without ids and numbers."""
    line = supply_order.demand_line
    supply_order.refresh_from_db()
    line.refresh_from_db()
    return {
        "supply order": supply_order.status,
        "line": line.status,
        "requisitions": list(
            RequisitionLine.objects.filter(demand_line=line).values_list(
                "supplier__number", "quantity", "unit_price", "need_by_date", "status"
            )
        ),
        "tracking": list(
            SupplyTrackingLine.objects.filter(supply_order=supply_order).values_list(
                "sequence", "document_type", "quantity"
            )
        ),
        "reservations": list(
            Reservation.objects.filter(demand_line=line).values_list(
                "supply_source", "quantity", "status", "organization__code"
            )
        ),
        "log": list(
            TransitionLog.objects.filter(demand_line_id=line.pk)
            .exclude(document_type="orders.salesorder")
            .order_by("id")
            .values_list("document_type", "field", "from_value", "to_value")
        ),
    }


def test_a_batch_writes_what_one_at_a_time_writes(world, row_writes):
    one_by_one = waiting(world, 3, 5)
    batched = waiting(world, 3, 5)
    for supply_order in one_by_one:
        supply_order_create_document(supply_order_id=supply_order.pk)

    with row_writes():
        created = supply_orders_create_documents()

    assert set(created) == {supply_order.pk for supply_order in batched}
    assert [picture(s) for s in batched] == [picture(s) for s in one_by_one]
    assert picture(batched[0])["supply order"] == "IN_PROCESS"
    assert picture(batched[0])["line"] == "AWAITING_SUPPLY"
    assert_pegging_holds()


def test_make_transfer_and_buy_in_one_batch_and_a_refusal_holds_up_no_one(world):
    world.make_setup()
    world.transfer_setup()
    bought = waiting(world, 2)
    made = waiting(world, 2, item=world.desk, ship_from=world.p1)
    moved = waiting(world, 2, item=world.chair)
    # The transfer's source sells out before the worker comes: its document is refused.
    sold_out = waiting(world, 8, item=world.chair)
    from warehouse.services import inventory_adjust

    inventory_adjust(item=world.chair, organization=world.w2, quantity=Decimal(-8), reason="count")

    supply_orders_create_documents()

    statuses = {
        s.supply_type: SupplyOrder.objects.get(pk=s.pk).status for s in bought + made + moved
    }
    assert statuses == {"BUY": "IN_PROCESS", "MAKE": "IN_PROCESS", "TRANSFER": "IN_PROCESS"}
    refused = SupplyOrder.objects.get(pk=sold_out[0].pk)
    assert refused.status == "EXCEPTION"
    assert refused.exceptions.get().kind == "CREATION_REFUSED"
    assert_pegging_holds()


def test_a_second_run_or_a_late_message_creates_nothing_more(world):
    supply_orders = waiting(world, 1, 2, 3)
    supply_orders_create_documents()

    assert supply_orders_create_documents() == {}
    again = supply_order_create_document(supply_order_id=supply_orders[0].pk)

    assert again.status == "IN_PROCESS"
    assert RequisitionLine.objects.count() == SupplyTrackingLine.objects.count() == 3


def test_the_batch_costs_the_same_statements_for_two_lines_or_twenty(world):
    def statements_for(lines: int) -> int:
        waiting(world, *[1] * lines)
        with CaptureQueriesContext(connection) as captured:
            assert len(supply_orders_create_documents()) == lines
        return len(captured)

    assert statements_for(2) == statements_for(20)


def test_the_batch_is_bounded(world):
    waiting(world, *[1] * 5)

    assert len(supply_orders_create_documents(limit=2)) == 2
    assert SupplyOrder.objects.filter(status="REQUESTED").count() == 3


@pytest.mark.django_db(transaction=True)
def test_workers_taking_batches_at_once_create_each_document_once(world):
    if connection.vendor != "postgresql":
        pytest.skip("SKIP LOCKED needs PostgreSQL")
    supply_orders = waiting(world, *[1] * 30)

    errors = run_concurrently(
        lambda limit: supply_orders_create_documents(limit=limit), [7, 7, 7, 7, 7]
    )

    assert errors == []
    assert SupplyOrder.objects.filter(status="IN_PROCESS").count() == len(supply_orders)
    assert RequisitionLine.objects.count() == 30
    assert Reservation.objects.filter(supply_source="REQUISITION").count() == 30
    assert_pegging_holds()


def test_a_supply_order_no_adapter_can_write_never_holds_up_the_queue(world, monkeypatch):
    """Fault injection: a defect writing one supply order's document (not a refusal by a
    rule) — the batch is done again one by one, the others get their documents and the one
    that fails goes to the manager's queue with the error."""
    from supply.execution import BuyAdapter

    poison, *others = waiting(world, 1, 2, 3)
    create_many = BuyAdapter.create_many

    def failing(self, creations):
        if any(c.supply_order.pk == poison.pk for c in creations):
            raise ValueError("cannot write this one")
        return create_many(self, creations)

    monkeypatch.setattr(BuyAdapter, "create_many", failing)

    created = supply_orders_create_documents()

    assert set(created) == {s.pk for s in others}
    failed = SupplyOrder.objects.get(pk=poison.pk)
    assert failed.status == "EXCEPTION"
    assert failed.exceptions.get().reason == (
        "The document could not be created (ValueError: cannot write this one)"
    )
    assert supply_orders_create_documents() == {}  # nothing left waiting behind it
    assert_pegging_holds()
