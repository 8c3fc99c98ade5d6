"""Pages of worklists and API lists: the same rows, order and figures whether a page is read
in one query or keys first (the page's keys, then its rows)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.paging import KeysFirstPaginator
from orders import selectors
from orders.models import FulfillmentLine
from orders.services import LineInput
from procurement.models import RequisitionLine
from procurement.selectors import purchase_orders, requisition_lines
from supply.flows.buy import purchase_order_cancel, purchase_orders_create
from supply.models import SupplyOrder
from supply.services import sales_order_submit, supply_order_create_document
from tests.factories import UserFactory

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


def _purchase_order(world, *quantities):
    """A DRAFT PO with one line per quantity, each for its own submitted sales order."""
    requisitions = []
    for quantity in quantities:
        order = world.order((world.laptop, quantity))
        sales_order_submit(order=order, acting_user=world.csr)
        supply_order = SupplyOrder.objects.get(demand_line__order=order)
        supply_order_create_document(supply_order_id=supply_order.pk)
        requisitions.append(RequisitionLine.objects.get(demand_line__order=order).pk)
    (po,) = purchase_orders_create(requisition_line_ids=requisitions)
    return po


def test_purchase_order_pages_count_live_lines_only(world):
    two_lines = _purchase_order(world, 2, 3)
    cancelled = _purchase_order(world, 1)
    purchase_order_cancel(po=cancelled, reason="customer changed their mind")
    one_line = _purchase_order(world, 4)

    page = KeysFirstPaginator(purchase_orders(), 2).page(1)
    assert [(po.number, po.line_count, po.total) for po in page] == [
        (one_line.number, 1, Decimal(3600)),  # 4 × 900, newest first
        (cancelled.number, 0, Decimal(0)),  # its line is cancelled
    ]
    assert [(po.number, po.line_count, po.total) for po in page.paginator.page(2)] == [
        (two_lines.number, 2, Decimal(4500)),
    ]


def test_querysets_that_cannot_be_refiltered_are_read_in_one_query(orders):
    numbers = selectors.sales_orders().values_list("number", flat=True)
    page = KeysFirstPaginator(numbers, 2).page(2)
    assert list(page) == list(numbers)[2:4]


@pytest.fixture
def requisitions(world):
    """Four open requisitions whose need-by dates are not in the order they were created."""
    today = timezone.localdate()
    made = []
    for days in (10, 5, 20, 7):
        order = world.order(
            LineInput(
                item=world.laptop,
                quantity=Decimal(1),
                requested_ship_date=today + timedelta(days=days),
            )
        )
        sales_order_submit(order=order, acting_user=world.csr)
        supply_order = SupplyOrder.objects.get(demand_line__order=order)
        supply_order_create_document(supply_order_id=supply_order.pk)
        made.append(RequisitionLine.objects.get(demand_line__order=order))
    return made


def test_a_worklist_sorted_by_other_columns_is_read_keys_first(requisitions):
    rows = requisition_lines(status="OPEN")
    everything = [r.number for r in rows]  # one query: the reference
    assert everything == [requisitions[i].number for i in (1, 3, 0, 2)]  # need-by order

    paginator = KeysFirstPaginator(rows, 3)
    assert paginator.count == 4
    with CaptureQueriesContext(connection) as queries:
        page = paginator.page(1)
        shown = [(r.number, r.demand_line.order.customer.number) for r in page]
    assert shown == [(number, "C-ACME") for number in everything[:3]]
    assert len(queries) == 2  # the page's keys, then its rows (with their joins)
    assert [r.number for r in paginator.page(2)] == everything[3:]


def test_api_pages_of_a_worklist_keep_its_order(client, world, requisitions):
    client.force_login(UserFactory(roles=["buyer"]))
    everything = [row["number"] for row in client.get("/api/v1/requisition-lines").json()["items"]]
    assert everything == [requisitions[i].number for i in (1, 3, 0, 2)]

    body = client.get("/api/v1/requisition-lines?limit=2&offset=1").json()
    assert (body["count"], [row["number"] for row in body["items"]]) == (4, everything[1:3])
