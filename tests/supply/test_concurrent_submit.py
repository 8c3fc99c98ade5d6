"""Concurrent submits can never oversell on-hand stock (threads on PostgreSQL)."""

from decimal import Decimal

import pytest
from django.db import connection

from orders.models import FulfillmentLine
from supply.services import sales_order_submit
from tests.world import run_concurrently
from warehouse.models import InventoryBalance

pytestmark = pytest.mark.django_db(transaction=True)


def test_twenty_concurrent_orders_of_one_against_ten_on_hand(world):
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    world.stock(world.laptop, 10)
    orders = [world.order((world.laptop, 1)) for _ in range(20)]
    errors = run_concurrently(
        lambda order: sales_order_submit(order=order, acting_user=world.csr), orders
    )

    assert not errors
    lines = FulfillmentLine.objects.all()
    assert lines.filter(status="AWAITING_SHIPPING", supply_type="ON_HAND").count() == 10
    # (a worker of the session may already have created their requisitions)
    sourced = lines.filter(status__in=["SCHEDULED", "AWAITING_SUPPLY"], supply_type="BUY")
    assert sourced.count() == 10
    balance = InventoryBalance.objects.get(item=world.laptop)
    assert (balance.on_hand, balance.reserved) == (Decimal(10), Decimal(10))
