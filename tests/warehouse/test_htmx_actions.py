"""Receiving and shipping actions posted by htmx answer with the changed parts only (swapped
by id) and their message; without htmx they redirect as before."""

import pytest

from supply.services import sales_order_submit
from tests.warehouse.test_warehouse_screens import open_po
from warehouse.models import Shipment
from warehouse.shipments import ShipLine, shipment_create

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def planned(world, quantity=2):
    world.stock(world.laptop, quantity)
    order = world.order((world.laptop, quantity))
    sales_order_submit(order=order, acting_user=world.csr)
    return shipment_create(organization=world.w1, lines=[ShipLine(order.lines.get())]), order


def test_picking_swaps_the_shipment_card_and_shows_the_message(world, client_for):
    shipment, _ = planned(world)

    response = client_for("warehouse").post(f"/warehouse/shipments/{shipment.number}/pick/", **HTMX)

    html = response.content.decode()
    assert response.status_code == 200 and "<nav" not in html
    assert f'id="shipment-{shipment.number}"' in html and ">Packed</button>" in html
    assert 'id="ready"' not in html  # the lines ready to ship did not change
    assert f'role="alert">{shipment.number} picked.</div>' in html


def test_creating_a_shipment_swaps_the_shipments_and_the_lines_ready(world, client_for):
    world.stock(world.laptop, 2)
    order = world.order((world.laptop, 2))
    sales_order_submit(order=order, acting_user=world.csr)

    response = client_for("warehouse").post(
        "/warehouse/shipping/", {"organization": "W1", "line": [order.lines.get().pk]}, **HTMX
    )

    html = response.content.decode()
    number = Shipment.objects.get().number
    assert 'id="shipments" hx-swap-oob="true"' in html and f"shipment-{number}" in html
    assert 'id="ready" hx-swap-oob="true"' in html and "Nothing is reserved" in html
    assert f"{number} planned" in html


def test_a_refused_step_shows_its_error_in_the_swapped_messages(world, client_for):
    shipment, _ = planned(world)

    response = client_for("warehouse").post(f"/warehouse/shipments/{shipment.number}/pack/", **HTMX)

    html = response.content.decode()
    assert 'class="alert alert-danger py-2" role="alert">Cannot pack shipment' in html
    shipment.refresh_from_db()
    assert shipment.status == "PLANNED"


def test_without_htmx_a_step_redirects_to_the_shipping_page(world, client_for):
    shipment, _ = planned(world)
    response = client_for("warehouse").post(f"/warehouse/shipments/{shipment.number}/pick/")
    assert response.status_code == 302
    assert response["Location"] == "/warehouse/shipping/?organization=W1"


def test_receiving_through_htmx_swaps_the_lists_and_shows_the_receipt(world, client_for):
    order, po = open_po(world)

    response = client_for("warehouse").post(
        "/warehouse/receiving/",
        {"purchase_order": po.number, "line_number": "1", "quantity": "3"},
        **HTMX,
    )

    html = response.content.decode()
    assert "<nav" not in html and 'id="receiving-work" hx-swap-oob="true"' in html
    assert f"3 reserved for {order.number} line 1" in html
    assert f'data-testid="expected-{po.number}-1"' not in html  # received in full
    assert 'aria-label="Find expected receipts" autofocus' in html  # ready for the next scan


def test_a_refused_receipt_through_htmx_keeps_the_line_in_view_with_the_reason(world, client_for):
    _, po = open_po(world)

    response = client_for("warehouse").post(
        "/warehouse/receiving/",
        {"purchase_order": po.number, "line_number": "1", "quantity": "9"},
        **HTMX,
    )

    html = response.content.decode()
    assert "Over-receipt" in html and "alert-danger" in html
    assert f'data-testid="expected-{po.number}-1"' in html and f'value="{po.number}"' in html


def test_without_htmx_a_receipt_redirects_to_the_receiving_page(world, client_for):
    _, po = open_po(world)
    response = client_for("warehouse").post(
        "/warehouse/receiving/", {"purchase_order": po.number, "line_number": "1", "quantity": "3"}
    )
    assert (response.status_code, response["Location"]) == (302, "/warehouse/receiving/")
