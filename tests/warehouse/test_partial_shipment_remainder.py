"""While part of a line is on a planned shipment, the rest stays in Ready to ship: the same
figure on the screen and in the selector, and it can be planned once the shipment ships."""

from decimal import Decimal

import pytest

from supply.flows.ship import shipment_confirm
from supply.services import sales_order_submit
from tests.world import assert_pegging_holds
from warehouse.models import Shipment
from warehouse.selectors import lines_to_ship
from warehouse.shipments import ShipLine, shipment_cancel, shipment_create, shipment_move

pytestmark = pytest.mark.django_db


def five_reserved(world):
    world.stock(world.laptop, 5)
    order = world.order((world.laptop, 5))
    sales_order_submit(order=order, acting_user=world.csr)
    return order.lines.get()


def test_the_part_of_a_line_not_on_a_shipment_stays_ready_to_ship(world, client_for):
    line = five_reserved(world)
    shipment = shipment_create(organization=world.w1, lines=[ShipLine(line, Decimal(2))])

    (ready,) = lines_to_ship(organization="W1")
    assert (ready.pk, ready.ready_quantity, ready.planned_quantity) == (line.pk, 3, 2)
    assert ready.planned_on == shipment.number
    page = client_for("warehouse").get("/warehouse/shipping/?organization=W1")
    row = page.content.decode().split(f'data-testid="ready-line-{line.order.number}-1"')[1]
    assert '<span data-testid="remainder">3</span>' in row
    assert f"2 on {shipment.number}" in row


def test_a_line_wholly_on_a_shipment_leaves_ready_to_ship(world):
    line = five_reserved(world)
    shipment_create(organization=world.w1, lines=[ShipLine(line)])
    assert list(lines_to_ship()) == []


def test_the_remainder_is_offered_to_ship_once_the_first_part_shipped(world, client_for):
    line = five_reserved(world)
    shipment = shipment_create(organization=world.w1, lines=[ShipLine(line, Decimal(2))])
    shipment_move(shipment=shipment, action="pick")
    shipment_move(shipment=shipment, action="pack")
    shipment_confirm(shipment=shipment)

    (ready,) = lines_to_ship(organization="W1")
    assert (ready.pk, ready.ready_quantity, ready.planned_on) == (line.pk, 3, None)
    client = client_for("warehouse")
    page = client.get("/warehouse/shipping/?organization=W1").content.decode()
    assert f'name="quantity_{line.pk}" value="3"' in page
    # The figure offered is what the shipment may take.
    client.post("/warehouse/shipping/", {"organization": "W1", "line": [line.pk]})
    assert Shipment.objects.get(status="PLANNED").lines.get().quantity == 3
    assert_pegging_holds()


def test_a_cancelled_shipment_gives_the_whole_line_back(world):
    line = five_reserved(world)
    shipment = shipment_create(organization=world.w1, lines=[ShipLine(line, Decimal(2))])
    shipment_cancel(shipment=shipment)
    (ready,) = lines_to_ship()
    assert (ready.ready_quantity, ready.planned_quantity) == (5, 0)
