"""The production worklist exports every work order its filters select as CSV, in a constant
number of queries."""

import csv
import io
from decimal import Decimal

import pytest

from manufacturing.models import WorkOrder
from orders.services import LineInput
from supply.models import SupplyOrder
from supply.services import sales_order_submit, supply_order_create_document

pytestmark = pytest.mark.django_db


def work_orders(world, count):
    for _ in range(count):
        order = world.order(LineInput(world.desk, Decimal(1), ship_from=world.p1))
        sales_order_submit(order=order, acting_user=world.csr)
    for supply_order in SupplyOrder.objects.filter(status="REQUESTED"):
        supply_order_create_document(supply_order_id=supply_order.pk)


def export(client, **filters):
    response = client.get("/manufacturing/work-orders/", {**filters, "format": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


def test_the_csv_lists_every_filtered_work_order(client_for, world):
    world.make_setup()
    work_orders(world, 3)
    production = client_for("production")

    header, *rows = export(production, q=WorkOrder.objects.earliest("id").number)

    assert header[:4] == ["Work order", "Status", "Plant", "Item"]
    first = WorkOrder.objects.earliest("id")
    assert rows == [
        [
            first.number,
            "UNRELEASED",
            "P1",
            "DESK-60",
            "1.000",
            "0.000",
            first.due_date.isoformat(),
            first.demand_line.order.number,
            "1",
            "C-ACME",
        ]
    ]
    assert len(export(production)) == 1 + 3


def test_the_export_runs_the_same_queries_for_few_or_many(
    client_for, world, django_assert_max_num_queries
):
    world.make_setup()
    production = client_for("production")
    work_orders(world, 1)
    with django_assert_max_num_queries(6):
        export(production)
    work_orders(world, 8)
    with django_assert_max_num_queries(6):
        assert len(export(production)) == 1 + 9
