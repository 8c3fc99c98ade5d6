"""A sales order line cut after its work order was released, then grown back: the work
order's surplus is the line's again — no second source is opened for what it already makes,
the page no longer says the rest goes to free stock, and production hears the line needs it
all again."""

from decimal import Decimal

import pytest

from core.models import Notification
from manufacturing.models import WorkOrder
from supply.models import SupplyTrackingLine
from supply.services import line_change
from tests.manufacturing.test_partial_issue_scrap_and_cancel import released
from tests.world import assert_pegging_holds
from warehouse.models import Reservation

pytestmark = pytest.mark.django_db


def test_a_line_grown_back_after_a_cut_is_made_by_the_same_work_order(
    world, client_for, role_users
):
    client = client_for("production")
    work_order = released(world, client, quantity=4)
    line = work_order.demand_line

    line_change(line=line, quantity=Decimal(2), acting_user=world.csr, reason="customer")
    line_change(line=line, quantity=Decimal(3), acting_user=world.csr, reason="customer")

    work_order.refresh_from_db()
    assert work_order.quantity_for_demand == 3
    assert WorkOrder.objects.count() == 1
    assert_pegging_holds()

    line_change(line=line, quantity=Decimal(4), acting_user=world.csr, reason="customer")

    work_order.refresh_from_db()
    assert (work_order.quantity, work_order.quantity_for_demand) == (4, None)
    assert WorkOrder.objects.count() == 1
    assert SupplyTrackingLine.objects.count() == 1
    pegged = Reservation.objects.get(
        supply_source=Reservation.Source.WORK_ORDER, status=Reservation.Status.ACTIVE
    )
    assert pegged.quantity == 4
    assert_pegging_holds()
    page = client.get(f"/manufacturing/work-orders/{work_order.number}/").content.decode()
    assert 'data-testid="demand-cut"' not in page
    told = Notification.objects.filter(
        user=role_users["production"], kind="work_order_demand_cut"
    ).order_by("id")
    assert "needs all 4 again" in told.last().message


def test_growth_beyond_the_work_orders_surplus_gets_another_source_for_all_of_it(world, client_for):
    work_order = released(world, client_for("production"), quantity=3)
    line = work_order.demand_line

    line_change(line=line, quantity=Decimal(2), acting_user=world.csr, reason="customer")
    line_change(line=line, quantity=Decimal(5), acting_user=world.csr, reason="customer")

    work_order.refresh_from_db()
    assert work_order.quantity_for_demand == 2  # unchanged: the growth did not fit it
    assert_pegging_holds()
