"""The dashboard's figures on known data: each one asserted, each linked to the worklist that
lists its rows, in a constant number of queries."""

import datetime

import pytest
import time_machine

from dashboard import selectors
from dashboard.selectors import Period
from supply.flows.buy import purchase_order_acknowledge, purchase_order_cancel
from supply.flows.ship import shipment_confirm
from supply.services import sales_order_submit
from tests.factories import UserFactory
from warehouse.shipments import ShipLine, shipment_create, shipment_move

pytestmark = pytest.mark.django_db

TODAY = datetime.date.today()


def days(n: int):
    return time_machine.travel(datetime.datetime.now() + datetime.timedelta(days=n), tick=False)


def ship(world, line, **kwargs):
    shipment = shipment_create(organization=world.w1, lines=[ShipLine(line)])
    shipment_move(shipment=shipment, action="pick")
    shipment_move(shipment=shipment, action="pack")
    return shipment_confirm(shipment=shipment, carrier="UPS", tracking_number="1Z", **kwargs)


@pytest.fixture
def shipped(world):
    """Two lines from stock promised today: one shipped today (on time), one shipped ten days
    later (late)."""
    world.stock(world.laptop, 2)
    order = world.order((world.laptop, 1), (world.laptop, 1))
    sales_order_submit(order=order, acting_user=world.csr)
    first, second = order.lines.order_by("line_number")
    assert first.promised_ship_date == second.promised_ship_date == TODAY
    ship(world, first)
    with days(10):
        ship(world, second)
    return order


def test_on_time_ship_percentage_per_week_counts_lines_shipped_by_their_promise(shipped):
    period = Period(TODAY - datetime.timedelta(days=3), TODAY + datetime.timedelta(days=10))

    weeks = {week["week"]: week for week in selectors.on_time_by_week(period)}

    this_week = TODAY - datetime.timedelta(days=TODAY.weekday())
    later = this_week + datetime.timedelta(weeks=(TODAY.weekday() + 10) // 7)
    assert (weeks[this_week]["shipped"], weeks[this_week]["on_time"]) == (1, 1)
    assert weeks[this_week]["percent"] == 100.0
    assert (weeks[later]["shipped"], weeks[later]["on_time"], weeks[later]["percent"]) == (
        1,
        0,
        0.0,
    )
    assert selectors.on_time_total(list(weeks.values())) == 50.0
    assert all(w["percent"] is None for k, w in weeks.items() if k not in (this_week, later))


def test_order_to_ship_days_puts_each_shipped_line_in_its_bucket(shipped):
    period = Period(TODAY, TODAY + datetime.timedelta(days=10))

    counts = dict(
        zip(
            [label for label, *_ in selectors.LEAD_TIME_BUCKETS],
            selectors.order_to_ship_days(period),
            strict=True,
        )
    )

    assert counts == {
        "Same day": 1,
        "1 d": 0,
        "2 d": 0,
        "3–5 d": 0,
        "6–10 d": 1,
        "11–20 d": 0,
        "21+ d": 0,
    }
    assert sum(selectors.order_to_ship_days(Period(TODAY, TODAY))) == 1  # the range applies


def test_lines_are_counted_by_status_and_supply_type(world):
    world.supplied(world.laptop, 3)  # bought: awaiting supply
    world.stock(world.laptop, 1)
    order = world.order((world.laptop, 1))
    sales_order_submit(order=order, acting_user=world.csr)  # from stock: awaiting shipping
    world.order((world.laptop, 2))  # a draft, not sourced

    figures = selectors.lines_by_status_and_type(Period(TODAY, TODAY))

    assert figures["counts"] == {
        "AWAITING_SUPPLY": {"BUY": 1},
        "AWAITING_SHIPPING": {"ON_HAND": 1},
        "DRAFT": {"": 1},
    }
    assert [status for status, _label in figures["statuses"]] == [
        "DRAFT",
        "AWAITING_SUPPLY",
        "AWAITING_SHIPPING",
    ]
    assert (
        selectors.lines_by_status_and_type(
            Period(TODAY + datetime.timedelta(days=1), TODAY + datetime.timedelta(days=2))
        )["counts"]
        == {}
    )


def test_late_purchase_orders_are_grouped_by_supplier(world):
    line = world.supplied(world.laptop, 2)
    po_line = world.on_po(line)
    assert selectors.late_purchase_orders_by_supplier() == []

    with days((po_line.need_by_date - TODAY).days + 1):
        late = selectors.late_purchase_orders_by_supplier()

    assert late == [{"supplier": "S-CONTOSO", "name": world.contoso.name, "lines": 1, "orders": 1}]


def test_open_exceptions_and_backorders_are_counted_by_age(world):
    buyer = UserFactory(username="buyer", roles=["buyer"])
    line = world.supplied(world.laptop, 5)
    po_line = world.on_po(line)
    purchase_order_cancel(po=po_line.purchase_order, reason="closed", acting_user=buyer)
    line.refresh_from_db()
    assert line.status == "BACKORDERED"

    with days(5):
        exceptions = selectors.open_exceptions_by_age()
        backorders = selectors.backorders_by_age()

    assert exceptions == [0, 0, 1, 0, 0]  # raised 5 days ago
    assert backorders == [0, 0, 0, 1, 0, 0]  # not due; requested today, 5 days ago


def test_jeopardy_counts_open_late_lines_and_the_worst_delay(world):
    assert selectors.jeopardy_summary() == {"lines": 0, "worst_days": 0}
    buyer = UserFactory(username="buyer", roles=["buyer"])
    line = world.supplied(world.laptop, 2)
    po_line = world.on_po(line)
    late = line.promised_ship_date + datetime.timedelta(days=3)  # + 1 receiving day

    purchase_order_acknowledge(
        po=po_line.purchase_order, accepted=True, promised_dates={1: late}, acting_user=buyer
    )

    assert selectors.jeopardy_summary() == {"lines": 1, "worst_days": 4}
