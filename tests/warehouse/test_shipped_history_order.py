"""The shipped history lists shipments by when they shipped, last shipped first — not by when
they were planned: a shipment planned early but shipped today comes before one planned later
and shipped last week."""

import datetime

import pytest
import time_machine

from supply.flows.ship import shipment_confirm
from supply.services import sales_order_submit
from warehouse.shipments import ShipLine, shipment_create, shipment_move

pytestmark = pytest.mark.django_db


def planned(world):
    world.stock(world.laptop, 1)
    order = world.order((world.laptop, 1))
    sales_order_submit(order=order, acting_user=world.csr)
    return shipment_create(organization=world.w1, lines=[ShipLine(order.lines.get())])


def ship(shipment):
    shipment_move(shipment=shipment, action="pick")
    shipment_move(shipment=shipment, action="pack")
    shipment_confirm(shipment=shipment, carrier="UPS")


def test_the_shipped_history_shows_the_last_shipped_first(world, client_for):
    planned_first, planned_later = planned(world), planned(world)
    with time_machine.travel(datetime.datetime(2026, 3, 2, 12, tzinfo=datetime.UTC)):
        ship(planned_later)
    with time_machine.travel(datetime.datetime(2026, 3, 9, 12, tzinfo=datetime.UTC)):
        ship(planned_first)

    page = client_for("warehouse").get("/warehouse/shipments/?status=SHIPPED").content.decode()
    listed = client_for("warehouse").get("/api/v1/shipments?status=SHIPPED").json()["items"]

    assert page.index(f'data-testid="shipment-{planned_first.number}"') < page.index(
        f'data-testid="shipment-{planned_later.number}"'
    )
    assert [s["number"] for s in listed] == [planned_first.number, planned_later.number]
