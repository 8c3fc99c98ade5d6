"""The order page says the same thing everywhere about a line: a cancelled line no longer shows
its jeopardy; a line whose supply is in exception says it needs attention and why, and leads
to its supply order; each line leads to its pegging and each document to its page."""

import datetime
import re
from decimal import Decimal

import pytest

from manufacturing.models import WorkOrder
from orders.services import LineInput
from procurement.services import purchase_order_submit
from supply.flows.buy import purchase_order_acknowledge, purchase_orders_create
from supply.flows.make import work_order_cancel
from supply.models import SupplyOrder
from supply.services import line_cancel, sales_order_submit, supply_order_create_document
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def line_row(page: str, number: int) -> str:
    return re.search(rf'<tr id="line-{number}".*?</tr>', page, re.S).group(0)


def late_line(world):
    """A laptop line on a PO the supplier promised 3 days late: in jeopardy."""
    order = world.order((world.laptop, 2))
    sales_order_submit(order=order, acting_user=world.csr)
    supply_order_create_document(supply_order_id=SupplyOrder.objects.get().pk)
    line = order.lines.get()
    buyer = UserFactory(username="bruno", roles=["buyer"])
    (po,) = purchase_orders_create(
        requisition_line_ids=[line.requisition_lines.get().pk], acting_user=buyer
    )
    purchase_order_submit(po=po, acting_user=buyer)
    late = line.promised_ship_date + datetime.timedelta(days=3)
    purchase_order_acknowledge(po=po, accepted=True, promised_dates={1: late}, acting_user=buyer)
    line.refresh_from_db()
    assert line.jeopardy_days == 4
    return order, line


def test_a_line_in_jeopardy_shows_how_late_it_is(csr, world):
    order, line = late_line(world)

    row = line_row(csr.get(f"/orders/{order.number}/").content.decode(), 1)

    assert 'text-danger fw-semibold" data-label="Jeopardy">4<' in row
    assert line.jeopardy_reason in row


def test_a_cancelled_line_no_longer_shows_its_jeopardy(csr, world):
    order, line = late_line(world)

    line_cancel(line=line, reason="customer called", acting_user=world.csr)

    row = line_row(csr.get(f"/orders/{order.number}/").content.decode(), 1)
    assert "CANCELLED" in row
    assert "text-danger" not in row and line.jeopardy_reason not in row
    assert "Needs attention" not in row


def test_a_line_whose_supply_is_in_exception_says_why_and_leads_to_its_supply(csr, world):
    world.make_setup()
    order = world.order(LineInput(world.desk, Decimal(2), ship_from=world.p1))
    sales_order_submit(order=order, acting_user=world.csr)
    supply_order = SupplyOrder.objects.get()
    supply_order_create_document(supply_order_id=supply_order.pk)
    work_order_cancel(work_order=WorkOrder.objects.get(), reason="machine down")
    supply_order.refresh_from_db()
    assert supply_order.status == "EXCEPTION"

    row = line_row(csr.get(f"/orders/{order.number}/").content.decode(), 1)

    badge = re.search(r'<a class="badge text-bg-danger[^"]*"[^>]*>Needs attention: [^<]+</a>', row)
    assert badge is not None, row
    assert f'href="/supply/orders/{supply_order.number}/"' in badge.group(0)
    assert supply_order.exception_reason in badge.group(0)


def test_a_backordered_line_says_it_needs_attention_and_why(csr, world):
    world.rule.delete()  # nothing can supply the laptop
    order = world.order((world.laptop, 2))
    sales_order_submit(order=order, acting_user=world.csr)

    row = line_row(csr.get(f"/orders/{order.number}/").content.decode(), 1)

    assert "BACKORDERED" in row
    assert re.search(r"Needs attention: \w", row)


def test_documents_on_the_order_page_are_links(csr, world):
    world.stock(world.laptop, 1)
    order = world.order((world.laptop, 3))
    sales_order_submit(order=order, acting_user=world.csr)
    supply_order = SupplyOrder.objects.get()
    supply_order_create_document(supply_order_id=supply_order.pk)

    page = csr.get(f"/orders/{order.number}/").content.decode()

    assert f'<a href="/supply/orders/{supply_order.number}/"' in page
    requisition = supply_order.tracking_lines.get().requisition_line
    # the requisition workbench is the buyer's: for the CSR its number is text, not a 403 link
    assert f'<span class="doc-ref">{requisition.number}</span>' in page


def test_each_line_leads_to_its_pegging(csr, world):
    order = world.order((world.laptop, 1), (world.laptop, 2))

    page = csr.get(f"/orders/{order.number}/").content.decode()

    for number in (1, 2):
        assert f'href="/supply/lines/{order.number}/{number}/"' in line_row(page, number)
    assert csr.get(f"/supply/lines/{order.number}/2/").status_code == 200
