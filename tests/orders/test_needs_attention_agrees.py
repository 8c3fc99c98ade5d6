""" "Needs attention" means one thing: the worklist's filter, the worklist's count of lines
needing attention and the badges on the order page flag the same lines — a backordered line,
a line whose supply is in exception, never a cancelled line or one whose supply goes well."""

import re
from decimal import Decimal

import pytest

from manufacturing.models import WorkOrder
from orders.services import LineInput
from supply.flows.make import work_order_cancel
from supply.models import SupplyOrder
from supply.selectors import sales_order_lines
from supply.services import line_cancel, sales_order_submit, supply_order_create_document
from tests.factories import ItemFactory

pytestmark = pytest.mark.django_db


def desk_in_exception(world, order):
    """The desk line's work order is cancelled: its supply order goes to EXCEPTION."""
    line = order.lines.get(item=world.desk)
    supply_order = SupplyOrder.objects.get(demand_line=line)
    supply_order_create_document(supply_order_id=supply_order.pk)
    work_order_cancel(work_order=WorkOrder.objects.get(demand_line=line), reason="down")
    supply_order.refresh_from_db()
    assert supply_order.status == "EXCEPTION"
    return line


@pytest.fixture
def orders(world):
    """Orders whose lines need attention or not, each reached through the flows."""
    world.make_setup()
    lamp = ItemFactory(sku="LAMP")  # no sourcing rule, no stock: backordered at submit
    fine = world.order((world.laptop, 1))
    sales_order_submit(order=fine, acting_user=world.csr)
    backordered = world.order((world.laptop, 1), (lamp, 2))
    sales_order_submit(order=backordered, acting_user=world.csr)
    exception = world.order(LineInput(world.desk, Decimal(2), ship_from=world.p1))
    sales_order_submit(order=exception, acting_user=world.csr)
    desk_in_exception(world, exception)
    cancelled = world.order(
        (world.laptop, 1), LineInput(world.desk, Decimal(1), ship_from=world.p1)
    )
    sales_order_submit(order=cancelled, acting_user=world.csr)
    line = desk_in_exception(world, cancelled)
    line_cancel(line=line, reason="customer called", acting_user=world.csr)
    return {
        "fine": fine,
        "backordered": backordered,
        "exception": exception,
        "cancelled": cancelled,
    }


def worklist_counts(page: str) -> dict[str, int]:
    """Order number → the worklist row's "N lines need attention" (0 without the badge)."""
    counts = {}
    for row in re.findall(r"<tr>\s*<td><a href=\"/orders/[^\"]+/\">.*?</tr>", page, re.S):
        number = re.search(r'<a href="/orders/([^"/]+)/">', row).group(1)
        badge = re.search(r"(\d+) lines? needs? attention", row)
        counts[number] = int(badge.group(1)) if badge else 0
    return counts


def test_the_worklist_filter_its_count_and_the_order_page_badges_agree(client, world, orders):
    client.force_login(world.csr)
    listed = worklist_counts(client.get("/orders/").content.decode())
    filtered = worklist_counts(client.get("/orders/?attention=1").content.decode())

    badges = {}
    for order in orders.values():
        page = client.get(f"/orders/{order.number}/").content.decode()
        badges[order.number] = sorted(
            int(n) for n in re.findall(r'data-testid="attention-(\d+)"', page)
        )
        flagged = sorted(v.line.line_number for v in sales_order_lines(order) if v.needs_attention)
        assert badges[order.number] == flagged
        assert listed[order.number] == len(flagged)
        assert (order.number in filtered) == bool(flagged)

    assert {name: badges[order.number] for name, order in orders.items()} == {
        "fine": [],
        "backordered": [2],  # the lamp; the laptop line beside it is fine
        "exception": [1],
        "cancelled": [],  # its desk line's supply failed, then the line was cancelled
    }
    assert set(filtered) == {orders["backordered"].number, orders["exception"].number}
