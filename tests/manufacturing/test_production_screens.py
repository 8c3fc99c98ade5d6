"""The production screens: the worklist and the work-order page run the same queries however
many work orders and components there are, and a bad completion says what to do."""

from decimal import Decimal

import pytest

from manufacturing.models import WorkOrder
from orders.services import LineInput
from supply.models import SupplyOrder
from supply.services import sales_order_submit, supply_order_create_document
from tests.world import page_queries

pytestmark = pytest.mark.django_db


def work_orders(world, count):
    for _ in range(count):
        order = world.order(LineInput(world.desk, Decimal(1), ship_from=world.p1))
        sales_order_submit(order=order, acting_user=world.csr)
    for supply_order in SupplyOrder.objects.filter(status="REQUESTED"):
        supply_order_create_document(supply_order_id=supply_order.pk)


def test_the_worklist_and_the_api_list_run_the_same_queries_for_1_or_5_work_orders(
    client_for, world
):
    world.make_setup()
    production = client_for("production")
    work_orders(world, 1)
    one = [
        page_queries(production, u) for u in ("/manufacturing/work-orders/", "/api/v1/work-orders")
    ]
    work_orders(world, 4)
    five = [
        page_queries(production, u) for u in ("/manufacturing/work-orders/", "/api/v1/work-orders")
    ]
    assert one == five


def test_a_bad_completion_quantity_is_refused_with_what_to_do(client_for, world):
    world.make_setup()
    work_orders(world, 1)
    production = client_for("production")
    number = WorkOrder.objects.get().number
    production.post(f"/manufacturing/work-orders/{number}/release/")
    production.post(f"/manufacturing/work-orders/{number}/issue/")

    page = production.post(
        f"/manufacturing/work-orders/{number}/complete/", {"quantity": "abc"}, follow=True
    )

    assert "Enter the quantity as a number." in page.content.decode()
    too_many = production.post(
        f"/manufacturing/work-orders/{number}/complete/", {"quantity": "5"}, follow=True
    )
    assert "1 of 1 left to make: 5 is too many" in too_many.content.decode()
    assert page_queries(production, f"/manufacturing/work-orders/{number}/") < 25
    assert page_queries(production, f"/manufacturing/work-orders/{number}/pick-list/") < 10
