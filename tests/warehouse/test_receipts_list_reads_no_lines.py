"""The receipts history and GET /api/v1/receipts name each PO a whole delivery received
without loading the receipt's lines (a delivery has up to 5,000): the PO numbers come with the
page's receipts, not from a query over their lines and five joins."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from supply.flows.receive import open_lines_of, purchase_orders_receive
from warehouse.models import ReceiptLine

pytestmark = pytest.mark.django_db


def reads_lines(sql: str) -> bool:
    """A query whose rows are receipt lines (not one that only counts them in a subquery)."""
    return sql.startswith(f'SELECT "{ReceiptLine._meta.db_table}".')


@pytest.mark.parametrize("url", ["/warehouse/receipts/", "/api/v1/receipts"])
def test_listing_a_whole_delivery_reads_none_of_its_lines(world, client_for, url):
    first = world.on_po(world.supplied(world.laptop, 1)).purchase_order
    second = world.on_po(world.supplied(world.laptop, 2)).purchase_order
    delivery = purchase_orders_receive(open_lines_of([first, second]), reference="ASN-9")
    assert delivery.lines.count() == 2
    client = client_for("customer_service")

    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)

    assert response.status_code == 200
    body = response.content.decode()
    assert first.number in body and second.number in body
    assert not [q["sql"] for q in queries if reads_lines(q["sql"])]
