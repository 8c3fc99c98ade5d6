"""The supply order list (/supply/orders/): the workbench's counts open it with their status and
type; it filters by status, type, open exception and number, pages, links every document and
exports the same rows as CSV."""

import csv
import io
from decimal import Decimal

import pytest

from orders.services import LineInput
from supply.models import SupplyOrder
from supply.services import sales_order_submit, supply_order_create_document
from tests.supply.test_workbench import make_exception
from tests.world import page_queries

pytestmark = pytest.mark.django_db


def bought(world, count=1):
    """`count` laptop lines bought from Contoso, their requisitions created (IN_PROCESS)."""
    supply_orders = []
    for _ in range(count):
        order = world.order((world.laptop, 1))
        sales_order_submit(order=order, acting_user=world.csr)
        supply_order = SupplyOrder.objects.get(demand_line__order=order)
        supply_order_create_document(supply_order_id=supply_order.pk)
        supply_orders.append(supply_order)
    return supply_orders


def listed(response) -> list[str]:
    return [so.number for so in response.context["page"]]


def test_each_count_of_the_workbench_opens_the_supply_orders_it_counts(manager, world):
    (buy,) = bought(world)
    failed = make_exception(world)
    page = manager.get("/supply/").content.decode()

    assert '/supply/orders/?status=IN_PROCESS&amp;type=BUY"' in page
    assert '/supply/orders/?status=EXCEPTION&amp;type=MAKE"' in page
    in_process = manager.get("/supply/orders/?status=IN_PROCESS&type=BUY")
    exceptions = manager.get("/supply/orders/?status=EXCEPTION&type=MAKE")
    assert listed(in_process) == [buy.number]
    assert listed(exceptions) == [failed.number]
    assert listed(manager.get("/supply/orders/?status=EXCEPTION&type=BUY")) == []


def test_the_list_filters_by_open_exception_and_finds_by_number(manager, world):
    (buy,) = bought(world)
    failed = make_exception(world)

    assert listed(manager.get("/supply/orders/?exception=DOCUMENT_CANCELLED")) == [failed.number]
    assert listed(manager.get(f"/supply/orders/?q={buy.demand_line.order.number}")) == [buy.number]
    assert listed(manager.get(f"/supply/orders/?q={failed.number.lower()}")) == [failed.number]
    # A value the list does not know filters nothing: every supply order, newest first.
    assert listed(manager.get("/supply/orders/?status=BOGUS")) == [failed.number, buy.number]


def test_every_row_links_its_supply_order_documents_and_line(manager, world):
    (buy,) = bought(world)
    requisition = buy.tracking_lines.get()
    text = manager.get("/supply/orders/").content.decode()

    order = buy.demand_line.order.number
    assert f'href="/supply/orders/{buy.number}/"' in text
    # The requisition is the buyer's: the manager reads its number, not a link that answers 403.
    assert f'href="{requisition.document_url}"' not in text
    assert f'<span class="doc-ref">{requisition.document_number}</span>' in text
    assert f'href="/orders/{order}/"' in text
    assert f'href="/supply/lines/{order}/1/"' in text


def test_the_list_pages_and_exports_every_row_the_filters_select(manager, world):
    supply_orders = bought(world, 51)

    first = manager.get("/supply/orders/?type=BUY")
    second = manager.get("/supply/orders/?type=BUY&page=2")
    export = manager.get("/supply/orders/?type=BUY&format=csv")

    assert len(listed(first)) == 50 and len(listed(second)) == 1
    assert "Page 1 of 2 · 51 supply orders" in first.content.decode()
    rows = list(csv.reader(io.StringIO(b"".join(export.streaming_content).decode())))
    assert rows[0][:3] == ["Supply order", "Status", "Type"]
    assert len(rows) == 52
    newest = supply_orders[-1]
    assert rows[1][0] == newest.number
    assert Decimal(rows[1][9]) == 1
    assert rows[1][12] == newest.tracking_lines.get().document_number


def test_the_list_runs_the_same_queries_for_1_or_6_supply_orders(manager, world):
    bought(world, 1)
    few = page_queries(manager, "/supply/orders/")
    bought(world, 5)
    make_exception(world)
    assert page_queries(manager, "/supply/orders/") == few


def test_the_warehouse_may_not_open_the_list(client_for, world):
    assert client_for("warehouse").get("/supply/orders/").status_code == 403


def test_a_line_on_a_plant_is_listed_with_its_plant(manager, world):
    world.make_setup()
    order = world.order(LineInput(world.desk, Decimal(1), ship_from=world.p1))
    sales_order_submit(order=order, acting_user=world.csr)
    text = " ".join(manager.get("/supply/orders/?type=MAKE").content.decode().split())
    assert "<td>P1</td>" in text
