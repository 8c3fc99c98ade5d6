"""The production screens: the worklist and the work-order page run the same queries however
many work orders and components there are, and a bad completion says what to do."""

import pytest

from manufacturing.models import WorkOrder
from tests.world import page_queries

pytestmark = pytest.mark.django_db


def test_the_worklist_and_the_api_list_run_the_same_queries_for_1_or_5_work_orders(
    client_for, world
):
    world.make_setup()
    production = client_for("production")
    world.work_orders(1)
    one = [
        page_queries(production, u) for u in ("/manufacturing/work-orders/", "/api/v1/work-orders")
    ]
    world.work_orders(4)
    five = [
        page_queries(production, u) for u in ("/manufacturing/work-orders/", "/api/v1/work-orders")
    ]
    assert one == five


def test_a_bad_completion_quantity_is_refused_with_what_to_do(client_for, world):
    world.make_setup()
    world.work_orders(1)
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
