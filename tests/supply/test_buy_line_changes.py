"""A customer changes or cancels a Buy line: requisitions and unsent PO lines change in place,
an OPEN PO gets a change order (revision + 1, approval again over the threshold, sent again
once), more than a PO line can take gets new supply pegged to the same line, less never goes
below what was received — and after every change the pegging invariants hold."""

import datetime
from decimal import Decimal

import pytest
from django.db import transaction

from core.exceptions import Conflict, InvalidTransition
from core.outbox import outbox_relay
from procurement.models import PurchaseOrder, RequisitionLine
from supply.flows.receive import receipt_create
from supply.models import SupplyOrder
from supply.services import line_cancel, line_change
from tests.world import assert_pegging_holds
from warehouse.models import InventoryBalance
from warehouse.services import ReceiveLine
from warehouse.shipments import ShipLine, shipment_create, shipment_move

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_po_approval_needed")]
LATER = datetime.date.today() + datetime.timedelta(days=30)


def change(line, **fields):
    return line_change(line=line, acting_user=line.order.created_by, reason="customer", **fields)


def free(world):
    return InventoryBalance.objects.get(item=world.laptop, organization=world.w1).available


def test_an_open_requisition_follows_the_quantity_and_date_in_place(world):
    line = world.supplied(world.laptop, 5)

    change(line, quantity=Decimal(3), requested_ship_date=LATER)

    requisition = RequisitionLine.objects.get()
    assert (requisition.quantity, requisition.need_by_date) == (3, LATER - datetime.timedelta(1))
    line.refresh_from_db()
    assert (line.quantity, line.promised_ship_date, line.jeopardy_days) == (3, LATER, 0)
    assert SupplyOrder.objects.get().quantity == 3
    assert_pegging_holds()


def test_a_draft_po_line_changes_in_place_without_a_revision(world):
    line = world.supplied(world.laptop, 5)
    from supply.flows.buy import purchase_orders_create

    (po,) = purchase_orders_create(requisition_line_ids=[line.requisition_lines.get().pk])

    change(line, quantity=Decimal(4))

    po.refresh_from_db()
    assert (po.status, po.revision, po.lines.get().quantity) == ("DRAFT", 0, 4)
    assert_pegging_holds()


def test_an_open_po_gets_a_change_order_sent_once_per_revision(world, mailoutbox):
    line = world.supplied(world.laptop, 5)
    po_line = world.on_po(line)
    assert len(mailoutbox) == 1

    change(line, quantity=Decimal(3))
    outbox_relay()
    outbox_relay()

    po = PurchaseOrder.objects.get()
    po_line.refresh_from_db()
    assert (po.revision, po.communicated_revision, po_line.quantity) == (1, 1, 3)
    assert po.acknowledgment == "PENDING"
    assert [m.subject for m in mailoutbox] == [
        f"Purchase order {po.number} rev 0",
        f"Purchase order {po.number} rev 1",
    ]
    assert " x 3 at " in mailoutbox[1].body
    assert_pegging_holds()


def test_a_larger_po_reaching_the_threshold_is_approved_again_before_it_is_sent(
    world, settings, mailoutbox
):
    settings.PO_APPROVAL_THRESHOLD = Decimal("5000")  # 5 × 900 = 4500 under, 6 × 900 over
    line = world.supplied(world.laptop, 5)
    world.on_po(line)

    change(line, quantity=Decimal(6))
    outbox_relay()

    po = PurchaseOrder.objects.get()
    assert (po.status, po.revision, po.lines.get().quantity) == ("PENDING_APPROVAL", 1, 6)
    assert len(mailoutbox) == 1  # revision 1 waits for the approver
    from procurement.services import purchase_order_approve
    from tests.factories import UserFactory

    purchase_order_approve(po=po, acting_user=UserFactory(roles=["procurement_manager"]))
    outbox_relay()
    assert [m.subject.split()[-1] for m in mailoutbox] == ["0", "1"]
    assert_pegging_holds()


