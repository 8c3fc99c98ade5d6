"""Receiving and shipping screens through the HTTP client."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from procurement.models import RequisitionLine
from procurement.services import purchase_order_submit
from supply.flows.buy import purchase_orders_create
from supply.models import SupplyOrder
from supply.services import sales_order_submit, supply_order_create_document
from warehouse.models import Shipment

pytestmark = pytest.mark.django_db


def open_po(world, quantity=3):
    order = world.order((world.laptop, quantity))
    sales_order_submit(order=order, acting_user=world.csr)
    supply_order_create_document(
        supply_order_id=SupplyOrder.objects.get(demand_line__order=order).pk
    )
    (po,) = purchase_orders_create(
        requisition_line_ids=[RequisitionLine.objects.get(demand_line__order=order).pk]
    )
    return order, purchase_order_submit(po=po)


def queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_receiving_lists_expected_lines_and_receives_with_a_clear_confirmation(client_for, world):
    order, po = open_po(world)
    client = client_for("warehouse")
    page = client.get(f"/warehouse/receiving/?q={po.number}")
    (row,) = page.context["rows"]
    assert row.open_quantity == 3 and b"autofocus" in page.content

    response = client.post(
        "/warehouse/receiving/",
        {"purchase_order": po.number, "line_number": "1", "quantity": "3"},
        follow=True,
    )

    text = response.content.decode()
    assert f"received 3 LAPTOP-15 on {po.number}/1; 3 reserved for {order.number} line 1" in text
    assert order.lines.get().status == "AWAITING_SHIPPING"


def test_an_over_receipt_on_the_screen_says_what_is_allowed(client_for, world):
    _, po = open_po(world)
    response = client_for("warehouse").post(
        "/warehouse/receiving/",
        {"purchase_order": po.number, "line_number": "1", "quantity": "9"},
        follow=True,
    )
    assert "Over-receipt" in response.content.decode()
    assert po.lines.get().quantity_received == 0


def test_receiving_and_shipping_pages_run_constant_queries(client_for, world):
    client = client_for("warehouse")
    open_po(world)
    world.stock(world.laptop, 100)
    sales_order_submit(order=world.order((world.laptop, 1)), acting_user=world.csr)
    few = [queries(client, "/warehouse/receiving/"), queries(client, "/warehouse/shipping/")]
    for _ in range(4):
        open_po(world, quantity=200)
        sales_order_submit(order=world.order((world.laptop, 1)), acting_user=world.csr)
    assert [
        queries(client, "/warehouse/receiving/"),
        queries(client, "/warehouse/shipping/"),
    ] == few


def test_shipping_from_the_screen_end_to_end(client_for, world):
    world.stock(world.laptop, 5)
    order = world.order((world.laptop, 5))
    sales_order_submit(order=order, acting_user=world.csr)
    line = order.lines.get()
    client = client_for("warehouse")

    page = client.get("/warehouse/shipping/?organization=W1")
    assert [(c.number, [x.pk for x in lines]) for c, lines in page.context["customers"]] == [
        ("C-ACME", [line.pk])
    ]
    client.post(
        "/warehouse/shipping/?organization=W1", {"line": [line.pk], f"quantity_{line.pk}": "2"}
    )
    shipment = Shipment.objects.get()
    for action in ("pick", "pack"):
        client.post(f"/warehouse/shipments/{shipment.number}/{action}/")
    client.post(
        f"/warehouse/shipments/{shipment.number}/confirm/",
        {"carrier": "DHL", "tracking_number": "42"},
    )

    shipment.refresh_from_db()
    assert (shipment.status, shipment.carrier) == ("SHIPPED", "DHL")
    assert [(x.quantity, x.status) for x in order.lines.order_by("line_number")] == [
        (Decimal(3), "AWAITING_SHIPPING"),
        (Decimal(2), "AWAITING_BILLING"),
    ]
    slip = client.get(f"/warehouse/shipments/{shipment.number}/packing-slip/").content.decode()
    assert order.number in slip and "LAPTOP-15" in slip


def test_a_second_confirm_from_the_screen_is_refused_with_a_message(client_for, world):
    world.stock(world.laptop, 1)
    order = world.order((world.laptop, 1))
    sales_order_submit(order=order, acting_user=world.csr)
    client = client_for("warehouse")
    client.post("/warehouse/shipping/?organization=W1", {"line": [order.lines.get().pk]})
    number = Shipment.objects.get().number
    for action in ("pick", "pack", "confirm"):
        client.post(f"/warehouse/shipments/{number}/{action}/")
    response = client.post(f"/warehouse/shipments/{number}/confirm/", follow=True)
    assert "Cannot confirm shipment" in response.content.decode()


@pytest.mark.parametrize("role", ["customer_service", "buyer", "procurement_manager", "production"])
def test_only_the_warehouse_receives_and_ships(client_for, world, role):
    client = client_for(role)
    assert client.get("/warehouse/receiving/").status_code == 403
    assert client.get("/warehouse/shipping/").status_code == 403
    assert client.post("/warehouse/shipments/SHP-000001/confirm/").status_code == 403
