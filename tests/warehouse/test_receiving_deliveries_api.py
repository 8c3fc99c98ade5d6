"""POST /api/v1/receipts takes a whole delivery: every open line of a PO (no lines given), of
several POs from an advance ship notice, or lines that each name their PO — one receipt, with
field-level errors and nothing written when anything is refused."""

import pytest

from procurement.models import PurchaseOrder
from warehouse.models import Receipt

pytestmark = pytest.mark.django_db


def post(client, body):
    return client.post("/api/v1/receipts", body, content_type="application/json")


def delivery(world, *quantities_per_po):
    return [
        world.on_one_po([world.supplied(world.laptop, quantity) for quantity in quantities])
        for quantities in quantities_per_po
    ]


def test_a_po_without_lines_is_received_whole(world, client_for):
    (po,) = delivery(world, (2, 3))

    response = post(client_for("warehouse"), {"purchase_order": po.number})

    assert response.status_code == 201
    body = response.json()
    assert (body["purchase_order"], body["purchase_orders"]) == (po.number, [po.number])
    assert [(line["purchase_order"], line["line_number"], line["quantity"]) for line in
            body["lines"]] == [(po.number, 1, "2.000"), (po.number, 2, "3.000")]  # fmt: skip
    assert {line["reserved_quantity"] for line in body["lines"]} == {"2.000", "3.000"}
    po.refresh_from_db()
    assert po.status == "CLOSED_FOR_RECEIVING"


def test_an_advance_ship_notice_receives_several_pos_on_one_receipt(world, client_for):
    first, second = delivery(world, (1, 1), (4,))

    response = post(
        client_for("warehouse"),
        {"purchase_orders": [first.number, second.number], "reference": "ASN-0042"},
    )

    assert response.status_code == 201
    body = response.json()
    assert body["purchase_order"] is None and body["reference"] == "ASN-0042"
    assert body["purchase_orders"] == sorted([first.number, second.number])
    assert len(body["lines"]) == 3
    fetched = client_for("warehouse").get(f"/api/v1/receipts/{body['number']}").json()
    assert fetched["purchase_orders"] == body["purchase_orders"]


def test_lines_may_each_name_their_po(world, client_for):
    first, second = delivery(world, (2,), (4,))

    response = post(
        client_for("warehouse"),
        {
            "lines": [
                {"purchase_order": first.number, "line_number": 1, "quantity": 1},
                {"purchase_order": second.number, "line_number": 1},
            ]
        },
    )

    assert response.status_code == 201
    assert [(line["purchase_order"], line["quantity"]) for line in response.json()["lines"]] == [
        (first.number, "1.000"),
        (second.number, "4.000"),
    ]
    assert PurchaseOrder.objects.get(pk=first.pk).status == "OPEN"  # one still to come


def test_unknown_pos_and_lines_without_a_po_are_field_errors(world, client_for):
    (po,) = delivery(world, (1,))
    api = client_for("warehouse")

    unknown = post(api, {"purchase_orders": [po.number, "PO-999999"]})
    no_po = post(api, {"purchase_orders": [po.number], "lines": [{"line_number": 1}]})

    assert unknown.status_code == 422
    assert [e["field"] for e in unknown.json()["errors"]] == ["purchase_orders[1]"]
    assert no_po.status_code == 422
    assert [e["field"] for e in no_po.json()["errors"]] == ["lines[0].purchase_order"]
    assert not Receipt.objects.exists()


def test_one_line_over_tolerance_refuses_the_delivery(world, client_for):
    first, second = delivery(world, (2,), (4,))

    response = post(
        client_for("warehouse"),
        {
            "lines": [
                {"purchase_order": first.number, "line_number": 1, "quantity": 2},
                {"purchase_order": second.number, "line_number": 1, "quantity": 40},
            ]
        },
    )

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "lines[1].quantity"
    assert not Receipt.objects.exists()


def test_a_delivery_received_twice_is_a_conflict(world, client_for):
    (po,) = delivery(world, (2,))
    api = client_for("warehouse")
    assert post(api, {"purchase_order": po.number}).status_code == 201

    again = post(api, {"purchase_order": po.number})

    assert again.status_code == 409 and "Nothing is left to receive" in again.json()["detail"]
    assert Receipt.objects.count() == 1


def test_only_the_warehouse_receives(world, client_for):
    (po,) = delivery(world, (2,))

    assert post(client_for("customer_service"), {"purchase_order": po.number}).status_code == 403