def test_stock_available_now_covers_more_before_any_document_grows(world):
    line = world.supplied(world.laptop, 5)
    world.on_po(line)
    world.stock(world.laptop, 2)

    change(line, quantity=Decimal(7))

    line.refresh_from_db()
    assert line.reservations.get(status="ACTIVE", supply_source="ON_HAND").quantity == 2
    assert PurchaseOrder.objects.get().revision == 0
    assert_pegging_holds()


def test_more_after_a_partial_receipt_is_new_supply_pegged_to_the_same_line(world):
    line = world.supplied(world.laptop, 5)
    po_line = world.on_po(line)
    receipt_create(purchase_order=po_line.purchase_order, lines=[ReceiveLine(1, Decimal(2))])

    change(line, quantity=Decimal(8))

    supply_order = SupplyOrder.objects.get()
    first, second = supply_order.tracking_lines.order_by("sequence")
    assert (first.document_type, second.document_type) == ("PURCHASE_ORDER", "REQUISITION")
    assert (second.quantity, supply_order.quantity) == (3, 8)
    assert second.requisition_line.demand_line == line
    assert supply_order.status == "IN_PROCESS"
    assert_pegging_holds()


def test_less_than_was_received_cuts_the_po_line_and_frees_the_rest(world):
    line = world.supplied(world.laptop, 5)
    po_line = world.on_po(line)
    receipt_create(purchase_order=po_line.purchase_order, lines=[ReceiveLine(1, Decimal(3))])

    change(line, quantity=Decimal(2))

    po_line.refresh_from_db()
    line.refresh_from_db()
    assert (po_line.quantity, po_line.status) == (3, "CLOSED_FOR_RECEIVING")
    assert PurchaseOrder.objects.get().status == "CLOSED_FOR_RECEIVING"
    assert line.status == "AWAITING_SHIPPING"
    assert free(world) == 1  # 3 received, 2 still reserved for the line
    assert SupplyOrder.objects.get().status == "FULFILLED"
    assert_pegging_holds()


def test_cancelling_after_a_partial_receipt_frees_what_arrived(world):
    line = world.supplied(world.laptop, 5)
    po_line = world.on_po(line)
    receipt_create(purchase_order=po_line.purchase_order, lines=[ReceiveLine(1, Decimal(2))])

    line_cancel(line=line, reason="customer cancelled")

    po_line.refresh_from_db()
    assert (po_line.quantity, po_line.status) == (2, "CLOSED_FOR_RECEIVING")
    assert free(world) == 2
    line.refresh_from_db()
    assert line.status == "CANCELLED"
    assert SupplyOrder.objects.get().status == "CANCELLED"
    assert_pegging_holds()


def test_cancelling_one_line_of_a_shared_po_is_a_change_order_the_last_cancels_it(world):
    first = world.supplied(world.laptop, 2)
    second = world.supplied(world.laptop, 3)
    from supply.flows.buy import purchase_orders_create

    (po,) = purchase_orders_create(
        requisition_line_ids=[first.requisition_lines.get().pk, second.requisition_lines.get().pk]
    )
    from procurement.services import purchase_order_submit

    purchase_order_submit(po=po)

    line_cancel(line=first, reason="not needed")
    po.refresh_from_db()
    assert (po.status, po.revision) == ("OPEN", 1)
    assert [ln.status for ln in po.lines.order_by("line_number")] == ["CANCELLED", "OPEN"]
    assert RequisitionLine.objects.get(demand_line=first).status == "CANCELLED"

    line_cancel(line=second, reason="not needed")
    po.refresh_from_db()
    assert po.status == "CANCELLED"
    assert_pegging_holds()


