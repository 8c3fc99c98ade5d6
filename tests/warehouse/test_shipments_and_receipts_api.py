"""GET /api/v1/shipments and GET /api/v1/receipts: summaries newest first, paged with
?limit=&offset= and filtered like the other API lists; a bad filter is a 422 in the one error
shape."""

from decimal import Decimal

import pytest
from django.utils import timezone

from supply.flows.receive import receipt_create
from supply.flows.ship import shipment_confirm
from supply.services import sales_order_submit
from tests.factories import CustomerFactory
from warehouse.services import ReceiveLine
from warehouse.shipments import ShipLine, shipment_create, shipment_move

pytestmark = pytest.mark.django_db


def planned(world, customer=None, quantity=1):
    world.stock(world.laptop, quantity)
    order = world.order((world.laptop, quantity), **({"customer": customer} if customer else {}))
    sales_order_submit(order=order, acting_user=world.csr)
    return shipment_create(organization=world.w1, lines=[ShipLine(order.lines.get())]), order


def confirmed(world, customer=None, quantity=1, tracking="1Z"):
    shipment, order = planned(world, customer, quantity)
    shipment_move(shipment=shipment, action="pick")
    shipment_move(shipment=shipment, action="pack")
    shipment_confirm(shipment=shipment, carrier="UPS", tracking_number=tracking)
    return shipment, order


def test_the_shipments_list_gives_summaries_newest_first_and_filters(world, client_for):
    globex = CustomerFactory(number="C-GLOBEX", default_ship_from=world.w1)
    first, first_order = confirmed(world, quantity=2, tracking="1ZA")
    second, _ = confirmed(world, customer=globex)
    third, _ = planned(world)
    api = client_for("customer_service")

    everything = api.get("/api/v1/shipments").json()

    assert everything["count"] == 3
    assert [s["number"] for s in everything["items"]] == [
        third.number,
        second.number,
        first.number,
    ]
    assert everything["items"][2] == {
        "number": first.number,
        "organization": "W1",
        "customer": "C-ACME",
        "status": "SHIPPED",
        "carrier": "UPS",
        "tracking_number": "1ZA",
        "ship_date": timezone.localdate().isoformat(),
        "wave": None,
        "line_count": 1,
        "quantity": "2.000",
    }

    def numbers(query):
        return [s["number"] for s in api.get(f"/api/v1/shipments?{query}").json()["items"]]

    assert numbers("status=SHIPPED") == [second.number, first.number]
    assert numbers("status=PLANNED") == [third.number]
    assert numbers("customer=C-GLOBEX") == [second.number]
    assert numbers(f"sales_order={first_order.number}") == [first.number]
    assert numbers("organization=W9") == []
    page = api.get("/api/v1/shipments?limit=1&offset=1").json()
    assert (page["count"], [s["number"] for s in page["items"]]) == (3, [second.number])


def test_a_cancelled_shipment_keeps_its_lines_in_the_summary(world, client_for):
    from warehouse.shipments import shipment_cancel

    shipment, _ = planned(world, quantity=3)
    shipment_cancel(shipment=shipment)

    (item,) = client_for("warehouse").get("/api/v1/shipments?status=CANCELLED").json()["items"]

    assert (item["status"], item["line_count"], item["quantity"]) == ("CANCELLED", 1, "3.000")


def test_an_unknown_status_is_a_422_that_names_the_field(world, client_for):
    response = client_for("warehouse").get("/api/v1/shipments?status=LOST")

    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "validation_error"
    assert [error["field"] for error in body["errors"]] == ["status"]


def test_the_receipts_list_gives_summaries_and_filters_by_po_and_organization(world, client_for):
    line = world.supplied(world.laptop, 3)
    po = world.on_po(line).purchase_order
    first = receipt_create(purchase_order=po, lines=[ReceiveLine(1, Decimal(1))])
    second = receipt_create(purchase_order=po, lines=[ReceiveLine(1, Decimal(2))])
    other_line = world.supplied(world.laptop, 1)
    other_po = world.on_po(other_line).purchase_order
    other = receipt_create(purchase_order=other_po, lines=[ReceiveLine(1, Decimal(1))])
    api = client_for("buyer")

    listed = api.get("/api/v1/receipts").json()

    assert listed["count"] == 3
    assert [r["number"] for r in listed["items"]] == [other.number, second.number, first.number]
    summary = listed["items"][1]
    assert {key: summary[key] for key in summary if key != "received_at"} == {
        "number": second.number,
        "purchase_order": po.number,
        "purchase_orders": [po.number],
        "transfer_order": None,
        "reference": "",
        "organization": "W1",
        "line_count": 1,
        "quantity": "2.000",
    }
    on_po = api.get(f"/api/v1/receipts?purchase_order={po.number}").json()
    assert [r["number"] for r in on_po["items"]] == [second.number, first.number]
    assert api.get("/api/v1/receipts?organization=W9").json() == {"count": 0, "items": []}
    assert api.get("/api/v1/receipts?limit=1").json()["items"][0]["number"] == other.number


def test_transfer_receipts_are_listed_by_transfer_order(world, client_for):
    from supply.flows.transfer import transfer_order_receive
    from warehouse.models import TransferOrder
    from warehouse.transfers import transfer_order_ship

    world.transfer_setup()
    world.supplied(world.chair, 2)
    transfer = TransferOrder.objects.get()
    transfer_order_ship(transfer_order=transfer)
    receipt = transfer_order_receive(transfer_order=transfer, lines=[ReceiveLine(1, Decimal(2))])

    items = (
        client_for("warehouse")
        .get(f"/api/v1/receipts?transfer_order={transfer.number}")
        .json()["items"]
    )

    assert [(r["number"], r["transfer_order"], r["purchase_orders"]) for r in items] == [
        (receipt.number, transfer.number, [])
    ]
