"""Changes racing the other use cases on PostgreSQL (real sessions, released together): a line
change against a receipt, a line cancel against the buyer ordering its requisition, a line
change against a work-order completion, two changes of one line. Whoever wins, the pegging
invariants hold and nothing is received, completed or supplied twice."""

from decimal import Decimal

import pytest
from django.db import connection

from core.exceptions import BusinessRuleError
from manufacturing.models import WorkOrder
from manufacturing.services import work_order_issue_materials, work_order_release
from procurement.models import PurchaseOrderLine, RequisitionLine
from supply.flows.buy import purchase_orders_create
from supply.flows.make import work_order_complete
from supply.flows.receive import receipt_create
from supply.services import line_cancel, line_change
from tests.world import assert_pegging_holds, run_concurrently
from warehouse.services import ReceiveLine

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL"),
]


@pytest.fixture(autouse=True)
def high_threshold(settings):
    settings.PO_APPROVAL_THRESHOLD = Decimal("1e9")


def only_refusals(errors):
    assert all(isinstance(e, BusinessRuleError) for e in errors), errors


@pytest.mark.parametrize("attempt", range(3))
def test_a_quantity_cut_racing_a_full_receipt(world, attempt):
    line = world.supplied(world.laptop, 5)
    po_line = world.on_po(line)

    def work(which):
        if which == "change":
            line_change(line=line, quantity=Decimal(3))
        else:
            receipt_create(
                purchase_order=po_line.purchase_order, lines=[ReceiveLine(1, Decimal(5))]
            )

    only_refusals(run_concurrently(work, ["change", "receive"]))

    line.refresh_from_db()
    po_line.refresh_from_db()
    assert line.quantity == 3
    assert po_line.quantity_received <= 5
    assert_pegging_holds()


@pytest.mark.parametrize("attempt", range(3))
def test_a_line_cancel_racing_the_buyer_ordering_its_requisition(world, attempt):
    line = world.supplied(world.laptop, 4)
    requisition = RequisitionLine.objects.get(demand_line=line)

    def work(which):
        if which == "cancel":
            line_cancel(line=line, reason="changed mind")
        else:
            purchase_orders_create(requisition_line_ids=[requisition.pk])

    only_refusals(run_concurrently(work, ["cancel", "order"]))

    line.refresh_from_db()
    assert line.status == "CANCELLED"
    assert not PurchaseOrderLine.objects.filter(status="OPEN").exists()
    assert_pegging_holds()


@pytest.mark.parametrize("attempt", range(3))
def test_a_quantity_change_racing_a_completion(world, attempt):
    world.make_setup()
    line = world.supplied(world.desk, 2, ship_from=world.p1)
    work_order = WorkOrder.objects.get()
    work_order_release(work_order=work_order)
    work_order_issue_materials(work_order=work_order)

    def work(which):
        if which == "change":
            line_change(line=line, quantity=Decimal(3))
        else:
            work_order_complete(work_order=work_order, quantity=Decimal(2))

    only_refusals(run_concurrently(work, ["change", "complete"]))

    work_order.refresh_from_db()
    assert work_order.quantity_completed == 2
    assert WorkOrder.objects.count() == 2  # the third desk is a new work order
    assert_pegging_holds()


def test_two_changes_of_one_line_at_once_leave_one_answer(world):
    line = world.supplied(world.laptop, 5)
    world.on_po(line)

    only_refusals(
        run_concurrently(lambda q: line_change(line=line, quantity=Decimal(q)), ["2", "8"])
    )

    line.refresh_from_db()
    assert line.quantity in (2, 8)
    assert_pegging_holds()


@pytest.mark.parametrize("attempt", range(3))
def test_a_line_cancel_racing_the_touchless_run(world, attempt):
    from supply.flows.buy import touchless_run

    world.contoso.automatic_po = True
    world.contoso.save()
    line = world.supplied(world.laptop, 4)

    only_refusals(
        run_concurrently(
            lambda which: line_cancel(line=line, reason="no") if which else touchless_run(),
            [True, False],
        )
    )

    line.refresh_from_db()
    assert line.status == "CANCELLED"
    assert not PurchaseOrderLine.objects.filter(status="OPEN").exists()
    assert_pegging_holds()


@pytest.mark.parametrize("attempt", range(3))
def test_a_quantity_change_racing_a_shipment_being_planned(world, attempt):
    from warehouse.shipments import ShipLine, shipment_create

    world.stock(world.laptop, 10)
    order = world.order((world.laptop, 4))
    from supply.services import sales_order_submit

    sales_order_submit(order=order, acting_user=world.csr)
    line = order.lines.get()

    def work(which):
        if which == "change":
            line_change(line=line, quantity=Decimal(6))
        else:
            shipment_create(organization=world.w1, lines=[ShipLine(line)])

    only_refusals(run_concurrently(work, ["change", "plan"]))

    line.refresh_from_db()
    shipped = line.shipment_lines.filter(active=True).first()
    assert shipped is None or shipped.quantity == line.quantity
    assert_pegging_holds()
