"""A carrier or tracking number typed at ship confirm goes into the customer's ship notice:
one holding a line break or an invisible character is refused with what to fix, and nothing
ships — on the screen as through the API."""

import json

import pytest

from supply.services import sales_order_submit
from warehouse.shipments import ShipLine, shipment_create

pytestmark = pytest.mark.django_db

PLAIN = "Use one line of visible characters"


@pytest.fixture
def shipment(world):
    world.stock(world.laptop, 1)
    order = world.order((world.laptop, 1))
    sales_order_submit(order=order, acting_user=world.csr)
    return shipment_create(organization=world.w1, lines=[ShipLine(order.lines.get())])


def test_a_tracking_number_with_a_line_break_is_refused_on_the_screen(world, client_for, shipment):
    page = client_for("warehouse").post(
        f"/warehouse/shipments/{shipment.number}/ship/",
        {"carrier": "UPS", "tracking_number": "1Z999\nSubject: refund"},
        follow=True,
    )

    assert f"Tracking number: {PLAIN}" in page.content.decode()
    shipment.refresh_from_db()
    assert shipment.status == "PLANNED" and shipment.tracking_number == ""


def test_a_carrier_with_a_direction_override_is_refused_through_the_api(
    world, client_for, shipment
):
    api = client_for("warehouse")
    for step in ("pick", "pack"):
        assert api.post(f"/api/v1/shipments/{shipment.number}/{step}").status_code == 200

    response = api.post(
        f"/api/v1/shipments/{shipment.number}/confirm",
        json.dumps({"carrier": "SPU\u202e", "tracking_number": "1Z999"}),
        content_type="application/json",
    )

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "carrier"
    shipment.refresh_from_db()
    assert shipment.status == "PACKED"
