"""PATCH /purchase-orders/{number}/lines/{line_number} and POST …/lines/{line_number}/cancel:
the buyer's change orders."""

from decimal import Decimal

import pytest

from procurement.models import PurchaseOrder
from tests.world import assert_pegging_holds

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_po_approval_needed")]


def test_the_buyer_revises_a_po_line_and_others_may_not(client_for, world):
    po_line = world.on_po(world.supplied(world.laptop, 5))
    url = f"/api/v1/purchase-orders/{po_line.purchase_order.number}/lines/1"

    assert (
        client_for("customer_service")
        .patch(url, {"quantity": "6"}, content_type="application/json")
        .status_code
        == 403
    )
    answer = client_for("buyer").patch(
        url, {"quantity": "6", "promised_date": "2031-01-10"}, content_type="application/json"
    )

    assert answer.status_code == 200
    body = answer.json()
    assert (body["revision"], body["lines"][0]["quantity"]) == (1, "6.000")
    assert body["lines"][0]["promised_date"] == "2031-01-10"
    assert_pegging_holds()


def test_below_what_was_received_is_409_and_a_closed_po_does_not_change(client_for, world):
    from supply.flows.receive import receipt_create
    from warehouse.services import ReceiveLine

    po_line = world.on_po(world.supplied(world.laptop, 5))
    po = po_line.purchase_order
    receipt_create(purchase_order=po, lines=[ReceiveLine(1, Decimal(3))])
    url = f"/api/v1/purchase-orders/{po.number}/lines/1"

    below = client_for("buyer").patch(url, {"quantity": "2"}, content_type="application/json")
    assert below.status_code == 409 and "already received" in below.json()["detail"]
    receipt_create(purchase_order=po, lines=[ReceiveLine(1, Decimal(2))])
    closed = client_for("buyer").patch(url, {"quantity": "9"}, content_type="application/json")
    assert closed.status_code == 409 and "no longer changes" in closed.json()["detail"]
    assert PurchaseOrder.objects.get().revision == 0


def test_the_buyer_cancels_a_po_line_with_a_reason(client_for, world):
    po_line = world.on_po(world.supplied(world.laptop, 5))
    url = f"/api/v1/purchase-orders/{po_line.purchase_order.number}/lines/1/cancel"

    assert client_for("buyer").post(url, {}, content_type="application/json").status_code == 422
    answer = client_for("buyer").post(
        url, {"reason": "supplier out"}, content_type="application/json"
    )

    assert answer.status_code == 200
    assert answer.json()["status"] == "CANCELLED"
    assert_pegging_holds()
