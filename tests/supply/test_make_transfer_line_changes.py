"""A customer changes or cancels a Make or Transfer line: an unreleased work order and an open
transfer change in place (material requirements and the hold at the source follow), a released
work order or a shipped transfer goes on while new supply or free stock takes up the
difference; dates move the documents' due and need-by dates."""

import datetime
from decimal import Decimal

import pytest

from manufacturing.models import WorkOrder
from supply.flows.transfer import transfer_order_receive
from supply.services import line_cancel, line_change
from tests.world import assert_pegging_holds
from warehouse.models import InventoryBalance, TransferOrder
from warehouse.transfers import ReceiveLine, transfer_order_ship

pytestmark = pytest.mark.django_db
LATER = datetime.date.today() + datetime.timedelta(days=40)


def held_at(world, item, org):
    return InventoryBalance.objects.get(item=item, organization=org)


def test_an_unreleased_work_order_follows_quantity_and_date(world):
    world.make_setup()
    line = world.supplied(world.desk, 2, ship_from=world.p1)

    line_change(line=line, quantity=Decimal(3), requested_ship_date=LATER, acting_user=world.csr)

    work_order = WorkOrder.objects.get()
    assert (work_order.quantity, work_order.due_date, work_order.status) == (3, LATER, "UNRELEASED")
    assert {c.item.sku: c.quantity_required for c in work_order.components.all()} == {
        "LEG": 12,
        "TOP": 3,
    }
    line_change(line=line, quantity=Decimal(1), acting_user=world.csr)
    work_order.refresh_from_db()
    assert work_order.quantity == 1
    assert_pegging_holds()


def test_a_make_line_cancelled_before_release_cancels_its_work_order(world):
    world.make_setup()
    line = world.supplied(world.desk, 2, ship_from=world.p1)

    line_cancel(line=line, reason="order lost", acting_user=world.csr)

    assert WorkOrder.objects.get().status == "CANCELLED"
    assert_pegging_holds()


def test_an_open_transfer_follows_and_its_source_hold_too(world):
    world.transfer_setup()
    line = world.supplied(world.chair, 4)

    line_change(line=line, quantity=Decimal(6), requested_ship_date=LATER, acting_user=world.csr)

    transfer = TransferOrder.objects.get()
    assert (transfer.lines.get().quantity, transfer.need_by_date) == (6, LATER)
    assert held_at(world, world.chair, world.w2).reserved == 6
    line_change(line=line, quantity=Decimal(3), acting_user=world.csr)
    assert held_at(world, world.chair, world.w2).reserved == 3
    assert_pegging_holds()


def test_more_than_the_transfer_source_holds_is_split_off_backordered(world):
    world.transfer_setup()
    line = world.supplied(world.chair, 4)

    line_change(line=line, quantity=Decimal(14), acting_user=world.csr)

    first, split = line.order.lines.order_by("line_number")
    # W2 can send 6 more, not 10: the 10 extra wait together for re-promising
    assert (first.quantity, split.quantity, split.status) == (4, 10, "BACKORDERED")
    assert TransferOrder.objects.get().lines.get().quantity == 4
    assert_pegging_holds()


def test_less_of_a_shipped_transfer_arrives_partly_as_free_stock(world):
    world.transfer_setup()
    line = world.supplied(world.chair, 4)
    transfer = TransferOrder.objects.get()
    transfer_order_ship(transfer_order=transfer)

    line_change(line=line, quantity=Decimal(3), acting_user=world.csr)
    assert_pegging_holds()
    transfer_order_receive(transfer_order=transfer, lines=[ReceiveLine(1, Decimal(4))])

    line.refresh_from_db()
    assert line.status == "AWAITING_SHIPPING"
    assert held_at(world, world.chair, world.w1).available == 1
    assert_pegging_holds()
