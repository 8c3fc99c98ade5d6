"""A work order completed in full after only part of its material was issued uses up what is
still held for it (backflush): the components go into production, nothing stays held or
reserved for a finished work order, and the ledger matches the balances."""

from decimal import Decimal

import pytest

from manufacturing.models import WorkOrder
from supply.flows.make import work_order_complete
from tests.manufacturing.test_partial_issue_scrap_and_cancel import (
    balance,
    component_fields,
    released,
)
from tests.world import assert_pegging_holds
from warehouse.models import InventoryTransaction, Reservation
from warehouse.selectors import ledger_mismatches

pytestmark = pytest.mark.django_db


def test_completing_a_partly_issued_work_order_backflushes_what_is_still_held(world, client_for):
    client = client_for("production")
    work_order = released(world, client)  # needs 8 LEG, 2 TOP; 40 LEG, 10 TOP on hand
    leg = work_order.components.get(item=world.leg)
    url = f"/manufacturing/work-orders/{work_order.number}/"
    client.post(url + "issue/", {f"qty_{leg.pk}": "3"})

    work_order_complete(work_order=work_order, quantity=Decimal(2))

    work_order.refresh_from_db()
    assert work_order.status == WorkOrder.Status.COMPLETED
    assert component_fields(work_order) == {"LEG": (8, 0, 0), "TOP": (2, 0, 0)}
    assert not Reservation.objects.filter(
        supply_source=Reservation.Source.COMPONENT, status=Reservation.Status.ACTIVE
    ).exists()
    assert (balance(world, world.leg).on_hand, balance(world, world.leg).reserved) == (32, 0)
    assert (balance(world, world.top).on_hand, balance(world, world.top).reserved) == (8, 0)
    backflushed = InventoryTransaction.objects.filter(
        kind=InventoryTransaction.Kind.WIP_ISSUE, reason__startswith="backflushed"
    )
    assert sorted((t.item.sku, t.quantity) for t in backflushed) == [("LEG", -5), ("TOP", -2)]
    assert ledger_mismatches() == []
    assert_pegging_holds()
