"""A work order moves its components' stock in item order — the order balance rows are locked
in — whatever order its bill of materials lists them in, so two work orders sharing components
queue instead of deadlocking (PostgreSQL sessions)."""

from decimal import Decimal

import pytest
from django.db import connection

from catalog.models import BillOfMaterials, BomComponent
from manufacturing.models import WorkOrder
from manufacturing.services import work_order_issue_materials, work_order_release
from orders.services import LineInput
from supply.models import SupplyOrder
from supply.services import sales_order_submit, supply_order_create_document
from tests.factories import ItemFactory
from tests.world import run_into_lock
from warehouse.models import InventoryBalance

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL"),
]


@pytest.fixture
def work_order(world):
    """A desk work order whose bill lists BOLT (created last, the highest item id) first."""
    world.make_setup()
    bolt = ItemFactory(sku="BOLT", back_to_back=False)
    assert bolt.pk > world.leg.pk
    bom = BillOfMaterials.objects.get(item=world.desk, organization=world.p1)
    BomComponent.objects.filter(bom=bom).delete()
    BomComponent.objects.create(bom=bom, item=bolt, quantity=2)
    BomComponent.objects.create(bom=bom, item=world.leg, quantity=4)
    world.stock(bolt, 20, org=world.p1)
    world.bolt = bolt
    order = world.order(LineInput(world.desk, Decimal(2), ship_from=world.p1))
    sales_order_submit(order=order, acting_user=world.csr)
    supply_order_create_document(
        supply_order_id=SupplyOrder.objects.get(demand_line__order=order).pk
    )
    return WorkOrder.objects.get(demand_line__order=order)


def balance(world, item):
    return InventoryBalance.objects.filter(item=item, organization=world.p1)


def test_release_locks_the_lower_item_first(world, work_order):
    free = run_into_lock(
        lambda: work_order_release(work_order=work_order),
        hold=balance(world, world.leg),
        probe=balance(world, world.bolt),
    )
    assert free


def test_issuing_materials_moves_the_lower_item_first(world, work_order):
    work_order_release(work_order=work_order)

    free = run_into_lock(
        lambda: work_order_issue_materials(work_order=work_order),
        hold=balance(world, world.leg),
        probe=balance(world, world.bolt),
    )
    assert free
