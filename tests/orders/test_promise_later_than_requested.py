"""A promise later than the requested ship date is flagged where the CSR can act on it: in the
entry preview before submitting (with what to do) and on the order line after."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from orders.services import LineInput
from supply.services import sales_order_submit

pytestmark = pytest.mark.django_db


def preview(client, requested: datetime.date) -> str:
    return client.get(
        "/orders/new/preview/",
        {
            "index": "0",
            "customer": "C-ACME",
            "lines-0-item": "LAPTOP-15",
            "lines-0-quantity": "5",
            "lines-0-requested_ship_date": requested.isoformat(),
        },
    ).content.decode()


def test_the_preview_flags_a_promise_after_the_requested_date(client, world):
    client.force_login(world.csr)
    today = timezone.localdate()

    late = preview(client, today)  # bought: 5 days' lead time and a receiving day
    in_time = preview(client, today + datetime.timedelta(days=10))

    assert "6 days after the requested" in late
    assert "tell the customer, or choose a later date" in late
    assert "after the requested" not in in_time


def test_the_order_line_flags_its_promise_after_the_requested_date(client, world):
    today = timezone.localdate()
    order = world.order(
        LineInput(world.laptop, Decimal(2)),
        LineInput(world.laptop, Decimal(2), requested_ship_date=today + datetime.timedelta(30)),
    )
    sales_order_submit(order=order, acting_user=world.csr)
    client.force_login(world.csr)

    page = client.get(f"/orders/{order.number}/").content.decode()

    assert 'data-testid="later-than-requested-1"' in page
    assert "+6 d vs requested" in page
    assert 'data-testid="later-than-requested-2"' not in page
