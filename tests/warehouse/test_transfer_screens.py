"""The transfer screens: outbound and inbound lists and the receiving screen run the same
queries however many transfers there are; a transfer page shows only what its state allows."""

from decimal import Decimal

import pytest

from supply.models import SupplyOrder
from supply.services import sales_order_submit, supply_order_create_document
from tests.world import page_queries
from warehouse.models import TransferOrder
from warehouse.transfers import transfer_order_ship

pytestmark = pytest.mark.django_db


def transfers(world, count):
    for _ in range(count):
        order = world.order((world.chair, Decimal(1)))
        sales_order_submit(order=order, acting_user=world.csr)
    for supply_order in SupplyOrder.objects.filter(status="REQUESTED"):
        supply_order_create_document(supply_order_id=supply_order.pk)
    shipped = TransferOrder.objects.filter(status="OPEN").order_by("id").first()
    transfer_order_ship(transfer_order=shipped)  # one in transit, the others to ship


def test_transfer_lists_and_receiving_run_the_same_queries_for_2_or_6_transfers(client_for, world):
    world.transfer_setup()
    warehouse = client_for("warehouse")
    urls = ("/warehouse/transfers/", "/warehouse/receiving/", "/api/v1/transfer-orders")
    transfers(world, 2)
    few = [page_queries(warehouse, url) for url in urls]
    transfers(world, 4)
    many = [page_queries(warehouse, url) for url in urls]
    assert few == many


def test_a_shipped_transfer_offers_receive_not_ship_or_cancel(client_for, world):
    world.transfer_setup()
    transfers(world, 1)
    warehouse = client_for("warehouse")
    number = TransferOrder.objects.get().number

    page = warehouse.get(f"/warehouse/transfers/{number}/").content.decode()

    assert "Receive" in page and ">Ship<" not in page and "Cancel transfer" not in page
    refused = warehouse.post(f"/warehouse/transfers/{number}/ship/", follow=True)
    assert f"Cannot ship {number}: it is SHIPPED." in refused.content.decode()
