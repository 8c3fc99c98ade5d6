"""POST /api/v1/sales-orders/batch: up to 1,000 orders per request, each checked on its own —
201 created, 200 already imported, 422 with its field errors — one bad order never rejects
the others."""

import pytest

from orders.models import SalesOrder

pytestmark = pytest.mark.django_db

URL = "/api/v1/sales-orders/batch"


def order(reference, *, item="LAPTOP-15", quantity=1, customer="C-ACME", **more):
    return {
        "customer": customer,
        "external_reference": reference,
        "submit": True,
        "lines": [{"item": item, "quantity": quantity}],
        **more,
    }


def post(client, orders):
    return client.post(URL, {"orders": orders}, content_type="application/json")


def test_each_order_gets_its_own_answer_and_a_bad_one_rejects_no_other(client_for, world):
    csr = client_for("customer_service")
    post(csr, [order("PO-1")])

    answer = post(
        csr,
        [
            order("PO-1"),  # imported before: 200
            order("PO-2", quantity=0),  # 422 on its field
            order("PO-3", customer="C-NOBODY", item="NOTHING"),  # unknown references
            {"customer": "C-ACME", "lines": "many"},  # not an order at all
            order("PO-4", quantity=2),  # created
            order("PO-1", quantity=9),  # the reference again, other lines: 409
        ],
    )

    assert answer.status_code == 200
    results = answer.json()["results"]
    assert [r["index"] for r in results] == [0, 1, 2, 3, 4, 5]
    assert [r["status"] for r in results] == [200, 422, 422, 422, 201, 409]
    assert results[0]["order"]["number"] == SalesOrder.objects.get(external_reference="PO-1").number
    assert [e["field"] for e in results[1]["errors"]] == ["lines[0].quantity"]
    assert {e["field"] for e in results[2]["errors"]} == {"customer", "lines[0].item"}
    assert {e["field"] for e in results[3]["errors"]} == {"lines"}
    created = SalesOrder.objects.get(external_reference="PO-4")
    assert results[4]["order"] == {
        "number": created.number,
        "status": "PROCESSING",
        "external_reference": "PO-4",
    }
    assert "already has external reference “PO-1”" in results[5]["detail"]
    assert SalesOrder.objects.count() == 2


def test_orders_imported_in_a_batch_are_promised_and_get_their_supply(client_for, world):
    world.stock(world.laptop, 2)
    answer = post(client_for("customer_service"), [order("A", quantity=2), order("B")])

    assert [r["status"] for r in answer.json()["results"]] == [201, 201]
    a, b = (SalesOrder.objects.get(external_reference=r) for r in "AB")
    assert a.lines.get().supply_type == "ON_HAND"
    assert b.lines.get().supply_type == "BUY" and b.lines.get().supply_orders.count() == 1


def test_a_batch_needs_the_order_entry_permission(client_for, world):
    assert post(client_for("warehouse"), [order("X")]).status_code == 403
    assert SalesOrder.objects.count() == 0


def test_more_than_a_thousand_orders_or_none_is_refused_as_a_whole(client_for, world):
    csr = client_for("customer_service")

    too_many = post(csr, [order(f"R-{n}") for n in range(1001)])
    none = post(csr, [])

    assert too_many.status_code == none.status_code == 422
    assert too_many.json()["errors"][0]["field"] == "orders"
    assert SalesOrder.objects.count() == 0
