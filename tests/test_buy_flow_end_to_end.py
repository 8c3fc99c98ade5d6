"""The whole Buy flow through the API with a real Celery worker: 50 laptops, nothing in stock,
an automatic supplier, a total above the approval threshold."""

from decimal import Decimal

import pytest

from procurement.models import PurchaseOrder
from tests.factories import UserFactory
from tests.workers import wait_for
from warehouse.selectors import ledger_mismatches

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def api_as(client, user):
    def call(method, url, body=None):
        client.force_login(user)
        response = getattr(client, method)(f"/api/v1{url}", body, content_type="application/json")
        assert response.status_code < 400, (url, response.status_code, response.content)
        return response.json()

    return call


def test_fifty_laptops_from_order_to_invoice(celery_worker, client, world):
    world.contoso.automatic_po = True
    world.contoso.save()
    csr = api_as(client, world.csr)
    manager = api_as(client, UserFactory(username="paula", roles=["procurement_manager"]))
    dock = api_as(client, UserFactory(username="wendy", roles=["warehouse"]))
    orchestrator = api_as(client, UserFactory(username="olga", roles=["orchestration_manager"]))

    order = csr(
        "post",
        "/sales-orders",
        {
            "customer": "C-ACME",
            "external_reference": "ACME-50",
            "submit": True,
            "lines": [{"item": "LAPTOP-15", "quantity": 50}],
        },
    )
    number = order["number"]

    # create_supply → requisition → touchless PO, 45,000 ≥ 10,000: waits for approval
    po = wait_for(
        lambda: PurchaseOrder.objects.filter(status="PENDING_APPROVAL").first(),
        timeout=40,
        what="the touchless PO",
    )
    detail = manager("get", f"/purchase-orders/{po.number}")
    assert detail["lines"][0]["sales_order"] == number and detail["total"] == "45000.00"

    assert manager("post", f"/purchase-orders/{po.number}/approve")["status"] == "OPEN"
    wait_for(
        lambda: PurchaseOrder.objects.filter(pk=po.pk, communicated_at__isnull=False).exists(),
        timeout=40,
        what="the approved touchless PO to be sent",
    )

    receipt = dock(
        "post",
        "/receipts",
        {"purchase_order": po.number, "lines": [{"line_number": 1, "quantity": 50}]},
    )
    assert receipt["lines"][0] == {
        "purchase_order": po.number,
        "line_number": 1,
        "item": "LAPTOP-15",
        "quantity": "50.000",
        "reserved_quantity": "50.000",
        "unreserved_quantity": "0.000",
        "sales_order": number,
        "sales_order_line": 1,
    }
    reservations = dock("get", f"/reservations?sales_order={number}")["items"]
    assert [(r["supply_source"], r["quantity"]) for r in reservations] == [("ON_HAND", "50.000")]
    assert csr("get", f"/sales-orders/{number}")["lines"][0]["status"] == "AWAITING_SHIPPING"

    shipment = dock(
        "post",
        "/shipments",
        {"organization": "W1", "lines": [{"sales_order": number, "line_number": 1}]},
    )
    for step in ("pick", "pack"):
        dock("post", f"/shipments/{shipment['number']}/{step}")
    shipped = dock(
        "post",
        f"/shipments/{shipment['number']}/confirm",
        {"carrier": "UPS", "tracking_number": "1Z50"},
    )
    assert shipped["status"] == "SHIPPED" and shipped["lines"][0]["sales_order"] == number
    twice = client.post(
        f"/api/v1/shipments/{shipment['number']}/confirm", {}, content_type="application/json"
    )
    assert twice.status_code == 409 and twice.json()["code"] == "invalid_transition"

    invoices = wait_for(
        lambda: orchestrator("get", f"/invoices?sales_order={number}")["items"],
        timeout=40,
        what="the worker to invoice the shipment",
    )
    (invoice,) = invoices
    assert (invoice["total"], invoice["shipment"], invoice["sales_order"]) == (
        "60000.00",
        shipment["number"],
        number,
    )
    assert invoice["lines"] == [
        {
            "line_number": 1,
            "item": "LAPTOP-15",
            "quantity": "50.000",
            "unit_price": "1200.0000",
            "amount": "60000.00",
        }
    ]
    final = csr("get", f"/sales-orders/{number}")
    assert final["status"] == "CLOSED" and final["lines"][0]["status"] == "CLOSED"
    assert final["lines"][0]["supply"]["status"] == "CLOSED"
    assert final["lines"][0]["supply"]["documents"] == [
        {
            "type": "PURCHASE_ORDER",
            "number": po.number,
            "line_number": 1,
            "status": "CLOSED_FOR_RECEIVING",
            "quantity": "50.000",
        },
    ]
    po.refresh_from_db()
    assert po.status == "CLOSED"
    assert ledger_mismatches() == []
    assert Decimal(dock("get", "/inventory?item=LAPTOP-15")["items"][0]["on_hand"]) == 0
