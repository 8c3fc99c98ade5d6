"""The order total — the sum of its line amounts, cancelled lines left out — on the order page
and in the worklist, from one definition (orders.selectors.order_total) that agrees with the
rounding rule of core.money."""

from decimal import Decimal

import pytest

from core.money import line_amount
from orders import selectors
from orders.models import SalesOrder
from orders.services import LineInput
from supply.services import line_cancel, sales_order_submit
from tests.world import page_queries

pytestmark = pytest.mark.django_db


def test_the_total_is_the_sum_of_the_rounded_line_amounts(world):
    order = world.order(
        LineInput(world.laptop, Decimal("1.005"), unit_price=Decimal("0.5")),
        LineInput(world.laptop, Decimal(2), unit_price=Decimal("1200")),
    )

    total = selectors.sales_orders().get(pk=order.pk).total

    expected = sum(line_amount(line.quantity, line.unit_price) for line in order.lines.all())
    assert total == expected == Decimal("2400.50")


def test_a_cancelled_line_no_longer_counts(world):
    order = world.order((world.laptop, 1), (world.laptop, 2))
    sales_order_submit(order=order, acting_user=world.csr)

    line_cancel(line=order.lines.get(line_number=1), reason="not needed", acting_user=world.csr)

    assert selectors.sales_order_page(order.number).total == Decimal("2400.00")


def test_the_order_page_shows_the_total_and_its_currency(csr, world):
    order = world.order((world.laptop, 1), (world.laptop, 2))

    page = csr.get(f"/orders/{order.number}/").content.decode()

    assert "3,600.00 USD" in page


def test_the_worklist_shows_each_orders_total_right_aligned(csr, world):
    first = world.order((world.laptop, 1))
    second = world.order((world.laptop, 10))

    page = csr.get("/orders/").content.decode()

    assert [o.total for o in csr.get("/orders/").context["page"]] == [
        Decimal("12000.00"),
        Decimal("1200.00"),
    ]
    assert f'<td class="num" data-testid="total-{second.number}">12,000.00' in page
    assert f'<td class="num" data-testid="total-{first.number}">1,200.00' in page


def test_the_worklist_reads_totals_without_a_query_per_order(csr, world):
    for _ in range(3):
        world.order((world.laptop, 1), (world.laptop, 2))
    few = page_queries(csr, "/orders/")
    for _ in range(12):
        world.order((world.laptop, 1), (world.laptop, 2))
    assert page_queries(csr, "/orders/") == few
    assert SalesOrder.objects.count() == 15
