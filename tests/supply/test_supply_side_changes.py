"""Supply that is lost on the supply side — a PO or PO line cancelled or cut by the buyer, a
supplier's rejection, a work order or transfer cancelled at its source — gets a typed exception
and goes automatically to the next feasible source (never the one that failed), pegged to the
same line; with none left the line is backordered and the exception stays open for the
orchestration manager. The buyer's own change orders revise the PO."""

import datetime
from decimal import Decimal

import pytest
from django.db import transaction

from catalog.models import SourcingRule
from core.exceptions import Conflict
from manufacturing.models import WorkOrder
from orders.services import LineInput
from procurement.models import PurchaseOrder, RequisitionLine
from supply.flows.buy import (
    purchase_order_acknowledge,
    purchase_order_cancel,
    purchase_order_line_revise,
    purchase_order_line_take_back,
)
from supply.flows.make import work_order_cancel
from supply.flows.receive import receipt_create
from supply.models import SourcingDecision, SupplyOrder
from supply.services import (
    SourceChoice,
    backorders_repromise,
    supply_order_cancel_supply,
    supply_order_choose_source,
)
from tests.factories import BuyRuleFactory, SupplierFactory
from tests.world import assert_pegging_holds
from warehouse.models import TransferOrder
from warehouse.services import ReceiveLine

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_po_approval_needed")]


@pytest.fixture
def northwind(world):
    """A second, dearer supplier of the laptop at rank 2."""
    supplier = SupplierFactory(number="S-NORTHWIND")
    BuyRuleFactory(
        item=world.laptop,
        organization=world.w1,
        supplier=supplier,
        rank=2,
        unit_price=Decimal("950"),
        lead_time_days=7,
    )
    return supplier


def supply_of(line) -> SupplyOrder:
    return SupplyOrder.objects.exclude(status__in=["CANCELLED", "CLOSED"]).get(demand_line=line)


def test_a_cancelled_po_sends_its_line_to_the_next_ranked_supplier(world, northwind, buyer):
    line = world.supplied(world.laptop, 5)
    po_line = world.on_po(line)

    purchase_order_cancel(po=po_line.purchase_order, reason="supplier bankrupt", acting_user=buyer)

    supply_order = supply_of(line)
    assert (supply_order.status, supply_order.supplier) == ("IN_PROCESS", northwind)
    requisition = RequisitionLine.objects.get(status="OPEN")
    assert (requisition.demand_line, requisition.supplier, requisition.quantity) == (
        line,
        northwind,
        5,
    )
    exception = supply_order.exceptions.get()
    assert exception.kind == "DOCUMENT_CANCELLED"
    assert exception.resolved_at is not None
    assert exception.resolution.startswith("5 from buy S-NORTHWIND on REQ-")
    decision = SourcingDecision.objects.filter(line=line).first()
    failed = next(c for c in decision.candidates if c["supplier"] == "S-CONTOSO")
    assert (failed["feasible"], failed["reason"]) == (
        False,
        f"{po_line.purchase_order.number} cancelled: supplier bankrupt",
    )
    line.refresh_from_db()
    assert line.status == "AWAITING_SUPPLY" and line.jeopardy_days == 2  # 7 days, not 5
    assert_pegging_holds()


def test_a_supplier_rejection_goes_to_a_transfer_when_that_is_next(world):
    world.transfer_setup()
    SourcingRule.objects.create(
        item=world.laptop,
        organization=world.w1,
        type="TRANSFER",
        source_organization=world.w2,
        rank=2,
        lead_time_days=10,
    )
    world.stock(world.laptop, 5, org=world.w2)
    line = world.supplied(world.laptop, 3)
    po_line = world.on_po(line)

    purchase_order_acknowledge(
        po=po_line.purchase_order, accepted=False, promised_dates={}, note="discontinued"
    )

    po = PurchaseOrder.objects.get()
    assert po.status == "CANCELLED"
    transfer = TransferOrder.objects.get()
    assert (transfer.demand_line, transfer.source) == (line, world.w2)
    supply_order = supply_of(line)
    assert supply_order.supply_type == "TRANSFER"
    assert supply_order.exceptions.get().kind == "SUPPLIER_REJECTED"
    line.refresh_from_db()
    assert line.supply_type == "TRANSFER"
    assert_pegging_holds()


def test_a_buyer_cut_sends_only_the_difference_to_the_next_source(world, northwind, buyer):
    line = world.supplied(world.laptop, 5)
    po_line = world.on_po(line)

    purchase_order_line_revise(po_line=po_line, quantity=Decimal(3), acting_user=buyer)

    po_line.refresh_from_db()
    assert (po_line.quantity, po_line.purchase_order.revision) == (3, 1)
    supply_order = supply_of(line)
    first, second = supply_order.tracking_lines.order_by("sequence")
    assert (first.purchase_order_line, first.quantity) == (po_line, 3)
    assert (second.requisition_line.supplier, second.quantity) == (northwind, 2)
    assert supply_order.exceptions.get().kind == "QUANTITY_REDUCED"
    assert_pegging_holds()


def test_a_buyer_raise_arrives_as_free_stock_beyond_the_line(world, buyer):
    line = world.supplied(world.laptop, 5)
    po_line = world.on_po(line)

    purchase_order_line_revise(po_line=po_line, quantity=Decimal(7), acting_user=buyer)
    receipt_create(purchase_order=po_line.purchase_order, lines=[ReceiveLine(1, Decimal(7))])

    line.refresh_from_db()
    assert line.status == "AWAITING_SHIPPING"
    assert line.reservations.get(status="ACTIVE").quantity == 5
    from warehouse.models import InventoryBalance

    assert InventoryBalance.objects.get(item=world.laptop).available == 2
    assert_pegging_holds()


