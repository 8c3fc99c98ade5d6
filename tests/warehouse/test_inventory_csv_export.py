"""The inventory list and a balance's ledger export as CSV: the rows the screen's filters
select, all pages, in a constant number of queries."""

import csv
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import ItemFactory
from warehouse.models import InventoryBalance

pytestmark = pytest.mark.django_db


def download(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
        assert response.status_code == 200
        assert response["Content-Type"] == "text/csv; charset=utf-8"
        rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    return rows, len(captured)


def test_the_inventory_exports_what_the_filters_select(world, client_for):
    world.transfer_setup()
    world.stock(world.laptop, Decimal("1250.5"))
    client = client_for("warehouse")

    rows, _ = download(client, "/warehouse/inventory/?organization=W1&format=csv")

    assert rows == [
        ["Item", "Description", "Organization", "On hand", "Reserved", "Available", "In transit"],
        ["LAPTOP-15", world.laptop.description, "W1", "1250.5", "0", "1250.5", "0"],
    ]


def test_the_export_link_carries_the_current_filters(world, client_for):
    world.stock(world.laptop, 1)
    client = client_for("warehouse")
    page = client.get("/warehouse/inventory/?q=lap&organization=W1").content.decode()
    assert 'href="?q=lap&amp;organization=W1&amp;format=csv"' in page
    partial = client.get("/warehouse/inventory/?q=lap", HTTP_HX_REQUEST="true").content.decode()
    assert 'href="?q=lap&amp;format=csv"' in partial


def test_the_inventory_export_runs_the_same_queries_for_few_or_many_rows(world, client_for):
    client = client_for("warehouse")
    world.stock(world.laptop, 1)
    _, few = download(client, "/warehouse/inventory/?format=csv")
    for index in range(60):  # more than a page
        world.stock(ItemFactory(sku=f"PART-{index:03}"), index + 1)
    rows, many = download(client, "/warehouse/inventory/?format=csv")
    assert len(rows) == 62 and many == few


def test_the_ledger_exports_every_movement_with_its_documents(world, client_for):
    client = client_for("warehouse")
    world.stock(world.laptop, 5)
    balance = InventoryBalance.objects.get()
    url = f"/warehouse/inventory/{balance.pk}/?format=csv"
    rows, few = download(client, url)
    assert rows[0] == [
        "When",
        "Kind",
        "Bucket",
        "Quantity",
        "Document",
        "Received on",
        "Sales order",
        "Line",
        "Reason",
        "By",
    ]
    assert rows[1][1:] == ["Adjustment", "On hand", "5", "", "", "", "", "count", "system"]
    for _ in range(55):
        world.stock(world.laptop, 1)
    rows, many = download(client, url)
    assert len(rows) == 57 and many == few
    page = client.get(f"/warehouse/inventory/{balance.pk}/").content.decode()
    assert 'href="?format=csv"' in page