def test_a_new_requested_date_moves_the_open_po_need_by_by_change_order(world):
    line = world.supplied(world.laptop, 5)
    po_line = world.on_po(line)

    change(line, requested_ship_date=LATER)

    po_line.refresh_from_db()
    line.refresh_from_db()
    assert po_line.need_by_date == LATER - datetime.timedelta(days=1)
    assert PurchaseOrder.objects.get().revision == 1
    assert (line.scheduled_ship_date, line.promised_ship_date) == (LATER, LATER)
    assert SupplyOrder.objects.get().need_by_date == LATER


def test_an_earlier_date_than_the_supply_allows_is_promised_at_the_supply_date(world):
    line = world.supplied(world.laptop, 5)
    world.on_po(line)
    supply_ready = line.scheduled_ship_date  # today + 5 lead + 1 receiving

    change(line, requested_ship_date=datetime.date.today())

    line.refresh_from_db()
    assert (line.scheduled_ship_date, line.promised_ship_date) == (supply_ready, supply_ready)


def test_an_on_hand_line_releases_less_and_sources_what_stock_lacks(world):
    world.stock(world.laptop, 4)
    order = world.order((world.laptop, 3))
    from supply.services import sales_order_submit

    sales_order_submit(order=order, acting_user=world.csr)
    line = order.lines.get()

    change(line, quantity=Decimal(2))
    assert free(world) == 2

    change(line, quantity=Decimal(6))

    line.refresh_from_db()
    assert (line.status, line.supply_type) == ("AWAITING_SUPPLY", "BUY")
    assert line.reservations.get(status="ACTIVE", supply_source="ON_HAND").quantity == 4
    assert RequisitionLine.objects.get(demand_line=line).quantity == 2
    assert_pegging_holds()


def test_what_no_source_can_supply_is_split_off_backordered(world):
    world.stock(world.laptop, 2)
    world.rule.delete()
    order = world.order((world.laptop, 2))
    from supply.services import sales_order_submit

    sales_order_submit(order=order, acting_user=world.csr)
    line = order.lines.get()

    change(line, quantity=Decimal(5))

    first, split = order.lines.order_by("line_number")
    assert (first.quantity, first.status) == (2, "AWAITING_SHIPPING")
    assert (split.quantity, split.status, split.split_from) == (3, "BACKORDERED", first)
    assert_pegging_holds()


def test_a_shipped_line_or_one_on_a_picked_shipment_is_final(world):
    world.stock(world.laptop, 2)
    order = world.order((world.laptop, 2))
    from supply.services import sales_order_submit

    sales_order_submit(order=order, acting_user=world.csr)
    line = order.lines.get()
    shipment = shipment_create(organization=world.w1, lines=[ShipLine(line)])
    shipment_move(shipment=shipment, action="pick")

    with pytest.raises(Conflict, match=f"picked shipment {shipment.number}"), transaction.atomic():
        change(line, quantity=Decimal(1))
    with pytest.raises(Conflict, match="cancel that shipment first"), transaction.atomic():
        line_cancel(line=line, reason="late")
    shipment_move(shipment=shipment, action="pack")
    from supply.flows.ship import shipment_confirm

    shipment_confirm(shipment=shipment)
    with pytest.raises(InvalidTransition, match="shipped quantities and dates are final"):
        change(line, quantity=Decimal(1))
    line.refresh_from_db()
    assert line.quantity == 2


def test_every_change_is_on_the_line_timeline_with_who_and_why(world):
    line = world.supplied(world.laptop, 5)
    world.on_po(line)

    line_change(line=line, quantity=Decimal(3), acting_user=world.csr, reason="budget cut")

    from core.models import TransitionLog

    entries = TransitionLog.objects.filter(demand_line_id=line.pk, reason__contains="budget cut")
    fields = {(e.document_type.split(".")[-1], e.field) for e in entries}
    assert ("fulfillmentline", "quantity") in fields
    assert ("purchaseorderline", "quantity") in fields
    assert all(e.actor == world.csr for e in entries)