def test_a_later_promised_date_from_the_buyer_puts_the_line_in_jeopardy(world, buyer):
    line = world.supplied(world.laptop, 5)
    po_line = world.on_po(line)
    promised = line.scheduled_ship_date + datetime.timedelta(days=3)

    purchase_order_line_revise(po_line=po_line, promised_date=promised, acting_user=buyer)

    line.refresh_from_db()
    assert line.scheduled_ship_date == promised + datetime.timedelta(days=1)
    assert line.jeopardy_days == 4


def test_a_cancelled_po_line_of_a_shared_po_is_a_change_order(world, northwind, buyer):
    first = world.supplied(world.laptop, 2)
    second = world.supplied(world.laptop, 3)
    from procurement.services import purchase_order_submit
    from supply.flows.buy import purchase_orders_create

    (po,) = purchase_orders_create(
        requisition_line_ids=[first.requisition_lines.get().pk, second.requisition_lines.get().pk]
    )
    purchase_order_submit(po=po)

    purchase_order_line_take_back(
        po_line=po.lines.get(line_number=1), reason="short", acting_user=buyer
    )

    po.refresh_from_db()
    assert (po.status, po.revision) == ("OPEN", 1)
    assert supply_of(first).supplier == northwind
    assert_pegging_holds()


def test_a_cancelled_work_order_goes_to_a_buy_rule_next(world):
    world.make_setup()
    BuyRuleFactory(item=world.desk, organization=world.p1, rank=2, supplier=world.contoso)
    line = world.supplied(world.desk, 2, ship_from=world.p1)

    work_order_cancel(work_order=WorkOrder.objects.get(), reason="machine down")

    supply_order = supply_of(line)
    assert (supply_order.supply_type, supply_order.status) == ("BUY", "IN_PROCESS")
    assert RequisitionLine.objects.get().demand_line == line
    assert_pegging_holds()


def test_with_no_source_left_the_line_waits_for_the_manager(world, buyer, northwind):
    line = world.supplied(world.laptop, 5)
    po_line = world.on_po(line)
    northwind_rule = SourcingRule.objects.get(supplier=northwind)
    northwind_rule.effective_to = datetime.date.today() - datetime.timedelta(days=1)
    northwind_rule.save()

    purchase_order_cancel(po=po_line.purchase_order, reason="closed", acting_user=buyer)

    line.refresh_from_db()
    supply_order = supply_of(line)
    assert (line.status, supply_order.status) == ("BACKORDERED", "EXCEPTION")
    assert supply_order.exceptions.get().resolved_at is None
    assert backorders_repromise() == 0  # the manager decides, not the re-promise run
    assert_pegging_holds()

    with pytest.raises(Conflict, match="cannot supply"), transaction.atomic():
        supply_order_choose_source(
            supply_order=supply_order,
            choice=SourceChoice(type="BUY", supplier="S-NORTHWIND"),
            acting_user=buyer,
        )
    supply_order_choose_source(
        supply_order=supply_order,
        choice=SourceChoice(type="BUY", supplier="S-CONTOSO"),
        acting_user=buyer,
    )

    line.refresh_from_db()
    assert line.status == "AWAITING_SUPPLY"
    exception = supply_of(line).exceptions.get()
    assert exception.resolved_by == buyer
    assert_pegging_holds()


def test_after_a_partial_receipt_a_cancelled_supply_ships_what_arrived(world, buyer):
    line = world.supplied(world.laptop, 5)
    po_line = world.on_po(line)
    receipt_create(purchase_order=po_line.purchase_order, lines=[ReceiveLine(1, Decimal(2))])
    purchase_order_line_take_back(po_line=po_line, reason="cannot make more", acting_user=buyer)
    line.refresh_from_db()
    assert line.status == "BACKORDERED"
    assert_pegging_holds()

    supply_order_cancel_supply(
        supply_order=supply_of(line), reason="customer waits for stock", acting_user=buyer
    )
    world.stock(world.laptop, 10)
    assert backorders_repromise() == 1

    first, rest = line.order.lines.order_by("line_number")
    assert (first.quantity, first.status) == (2, "AWAITING_SHIPPING")
    assert (rest.quantity, rest.status, rest.split_from) == (3, "AWAITING_SHIPPING", first)
    assert_pegging_holds()


def test_a_make_line_grows_with_a_new_work_order_once_released(world):
    world.make_setup()
    line = world.order(LineInput(world.desk, Decimal(2), ship_from=world.p1))
    from manufacturing.services import work_order_release
    from supply.services import line_change, sales_order_submit, supply_order_create_document

    sales_order_submit(order=line, acting_user=world.csr)
    supply_order_create_document(supply_order_id=SupplyOrder.objects.get().pk)
    demand = line.lines.get()
    work_order_release(work_order=WorkOrder.objects.get())

    line_change(line=demand, quantity=Decimal(3), acting_user=world.csr)
    line_change(line=demand, quantity=Decimal(1), acting_user=world.csr)

    first, second = WorkOrder.objects.order_by("pk")
    assert (first.quantity, first.status) == (2, "RELEASED")
    assert second.status == "CANCELLED"  # the newest went first
    demand.refresh_from_db()
    assert demand.reservations.get(status="ACTIVE", supply_source="WORK_ORDER").quantity == 1
    assert_pegging_holds()
