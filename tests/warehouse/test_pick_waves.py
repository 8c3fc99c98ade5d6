"""Pick waves: every line ready at an organization released in one action into one shipment
per customer, picked, packed and ship-confirmed as one — set-based, writing what shipping the
shipments one at a time writes, and racing one-at-a-time planning without a line on two
shipments."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection, transaction

from core.exceptions import BusinessRuleError, Conflict, InvalidTransition
from core.models import OutboxMessage, TransitionLog
from orders.models import FulfillmentLine
from orders.services import LineInput
from supply.flows.ship import shipment_confirm, wave_confirm
from supply.services import sales_order_enter
from tests.factories import CustomerFactory
from tests.world import assert_pegging_holds, run_concurrently
from warehouse.models import InventoryBalance, InventoryTransaction, Reservation, Shipment
from warehouse.shipments import ShipLine, shipment_cancel, shipment_create, shipment_move
from warehouse.waves import wave_move, wave_release

pytestmark = pytest.mark.django_db


class Rollback(Exception):
    pass


@pytest.fixture
def ready(world):
    """Eight laptops in stock at W1; ACME orders 1, 2 and 3 (line 2 due later), GLOBEX 2:
    every line reserved on hand, AWAITING_SHIPPING."""
    world.stock(world.laptop, 8)
    world.globex = CustomerFactory(number="C-GLOBEX", default_ship_from=world.w1)
    later = datetime.date.today() + datetime.timedelta(days=10)
    for customer, quantities in ((world.customer, (1, 2, 3)), (world.globex, (2,))):
        for n, quantity in enumerate(quantities):
            sales_order_enter(
                customer=customer,
                lines=[
                    LineInput(
                        world.laptop,
                        Decimal(quantity),
                        requested_ship_date=later if n == 1 else None,
                    )
                ],
                submit=True,
            )
    assert set(FulfillmentLine.objects.values_list("status", flat=True)) == {"AWAITING_SHIPPING"}
    return world


def shipped_picture() -> dict:
    """What shipping wrote, without ids, numbers or times."""
    return {
        "lines": sorted(FulfillmentLine.objects.values_list("order__number", "status", "quantity")),
        "reservations": sorted(
            Reservation.objects.values_list("demand_line__order__number", "quantity", "status")
        ),
        "ledger": sorted(
            InventoryTransaction.objects.values_list("kind", "quantity", "document_type")
        ),
        "balances": list(InventoryBalance.objects.values_list("on_hand", "reserved")),
        "shipments": sorted(Shipment.objects.values_list("customer__number", "status", "carrier")),
        "log": sorted(
            TransitionLog.objects.filter(demand_line_id__isnull=False).values_list(
                "document_type", "field", "from_value", "to_value"
            )
        ),
        "invoices_owed": OutboxMessage.objects.filter(topic="billing.invoice_shipment").count(),
    }


def test_a_wave_releases_one_shipment_per_customer(ready):
    wave = wave_release(organization=ready.w1, carrier="UPS")

    shipments = {s.customer.number: s for s in wave.shipments.select_related("customer")}
    assert set(shipments) == {"C-ACME", "C-GLOBEX"}
    assert sorted(shipments["C-ACME"].lines.values_list("quantity", flat=True)) == [1, 2, 3]
    assert {s.status for s in shipments.values()} == {"PLANNED"} and wave.status == "RELEASED"
    timeline = TransitionLog.objects.get(document_type="warehouse.pickwave")
    assert timeline.reason == "4 lines in 2 shipments"


def test_a_wave_narrows_to_a_customer_and_a_date(ready):
    today = datetime.date.today()
    acme_due = wave_release(
        organization=ready.w1, customer=ready.customer, ship_by=today + datetime.timedelta(days=5)
    )

    (shipment,) = acme_due.shipments.all()
    assert sorted(shipment.lines.values_list("quantity", flat=True)) == [1, 3]
    rest = wave_release(organization=ready.w1)
    assert sorted(rest.shipments.values_list("customer__number", "lines__quantity")) == [
        ("C-ACME", 2),
        ("C-GLOBEX", 2),
    ]
    with pytest.raises(BusinessRuleError, match="Nothing is ready to ship from W1"):
        wave_release(organization=ready.w1)


def test_a_wave_is_picked_packed_and_shipped_as_one(ready):
    wave = wave_release(organization=ready.w1, carrier="UPS")
    wave_move(wave=wave, action="pick")
    with pytest.raises(InvalidTransition):
        wave_confirm(wave=wave)  # not packed yet
    wave_move(wave=wave, action="pack")

    wave_confirm(wave=wave, tracking_numbers={wave.shipments.first().pk: "1Z999"})

    assert set(FulfillmentLine.objects.values_list("status", flat=True)) == {"AWAITING_BILLING"}
    assert set(Shipment.objects.values_list("status", "carrier")) == {("SHIPPED", "UPS")}
    assert InventoryBalance.objects.get(item=ready.laptop).on_hand == 0
    assert OutboxMessage.objects.filter(topic="billing.invoice_shipment").count() == 2
    wave.refresh_from_db()
    assert wave.status == "SHIPPED"
    with pytest.raises(InvalidTransition):
        wave_confirm(wave=wave)
    assert_pegging_holds()


def test_a_shipment_cancelled_out_of_a_wave_stays_out(ready):
    wave = wave_release(organization=ready.w1)
    globex = wave.shipments.get(customer=ready.globex)
    shipment_cancel(shipment=globex)

    for step in ("pick", "pack"):
        wave_move(wave=wave, action=step)
    wave_confirm(wave=wave, carrier="DHL")

    globex.refresh_from_db()
    assert globex.status == "CANCELLED"
    assert FulfillmentLine.objects.get(order__customer=ready.globex).status == "AWAITING_SHIPPING"
    again = wave_release(organization=ready.w1)  # its line is ready again
    assert list(again.shipments.values_list("customer__number", flat=True)) == ["C-GLOBEX"]
    assert_pegging_holds()


def test_a_wave_writes_what_shipping_one_at_a_time_writes(ready, row_writes):
    with pytest.raises(Rollback), transaction.atomic():
        for customer in (ready.customer, ready.globex):
            lines = FulfillmentLine.objects.filter(order__customer=customer).order_by("id")
            shipment = shipment_create(organization=ready.w1, lines=[ShipLine(x) for x in lines])
            shipment_move(shipment=shipment, action="pick")
            shipment_move(shipment=shipment, action="pack")
            shipment_confirm(shipment=shipment, carrier="UPS")
        expected = shipped_picture()
        raise Rollback

    with row_writes():
        wave = wave_release(organization=ready.w1)
        wave_move(wave=wave, action="pick")
        wave_move(wave=wave, action="pack")
        wave_confirm(wave=wave, carrier="UPS")

    assert shipped_picture() == expected
    assert_pegging_holds()


@pytest.mark.django_db(transaction=True)
def test_a_wave_racing_one_at_a_time_planning_never_ships_a_line_twice(ready):
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    acme = list(FulfillmentLine.objects.filter(order__customer=ready.customer).order_by("id"))

    def plan(who):
        if who == "wave":
            wave_release(organization=ready.w1)
        else:
            shipment_create(organization=ready.w1, lines=[ShipLine(acme[0]), ShipLine(acme[1])])

    errors = run_concurrently(plan, ["wave", "one"])

    assert all(isinstance(error, Conflict) for error in errors)
    planned = Shipment.objects.filter(lines__active=True).values_list("lines__demand_line_id")
    assert sorted(line_id for (line_id,) in planned) == sorted(
        FulfillmentLine.objects.values_list("id", flat=True)
    )  # every line on exactly one shipment
    assert_pegging_holds()
