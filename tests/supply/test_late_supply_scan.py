"""The late-supply scan: a PO line past its need-by date and not received, a work order past
due, a transfer that has not shipped by its need-by date — each reschedules the line it works
for and puts it in jeopardy with the reason; a second run writes nothing."""

import datetime
from decimal import Decimal

import pytest
import time_machine

from core.models import TransitionLog
from manufacturing.models import WorkOrder
from supply.services.jeopardy import late_supply_scan
from supply.tasks import scan_late_supply
from warehouse.models import TransferOrder

pytestmark = pytest.mark.django_db


def days_later(n):
    return time_machine.travel(datetime.datetime.now() + datetime.timedelta(days=n), tick=False)


def test_a_po_line_past_its_need_by_puts_the_line_in_jeopardy(world, settings):
    settings.PO_APPROVAL_THRESHOLD = Decimal("100000")
    line = world.supplied(world.laptop, 2)
    po_line = world.on_po(line)
    promised = line.promised_ship_date  # today + 5 lead + 1 receiving

    with days_later(8):
        assert late_supply_scan() == 1
        assert late_supply_scan() == 0
        today = datetime.date.today()

    line.refresh_from_db()
    assert line.scheduled_ship_date == today + datetime.timedelta(days=2)
    assert line.jeopardy_days == (line.scheduled_ship_date - promised).days == 4
    assert line.jeopardy_reason == (
        f"late supply: {po_line.number} was needed by {po_line.need_by_date} and is not received"
    )
    assert (
        TransitionLog.objects.filter(demand_line_id=line.pk, field="scheduled_ship_date").count()
        == 2
    )


def test_a_late_work_order_and_an_unshipped_transfer_are_flagged(world):
    world.make_setup()
    world.transfer_setup()
    desk = world.supplied(world.desk, 1, ship_from=world.p1)
    chair = world.supplied(world.chair, 2)
    assert WorkOrder.objects.get().due_date < chair.promised_ship_date + datetime.timedelta(days=10)

    with days_later(12):
        assert scan_late_supply() == 2

    desk.refresh_from_db()
    chair.refresh_from_db()
    assert desk.jeopardy_reason.startswith(f"late supply: {WorkOrder.objects.get().number} was due")
    transfer = TransferOrder.objects.get()
    assert chair.jeopardy_reason.endswith(
        f"{transfer.number} was needed by {transfer.need_by_date} and has not shipped"
    )
    assert desk.jeopardy_days > 0 and chair.jeopardy_days > 0


def test_supply_on_time_leaves_the_line_alone(world):
    line = world.supplied(world.laptop, 2)
    assert late_supply_scan() == 0
    line.refresh_from_db()
    assert (line.jeopardy_days, line.jeopardy_reason) == (0, "")
