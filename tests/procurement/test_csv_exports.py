"""The PO list and the requisitions list export every row their filters select as CSV (the
Export CSV link carries the filters), in the same few queries however many rows there are."""

import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from procurement.models import PurchaseOrder, RequisitionLine
from supply.flows.buy import purchase_orders_create
from tests.factories import BuyRuleFactory, ItemFactory, SupplierFactory

pytestmark = pytest.mark.django_db


def exported(client, url) -> tuple[list[list[str]], int]:
    """The CSV rows of `url` (header first) and the queries it took, streaming included."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
        assert response.status_code == 200
        assert response["Content-Type"] == "text/csv; charset=utf-8"
        text = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(text))), len(queries)


def requisition_ids(world, *quantities):
    return [world.supplied(world.laptop, q).requisition_lines.get().pk for q in quantities]


def test_the_po_list_exports_all_filtered_rows_in_constant_queries(world, client_for):
    buyer = client_for("buyer")
    (first,) = purchase_orders_create(requisition_line_ids=requisition_ids(world, 1500))
    rows, few = exported(buyer, "/procurement/purchase-orders/?status=DRAFT&format=csv")
    assert rows[0][:3] == ["Purchase order", "Supplier", "Supplier name"]
    assert rows[1][0] == first.number
    assert rows[1][7] == "1350000.00" and rows[1][10] == "Not sent yet"

    for quantity in range(1, 61):  # more than a page (50)
        purchase_orders_create(requisition_line_ids=requisition_ids(world, quantity))
    rows, many = exported(buyer, "/procurement/purchase-orders/?status=DRAFT&format=csv")

    assert len(rows) == 1 + 61 == 1 + PurchaseOrder.objects.filter(status="DRAFT").count()
    assert many == few


def test_the_po_list_export_keeps_the_filters(world, client_for):
    mouse = ItemFactory(sku="MOUSE")
    BuyRuleFactory(item=mouse, organization=world.w1, supplier=SupplierFactory(number="S-FAB"))
    (fab,) = purchase_orders_create(
        requisition_line_ids=[world.supplied(mouse, 1).requisition_lines.get().pk]
    )
    purchase_orders_create(requisition_line_ids=requisition_ids(world, 1))
    buyer = client_for("buyer")

    page = buyer.get("/procurement/purchase-orders/?supplier=S-FAB").content.decode()
    assert 'href="?supplier=S-FAB&amp;format=csv" download data-testid="export-csv"' in page
    rows, _ = exported(buyer, "/procurement/purchase-orders/?supplier=S-FAB&format=csv")
    assert [row[0] for row in rows[1:]] == [fab.number]


def test_the_requisitions_export_all_open_lines_in_constant_queries(world, client_for):
    buyer = client_for("buyer")
    requisition_ids(world, 1500)
    rows, few = exported(buyer, "/procurement/requisitions/?format=csv")
    assert rows[0][:2] == ["Requisition", "Supplier"]
    assert rows[1][5:9] == ["1500", "900", "1350000.00", "USD"]  # core.csv_export formats
    assert rows[1][-2:] == ["C-ACME", world.customer.name]

    requisition_ids(world, *range(1, 111))  # more than a page (100)
    rows, many = exported(buyer, "/procurement/requisitions/?format=csv")

    assert len(rows) == 1 + 111
    assert many == few


def test_the_requisitions_export_link_carries_the_search(world, client_for):
    first, _ = requisition_ids(world, 1, 2)
    buyer = client_for("buyer")
    number = RequisitionLine.objects.get(pk=first).number
    page = buyer.get(f"/procurement/requisitions/?q={number}").content.decode()
    assert f'href="?q={number}&amp;format=csv"' in page
    rows, _ = exported(buyer, f"/procurement/requisitions/?q={number}&format=csv")
    assert [row[0] for row in rows[1:]] == [number]
