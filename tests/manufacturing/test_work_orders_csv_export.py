"""The production worklist exports every work order its filters select as CSV, in a constant
number of queries."""

import csv
import io

import pytest

from manufacturing.models import WorkOrder

pytestmark = pytest.mark.django_db


def export(client, **filters):
    response = client.get("/manufacturing/work-orders/", {**filters, "format": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


def test_the_csv_lists_every_filtered_work_order(client_for, world):
    world.make_setup()
    world.work_orders(3)
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
            "1",  # quantities as core.csv_export writes them
            "0",
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
    world.work_orders(1)
    with django_assert_max_num_queries(6):
        export(production)
    world.work_orders(8)
    with django_assert_max_num_queries(6):
        assert len(export(production)) == 1 + 9
