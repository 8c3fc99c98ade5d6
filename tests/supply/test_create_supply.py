"""create_supply turns a REQUESTED supply order into its document — exactly once."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.utils import timezone

from orders.models import FulfillmentLine
from orders.services import LineInput
from procurement.models import RequisitionLine
from supply.models import SupplyOrder, SupplyTrackingLine
from supply.services import (
    backorders_repromise,
    line_cancel,
    sales_order_submit,
    supply_order_create_document,
    supply_orders_requeue_stale,
)
from tests.factories import ItemFactory
from tests.world import run_concurrently
from warehouse.models import InventoryBalance, Reservation

LineStatus = FulfillmentLine.Status


def submitted(world, quantity=50):
    order = world.order((world.laptop, quantity))
    sales_order_submit(order=order, acting_user=world.csr)
    return SupplyOrder.objects.get(demand_line__order=order)


def assert_one_requisition(supply_order):
    line = supply_order.demand_line
    assert RequisitionLine.objects.filter(demand_line=line).count() == 1
    assert SupplyTrackingLine.objects.filter(supply_order=supply_order).count() == 1
    assert Reservation.objects.filter(demand_line=line, supply_source="REQUISITION").count() == 1


@pytest.mark.django_db
def test_buy_creates_a_requisition_for_the_chosen_supplier_and_reserves_against_it(world):
    supply_order = submitted(world)

    supply_order_create_document(supply_order_id=supply_order.pk)

    supply_order.refresh_from_db()
    line = supply_order.demand_line
    assert supply_order.status == "IN_PROCESS"
    assert line.status == LineStatus.AWAITING_SUPPLY
    requisition = RequisitionLine.objects.get(demand_line=line)
    assert requisition.number.startswith("REQ-")
    assert (requisition.supplier, requisition.unit_price, requisition.quantity) == (
        world.contoso,
        Decimal("900"),
        Decimal("50"),
    )
    # need-by leaves the receiving day before the scheduled ship date
    assert requisition.need_by_date == line.scheduled_ship_date - datetime.timedelta(days=1)
    reservation = Reservation.objects.get(demand_line=line)
    assert (reservation.supply_source, reservation.document_number) == (
        "REQUISITION",
        requisition.number,
    )
    assert InventoryBalance.objects.get(item=world.laptop).reserved == 0


@pytest.mark.django_db
def test_running_it_twice_in_a_row_creates_one_document(world):
    supply_order = submitted(world)
    supply_order_create_document(supply_order_id=supply_order.pk)
    supply_order_create_document(supply_order_id=supply_order.pk)
    assert_one_requisition(supply_order)


@pytest.mark.django_db(transaction=True)
def test_two_workers_racing_create_one_document(world):
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    supply_order = submitted(world)
    errors = run_concurrently(
        lambda _: supply_order_create_document(supply_order_id=supply_order.pk), range(4)
    )

    assert not errors
    assert_one_requisition(supply_order)


@pytest.mark.django_db
def test_the_database_refuses_a_second_active_supply_order_for_a_line(world):
    from django.db import IntegrityError

    supply_order = submitted(world)
    with pytest.raises(IntegrityError), transaction.atomic():
        SupplyOrder.objects.create(
            number="SUP-X", demand_line=supply_order.demand_line, supply_type="BUY", quantity=1
        )


@pytest.mark.django_db
def test_supply_orders_without_a_document_are_requeued_with_a_back_off(world):
    stale = submitted(world)
    fresh = submitted(world, quantity=2)
    done = submitted(world, quantity=3)
    supply_order_create_document(supply_order_id=done.pk)
    an_hour_ago = timezone.now() - datetime.timedelta(hours=1)
    SupplyOrder.objects.filter(pk__in=[stale.pk, done.pk]).update(
        created_at=an_hour_ago, next_requeue_at=an_hour_ago
    )

    assert supply_orders_requeue_stale() == [stale.pk]
    # backed off: not again right away
    assert supply_orders_requeue_stale() == []
    stale.refresh_from_db()
    assert stale.requeue_count == 1
    assert stale.next_requeue_at > timezone.now() + datetime.timedelta(seconds=50)
    assert fresh.pk not in supply_orders_requeue_stale()


@pytest.mark.django_db
def test_cancelling_a_scheduled_line_cancels_its_supply_request(world):
    supply_order = submitted(world)
    line = line_cancel(line=supply_order.demand_line, reason="customer changed mind")

    supply_order.refresh_from_db()
    assert (line.status, supply_order.status) == (LineStatus.CANCELLED, "CANCELLED")
    # a late create_supply message does nothing
    supply_order_create_document(supply_order_id=supply_order.pk)
    assert not RequisitionLine.objects.exists()
    line.order.refresh_from_db()
    assert line.order.status == "CANCELLED"


@pytest.mark.django_db
def test_cancelling_an_on_hand_line_releases_its_reservation(world):
    world.stock(world.laptop, 5)
    order = world.order((world.laptop, 2))
    sales_order_submit(order=order, acting_user=world.csr)
    line = order.lines.get()

    line_cancel(line=line, reason="duplicate order")

    assert InventoryBalance.objects.get(item=world.laptop).reserved == 0
    assert Reservation.objects.get(demand_line=line).status == "RELEASED"


@pytest.mark.django_db
def test_cancelling_a_line_cancels_its_open_requisition(world):
    supply_order = submitted(world)
    supply_order_create_document(supply_order_id=supply_order.pk)

    line_cancel(line=supply_order.demand_line, reason="no")

    assert RequisitionLine.objects.get().status == "CANCELLED"
    assert not supply_order.demand_line.reservations.filter(status="ACTIVE").exists()


@pytest.mark.django_db
def test_backordered_lines_are_promised_when_stock_arrives_oldest_first(
    world, django_capture_on_commit_callbacks
):
    cable = ItemFactory(sku="CABLE", back_to_back=False)
    late = world.order(
        LineInput(
            item=cable,
            quantity=Decimal(2),
            requested_ship_date=timezone.localdate() + datetime.timedelta(days=9),
        )
    )
    early = world.order((cable, 2))
    for order in (late, early):
        sales_order_submit(order=order, acting_user=world.csr)
    assert set(FulfillmentLine.objects.values_list("status", flat=True)) == {LineStatus.BACKORDERED}

    with django_capture_on_commit_callbacks() as callbacks:
        world.stock(cable, 3)
    assert callbacks, "the arrival of stock queues a re-promise"

    assert backorders_repromise(item_id=cable.pk) == 2
    (early_line,) = early.lines.filter(split_from=None)
    assert early_line.status == LineStatus.AWAITING_SHIPPING and early_line.quantity == 2
    # the later line got what was left (1) and its remainder stays backordered
    late_lines = list(late.lines.order_by("line_number"))
    assert [(line.quantity, line.status) for line in late_lines] == [
        (Decimal(1), LineStatus.AWAITING_SHIPPING),
        (Decimal(1), LineStatus.BACKORDERED),
    ]


@pytest.mark.django_db
def test_a_draft_order_with_a_cancelled_line_stays_draft(world):
    order = world.order((world.laptop, 1), (world.laptop, 2))
    line_cancel(line=order.lines.get(line_number=2), reason="typo")
    order.refresh_from_db()
    assert order.status == "DRAFT"
