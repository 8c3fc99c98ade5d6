"""Every API list runs the same number of queries for N and 5N rows (no N+1)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from billing.services import invoices_create_for_shipment
from procurement.models import RequisitionLine
from procurement.services import purchase_order_submit
from supply.flows.buy import purchase_orders_create
from supply.flows.receive import receipt_create
from supply.flows.ship import shipment_confirm
from supply.models import SupplyOrder
from supply.services import sales_order_submit, supply_order_create_document
from tests.factories import UserFactory
from warehouse.services import ReceiveLine
from warehouse.shipments import ShipLine, shipment_create, shipment_move

pytestmark = pytest.mark.django_db

LISTS = [
    "/api/v1/sales-orders",
    "/api/v1/supply-orders",
    "/api/v1/requisition-lines",
    "/api/v1/purchase-orders",
    "/api/v1/reservations",
    "/api/v1/inventory",
    "/api/v1/invoices",
    "/api/v1/shipments",
    "/api/v1/receipts",
    "/api/v1/items",
]


def flow(world, n):
    """n orders through the whole Buy flow, plus n requisitions left open."""
    for _ in range(n):
        order = world.order((world.laptop, 2))
        sales_order_submit(order=order, acting_user=world.csr)
        supply_order_create_document(
            supply_order_id=SupplyOrder.objects.get(demand_line__order=order).pk
        )
        requisition = RequisitionLine.objects.get(demand_line__order=order)
        (po,) = purchase_orders_create(requisition_line_ids=[requisition.pk])
        purchase_order_submit(po=po)
        receipt_create(purchase_order=po, lines=[ReceiveLine(1, 2)])
        shipment = shipment_create(organization=world.w1, lines=[ShipLine(order.lines.get())])
        shipment_move(shipment=shipment, action="pick")
        shipment_move(shipment=shipment, action="pack")
        shipment_confirm(shipment=shipment)
        invoices_create_for_shipment(shipment_id=shipment.pk)
        open_order = world.order((world.laptop, 1))
        sales_order_submit(order=open_order, acting_user=world.csr)
        supply_order_create_document(
            supply_order_id=SupplyOrder.objects.get(demand_line__order=open_order).pk
        )


def counts(client) -> dict:
    result = {}
    for url in LISTS:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(f"{url}?limit=100")
        assert response.status_code == 200, url
        assert response.json()["count"] > 0, url
        result[url] = len(captured)
    return result


def test_api_lists_run_constant_queries(client, world):
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    flow(world, 2)
    few = counts(client)
    flow(world, 8)
    assert counts(client) == few
