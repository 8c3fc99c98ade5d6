"""The transfer-order API: the warehouse ships a transfer and receives it through
POST /receipts with the transfer order; the sales order shows the transfer as its supply."""

from decimal import Decimal

import pytest

from supply.models import SupplyOrder
from supply.services import sales_order_submit, supply_order_create_document

pytestmark = pytest.mark.django_db


@pytest.fixture
def transfer_order(world):
    world.transfer_setup()
    order = world.order((world.chair, Decimal(4)))
    sales_order_submit(order=order, acting_user=world.csr)
    supply_order_create_document(supply_order_id=SupplyOrder.objects.get().pk)
    return order.lines.get().transfer_orders.get()


def post(client, url, body=None):
    return client.post(url, body or {}, content_type="application/json")


def test_the_warehouse_ships_and_receives_a_transfer(client_for, transfer_order):
    warehouse = client_for("warehouse")
    base = f"/api/v1/transfer-orders/{transfer_order.number}"

    outbound = warehouse.get("/api/v1/transfer-orders?source=W2&status=OPEN").json()
    assert [t["number"] for t in outbound["items"]] == [transfer_order.number]
    shipped = post(warehouse, f"{base}/ship").json()
    assert (shipped["status"], shipped["lines"][0]["quantity_shipped"]) == ("SHIPPED", "4.000")
    assert post(warehouse, f"{base}/ship").status_code == 409
    too_many = post(
        warehouse,
        "/api/v1/receipts",
        {"transfer_order": transfer_order.number, "lines": [{"line_number": 1, "quantity": 5}]},
    )
    assert too_many.status_code == 422
    receipt = post(
        warehouse,
        "/api/v1/receipts",
        {"transfer_order": transfer_order.number, "lines": [{"line_number": 1, "quantity": 4}]},
    )

    assert receipt.status_code == 201
    body = receipt.json()
    assert (body["transfer_order"], body["purchase_order"]) == (transfer_order.number, None)
    assert body["lines"][0]["reserved_quantity"] == "4.000"
    order = warehouse.get(f"/api/v1/sales-orders/{body['lines'][0]['sales_order']}").json()
    assert order["lines"][0]["status"] == "AWAITING_SHIPPING"
    assert order["lines"][0]["supply"]["documents"][0]["type"] == "TRANSFER_ORDER"
    inventory = warehouse.get("/api/v1/inventory?item=CHAIR&organization=W1").json()
    assert inventory["items"][0]["in_transit"] == "0.000"


def test_a_receipt_names_one_document_and_cancel_needs_a_reason(client_for, transfer_order):
    warehouse = client_for("warehouse")

    both = post(
        warehouse,
        "/api/v1/receipts",
        {
            "purchase_order": "PO-1",
            "transfer_order": transfer_order.number,
            "lines": [{"line_number": 1, "quantity": 1}],
        },
    )
    assert both.status_code == 422
    assert "either the purchase order or the transfer order" in both.json()["detail"]
    cancel = post(warehouse, f"/api/v1/transfer-orders/{transfer_order.number}/cancel", {})
    assert cancel.status_code == 422
    cancelled = post(
        warehouse,
        f"/api/v1/transfer-orders/{transfer_order.number}/cancel",
        {"reason": "truck unavailable"},
    )
    assert cancelled.json()["status"] == "CANCELLED"
    reservations = warehouse.get("/api/v1/reservations?item=CHAIR").json()
    assert reservations["items"] == []
