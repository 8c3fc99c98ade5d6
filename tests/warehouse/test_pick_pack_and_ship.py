"""Pick, pack and ship confirm as one action (a one-person warehouse): three steps recorded,
all or nothing, each step's permission required."""

from decimal import Decimal

import pytest

from core.documents import document_type_of
from core.models import TransitionLog
from supply.services import sales_order_submit
from tests.factories import UserFactory
from tests.world import assert_pegging_holds
from warehouse.models import InventoryBalance, Shipment
from warehouse.shipments import ShipLine, shipment_create, shipment_move

pytestmark = pytest.mark.django_db


def planned(world, quantity=3, ship=None):
    world.stock(world.laptop, quantity)
    order = world.order((world.laptop, quantity))
    sales_order_submit(order=order, acting_user=world.csr)
    line = order.lines.get()
    return shipment_create(organization=world.w1, lines=[ShipLine(line, ship)]), order


def steps(shipment):
    return list(
        TransitionLog.objects.filter(
            document_type=document_type_of(Shipment), document_id=shipment.pk, field="status"
        )
        .order_by("id")
        .values_list("from_value", "to_value", "actor__username")
    )


def test_one_action_picks_packs_and_ships_recording_three_steps(world, client_for):
    shipment, order = planned(world)
    client = client_for("warehouse")

    response = client.post(
        f"/warehouse/shipments/{shipment.number}/ship/",
        {"carrier": "UPS", "tracking_number": "1Z999"},
        follow=True,
    )

    shipment.refresh_from_db()
    assert (shipment.status, shipment.carrier, shipment.tracking_number) == (
        "SHIPPED",
        "UPS",
        "1Z999",
    )
    assert steps(shipment)[1:] == [
        ("PLANNED", "PICKED", "warehouse"),
        ("PICKED", "PACKED", "warehouse"),
        ("PACKED", "SHIPPED", "warehouse"),
    ]
    assert f"{shipment.number} picked, packed and shipped" in response.content.decode()
    assert order.lines.get().status == "AWAITING_BILLING"
    assert InventoryBalance.objects.get(item=world.laptop).on_hand == 0
    assert_pegging_holds()


def test_through_htmx_it_answers_with_the_card_the_lines_and_the_message(world, client_for):
    shipment, order = planned(world, quantity=5, ship=Decimal(2))

    response = client_for("warehouse").post(
        f"/warehouse/shipments/{shipment.number}/ship/",
        {"carrier": "DHL"},
        HTTP_HX_REQUEST="true",
    )

    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    card = f'id="shipment-{shipment.number}" data-testid="shipment-{shipment.number}"'
    assert f'{card} hx-swap-oob="true"' in html
    assert 'data-status="SHIPPED"' in html
    assert 'id="ready" hx-swap-oob="true"' in html
    # the rest of the line (3) can now be planned on its own
    assert f'value="3" aria-label="Quantity to ship of {order.number} line 1"' in html
    assert 'id="warehouse-messages"' in html and "picked, packed and shipped" in html


def test_a_shipment_already_picked_is_not_picked_again_and_nothing_moves(world, client_for):
    shipment, _ = planned(world)
    shipment_move(shipment=shipment, action="pick")

    response = client_for("warehouse").post(
        f"/warehouse/shipments/{shipment.number}/ship/", HTTP_HX_REQUEST="true"
    )

    assert "Cannot pick shipment" in response.content.decode()
    shipment.refresh_from_db()
    assert shipment.status == "PICKED" and len(steps(shipment)) == 2


def test_a_user_without_the_shipping_permission_cannot_ship_in_one_action(world, client):
    shipment, _ = planned(world)
    client.force_login(UserFactory(username="cara", roles=["customer_service"]))

    response = client.post(f"/warehouse/shipments/{shipment.number}/ship/")

    assert response.status_code == 403
    shipment.refresh_from_db()
    assert shipment.status == "PLANNED"


def test_the_button_is_offered_on_a_planned_shipment_only(world, client_for):
    shipment, _ = planned(world)
    client = client_for("warehouse")
    page = client.get("/warehouse/shipping/?organization=W1").content.decode()
    assert "Pick, pack and ship" in page and f"Carrier of {shipment.number}" in page
    shipment_move(shipment=shipment, action="pick")
    assert "Pick, pack and ship" not in client.get("/warehouse/shipping/").content.decode()
