"""What the dashboard shows without a chosen range and where its tiles lead: the lines open
now are counted even when they are requested for a later date, each tile and bar opens the
worklist of exactly what it counts, and a backorder not due yet is not shown as late."""

import datetime
import re
from decimal import Decimal

import pytest

from orders.models import FulfillmentLine
from orders.services import LineInput
from supply.services import sales_order_submit
from tests.dashboard.test_dashboard_figures import ship
from tests.dashboard.test_dashboard_page import charts_of
from tests.factories import ItemFactory

pytestmark = pytest.mark.django_db

TODAY = datetime.date.today()


def in_days(n: int) -> datetime.date:
    return TODAY + datetime.timedelta(days=n)


def submitted(world, item, quantity, requested):
    order = world.order(LineInput(item, Decimal(quantity), requested_ship_date=requested))
    sales_order_submit(order=order, acting_user=world.csr)
    return order


def worklist_orders(client, url) -> set[str]:
    return set(re.findall(r"/orders/(SO-\d+)/", client.get(url).content.decode()))


def test_the_default_range_counts_the_lines_open_for_later_dates(client_for, world):
    later = submitted(world, world.laptop, 2, in_days(40))
    csr = client_for("customer_service")

    page = csr.get("/dashboard/")

    lines = charts_of(page)["chart-lines"]
    assert lines["labels"] == ["Scheduled"]
    assert f'value="{in_days(40).isoformat()}"' in page.content.decode()  # the "To" field
    # the on-time chart stops at this week: nothing ships in the future
    weeks = charts_of(page)["chart-on-time"]["labels"]
    monday = TODAY - datetime.timedelta(days=TODAY.weekday())
    assert weeks[-1] == monday.strftime("%d %b")
    assert worklist_orders(csr, lines["datasets"][0]["links"][0]) == {later.number}


def test_a_range_with_only_a_start_runs_to_the_last_open_line(client_for, world):
    submitted(world, world.laptop, 2, in_days(20))

    page = client_for("customer_service").get("/dashboard/", {"start": in_days(-3).isoformat()})

    assert f'name="end" id="id_end" value="{in_days(20).isoformat()}"' in page.content.decode()


def test_the_on_time_tile_opens_the_shipments_of_the_whole_range(client_for, world):
    world.stock(world.laptop, 1)
    order = submitted(world, world.laptop, 1, TODAY)
    ship(world, order.lines.get())
    csr = client_for("customer_service")
    start = in_days(-30)

    page = csr.get("/dashboard/", {"start": start.isoformat(), "end": TODAY.isoformat()})

    tile = re.search(r'<a [^>]*href="([^"]+)" data-testid="kpi-on-time"', page.content.decode())
    url = tile.group(1).replace("&amp;", "&")
    assert url == f"/orders/?shipped_from={start.isoformat()}&shipped_to={TODAY.isoformat()}"
    assert worklist_orders(csr, url) == {order.number}


def test_a_backorder_not_due_yet_is_not_late_and_each_bar_lists_its_own(client_for, world):
    unsourced = ItemFactory(sku="NO-SOURCE", back_to_back=False)
    due_later = submitted(world, unsourced, 1, in_days(5))
    due_today = submitted(world, unsourced, 1, TODAY)
    lines = FulfillmentLine.objects.filter(item=unsourced)
    assert {line.status for line in lines} == {"BACKORDERED"}
    csr = client_for("customer_service")

    ages = charts_of(csr.get("/dashboard/"))["chart-ages"]

    backorders = next(d for d in ages["datasets"] if d["label"] == "Backorders")
    assert ages["labels"][:2] == ["Not due yet", "0–1 d"]
    assert backorders["data"][:2] == [1, 1]
    assert worklist_orders(csr, backorders["links"][0]) == {due_later.number}
    assert worklist_orders(csr, backorders["links"][1]) == {due_today.number}
    assert worklist_orders(csr, backorders["links"][5]) == set()


def test_the_jeopardy_tile_lists_the_open_late_lines_it_counts(client_for, world):
    from supply.flows.buy import purchase_order_acknowledge
    from supply.flows.receive import receipt_create
    from tests.factories import UserFactory
    from warehouse.services import ReceiveLine

    buyer = UserFactory(username="buyer-1", roles=["buyer"])
    late, shipped = world.supplied(world.laptop, 2), world.supplied(world.laptop, 1)
    for line in (late, shipped):
        po = world.on_po(line).purchase_order
        promised = line.promised_ship_date + datetime.timedelta(days=3)
        purchase_order_acknowledge(
            po=po, accepted=True, promised_dates={1: promised}, acting_user=buyer
        )
    receipt_create(purchase_order=po, lines=[ReceiveLine(1, Decimal(1))])
    ship(world, FulfillmentLine.objects.get(pk=shipped.pk))
    csr = client_for("customer_service")

    page = csr.get("/dashboard/").content.decode()

    assert re.search(r'data-testid="kpi-jeopardy">.*?>1</div>', page, re.S)
    tile = re.search(r'<a [^>]*href="([^"]+)" data-testid="kpi-jeopardy"', page).group(1)
    assert worklist_orders(csr, tile.replace("&amp;", "&")) == {late.order.number}
