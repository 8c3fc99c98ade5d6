"""Pages are read in two queries (keys, then rows): the same rows, order and figures as one."""

from decimal import Decimal

import pytest

from core.paging import KeysFirstPaginator
from orders import selectors
from orders.models import FulfillmentLine
from orders.services import LineInput

pytestmark = pytest.mark.django_db


@pytest.fixture
def orders(world):
    """Five orders of 1 to 5 lines; the third has a line in jeopardy."""
    made = []
    for size in range(1, 6):
        made.append(world.order(*[(world.laptop, 1)] * size))
    FulfillmentLine.objects.filter(order=made[2], line_number=2).update(jeopardy_days=4)
    return made


def figures(rows):
    return [(row.number, row.line_count, row.max_jeopardy) for row in rows]


def test_each_page_holds_its_slice_of_the_worklist_with_its_figures(orders):
    rows = selectors.sales_orders()
    everything = figures(list(rows))  # one query: the reference
    assert [number for number, *_ in everything] == [o.number for o in reversed(orders)]
    assert everything[2] == (orders[2].number, 3, 4)

    paginator = KeysFirstPaginator(rows, 2)
    assert paginator.count == 5
    assert figures(paginator.page(1)) == everything[0:2]
    assert figures(paginator.page(2)) == everything[2:4]
    assert figures(paginator.page(3)) == everything[4:5]


def test_a_filtered_page_keeps_the_filter(world, orders):
    other = world.order(LineInput(item=world.laptop, quantity=Decimal(7)))
    rows = selectors.sales_orders(selectors.OrderFilters(search=other.number))
    page = KeysFirstPaginator(rows, 50).page(1)
    assert figures(page) == [(other.number, 1, 0)]


def test_api_limit_and_offset_give_the_same_slice(client, world, orders):
    client.force_login(world.csr)
    everything = [row["number"] for row in client.get("/api/v1/sales-orders").json()["items"]]
    assert everything == [o.number for o in reversed(orders)]

    body = client.get("/api/v1/sales-orders?limit=2&offset=1").json()
    assert body["count"] == 5
    assert [row["number"] for row in body["items"]] == everything[1:3]
    assert client.get("/api/v1/sales-orders?limit=2&offset=5").json()["items"] == []
