"""Each supply type's execution adapter changes its document where it still can — quantity and
date, in place before it goes out, a PO line by change order — and says so (True); where it
cannot (a released work order's quantity, a shipped transfer, more than the source holds) it
writes nothing and answers False, for change management to supply otherwise."""

import datetime
from decimal import Decimal

import pytest

from core.services import use_case
from manufacturing.services import work_order_release
from orders.services import LineInput
from procurement.models import RequisitionLine
from supply.execution import adapter_for
from supply.flows.buy import purchase_orders_create
from supply.models import SupplyOrder, SupplyTrackingLine
from supply.selectors import TRACKED_DOCUMENTS
from supply.services import sales_order_submit, supply_order_create_document
from warehouse.models import InventoryBalance

pytestmark = pytest.mark.django_db
LATER = datetime.date.today() + datetime.timedelta(days=30)


def supplied(world, *line):
    order = world.order(LineInput(*line) if len(line) > 2 else line)
    sales_order_submit(order=order, acting_user=world.csr)
    supply_order = SupplyOrder.objects.get(demand_line__order=order)
    supply_order_create_document(supply_order_id=supply_order.pk)
    return order.lines.get(), tracking(supply_order)


def tracking(supply_order):
    return SupplyTrackingLine.objects.select_related("supply_order", *TRACKED_DOCUMENTS).get(
        supply_order=supply_order
    )


def change(tracking_line, *, quantity=None, need_by=None) -> bool:
    adapter = adapter_for(tracking_line.supply_order.supply_type)
    done = True
    with use_case():
        if quantity is not None:
            done = adapter.resize(tracking_line, Decimal(quantity))
            if done:
                line = tracking_line.supply_order.demand_line
                adapter.peg(
                    tracking_line, list(line.reservations.filter(status="ACTIVE")), quantity
                )
        if need_by is not None:
            done = adapter.redate(tracking_line, need_by) and done
    return done


def reserved_against_document(line):
    kinds = ["REQUISITION", "PURCHASE_ORDER", "WORK_ORDER", "TRANSFER_ORDER"]
    return line.reservations.get(status="ACTIVE", supply_source__in=kinds).quantity


def test_an_open_requisition_changes_in_place_then_its_po_line(world):
    line, tracked = supplied(world, world.laptop, 5)

    change(tracked, quantity=3, need_by=LATER)

    requisition = RequisitionLine.objects.get()
    assert (requisition.quantity, requisition.need_by_date) == (3, LATER - datetime.timedelta(1))
    assert reserved_against_document(line) == 3 and tracked.quantity == 3
    (po,) = purchase_orders_create(requisition_line_ids=[requisition.pk])
    assert change(tracking(tracked.supply_order), quantity=2)
    assert (po.lines.get().quantity, reserved_against_document(line)) == (2, 2)


def test_an_unreleased_work_order_changes_its_quantity_and_requirements(world):
    world.make_setup()
    line, tracked = supplied(world, world.desk, Decimal(2), None, None, world.p1)

    change(tracked, quantity=3, need_by=LATER)

    work_order = tracked.work_order
    work_order.refresh_from_db()
    assert (work_order.quantity, work_order.due_date) == (3, LATER)
    requirements = {c.item.sku: c.quantity_required for c in work_order.components.all()}
    assert requirements == {"LEG": 12, "TOP": 3}
    assert reserved_against_document(line) == 3
    work_order_release(work_order=work_order)
    assert not change(tracking(tracked.supply_order), quantity=1)
    work_order.refresh_from_db()
    assert work_order.quantity == 3


def test_an_open_transfer_changes_and_its_hold_at_the_source_follows(world):
    world.transfer_setup()
    line, tracked = supplied(world, world.chair, 4)

    change(tracked, quantity=7, need_by=LATER)

    source = InventoryBalance.objects.get(item=world.chair, organization=world.w2)
    assert (source.reserved, source.available) == (7, 3)
    assert reserved_against_document(line) == 7
    tracked.transfer_order_line.refresh_from_db()
    assert tracked.transfer_order_line.quantity == 7
    assert not change(tracking(tracked.supply_order), quantity=11)  # W2 has only 3 more
    change(tracking(tracked.supply_order), quantity=2)
    source.refresh_from_db()
    assert (source.reserved, source.available) == (2, 8)
