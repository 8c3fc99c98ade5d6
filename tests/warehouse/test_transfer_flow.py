"""Transfer: a line sourced TRANSFER gets a transfer order from the source warehouse, whose
stock is held for it at once; ship puts the goods in transit, the receipt at the destination
reserves them for the line, and the line ships, invoices and closes — ledger equal to the
balances all along."""

from decimal import Decimal

import pytest
from django.db import connection

from billing.services import invoices_create_for_shipment
from catalog.models import SourcingRule
from core.exceptions import BusinessRuleError, InvalidTransition
from supply.flows.ship import shipment_confirm
from supply.flows.transfer import transfer_order_cancel, transfer_order_receive
from supply.models import SupplyOrder
from supply.services import (
    line_cancel,
    sales_order_submit,
    supply_order_create_document,
)
from tests.factories import OrganizationFactory
from tests.world import assert_pegging_holds, run_concurrently
from warehouse.models import InventoryBalance, InventoryTransaction, TransferOrder
from warehouse.selectors import ledger_mismatches
from warehouse.shipments import ShipLine, shipment_create, shipment_move
from warehouse.transfers import ReceiveLine, transfer_order_ship

pytestmark = pytest.mark.django_db


def transferred(world, quantity=4):
    world.transfer_setup()
    order = world.order((world.chair, quantity))
    sales_order_submit(order=order, acting_user=world.csr)
    supply_order = SupplyOrder.objects.get(demand_line__order=order)
    supply_order_create_document(supply_order_id=supply_order.pk)
    return order, TransferOrder.objects.get(demand_line__order=order)


def balance(world, org):
    return InventoryBalance.objects.get(item=world.chair, organization=org)


def test_a_transfer_line_holds_the_source_stock_at_once(world):
    order, transfer_order = transferred(world, quantity=4)

    line = order.lines.get()
    assert (line.supply_type, line.status) == ("TRANSFER", "AWAITING_SUPPLY")
    assert (transfer_order.source, transfer_order.destination) == (world.w2, world.w1)
    assert transfer_order.status == "OPEN"
    assert balance(world, world.w2).available == 6  # 4 of 10 held for the transfer
    assert line.reservations.get(status="ACTIVE", supply_source="TRANSFER_ORDER").quantity == 4


def test_the_whole_transfer_flow_ships_invoices_and_closes_the_order(world):
    order, transfer_order = transferred(world, quantity=4)

    transfer_order_ship(transfer_order=transfer_order)
    source, destination = balance(world, world.w2), balance(world, world.w1)
    assert (source.on_hand, source.reserved, destination.in_transit) == (6, 0, 4)
    transfer_order_receive(transfer_order=transfer_order, lines=[ReceiveLine(1, Decimal(4))])

    line = order.lines.get()
    destination.refresh_from_db()
    transfer_order.refresh_from_db()
    assert (line.status, transfer_order.status) == ("AWAITING_SHIPPING", "RECEIVED")
    assert (destination.in_transit, destination.on_hand, destination.reserved) == (0, 4, 4)
    assert SupplyOrder.objects.get().status == "FULFILLED"
    shipment = shipment_create(organization=world.w1, lines=[ShipLine(line)])
    for action in ("pick", "pack"):
        shipment_move(shipment=shipment, action=action)
    shipment_confirm(shipment=shipment)
    invoices_create_for_shipment(shipment_id=shipment.pk)
    order.refresh_from_db()
    transfer_order.refresh_from_db()
    assert (order.status, transfer_order.status) == ("CLOSED", "CLOSED")
    kinds = set(InventoryTransaction.objects.values_list("kind", flat=True))
    assert {"TRANSFER_SHIP", "TRANSFER_RECEIPT"} <= kinds
    assert ledger_mismatches() == []


def test_shipping_twice_receiving_more_than_shipped_and_late_cancels_are_refused(world):
    _, transfer_order = transferred(world, quantity=4)
    with pytest.raises(InvalidTransition, match="ship it first"):
        transfer_order_receive(transfer_order=transfer_order, lines=[ReceiveLine(1, Decimal(1))])
    transfer_order_ship(transfer_order=transfer_order)

    with pytest.raises(InvalidTransition, match="SHIPPED"):
        transfer_order_ship(transfer_order=transfer_order)
    with pytest.raises(BusinessRuleError, match="at most 4 more can be received"):
        transfer_order_receive(transfer_order=transfer_order, lines=[ReceiveLine(1, Decimal(5))])
    with pytest.raises(InvalidTransition, match="it left the source"):
        transfer_order_cancel(transfer_order=transfer_order, reason="changed my mind")

    assert balance(world, world.w1).in_transit == 4
    assert InventoryTransaction.objects.filter(kind="TRANSFER_SHIP").count() == 2
    assert ledger_mismatches() == []


def test_cancel_before_ship_releases_the_source_and_flags_the_supply(world):
    order, transfer_order = transferred(world, quantity=4)

    transfer_order_cancel(transfer_order=transfer_order, reason="truck unavailable")

    assert balance(world, world.w2).available == 10
    supply_order = SupplyOrder.objects.get()
    assert supply_order.status == "EXCEPTION"
    assert "truck unavailable" in supply_order.exception_reason
    assert not order.lines.get().reservations.filter(status="ACTIVE").exists()


def test_a_source_sold_out_before_the_transfer_is_created_puts_the_supply_in_exception(world):
    world.transfer_setup()
    order = world.order((world.chair, 4))
    sales_order_submit(order=order, acting_user=world.csr)
    world.stock(world.chair, -8, org=world.w2)  # sold elsewhere meanwhile

    supply_order_create_document(supply_order_id=SupplyOrder.objects.get().pk)

    supply_order = SupplyOrder.objects.get()
    assert supply_order.status == "EXCEPTION"
    assert "W2 no longer has 4 CHAIR available" in supply_order.exception_reason
    assert not TransferOrder.objects.exists()
    assert balance(world, world.w2).reserved == 0


@pytest.mark.django_db(transaction=True)
def test_two_ships_at_once_post_once(world):
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    _, transfer_order = transferred(world, quantity=4)

    errors = run_concurrently(lambda _: transfer_order_ship(transfer_order=transfer_order), [1, 2])

    assert len(errors) == 1 and isinstance(errors[0], InvalidTransition)
    assert balance(world, world.w1).in_transit == 4
    assert ledger_mismatches() == []


def test_cancelling_the_line_takes_back_a_transfer_not_yet_shipped(world):
    order, transfer_order = transferred(world, quantity=4)

    line_cancel(line=order.lines.get(), reason="customer changed plans")

    transfer_order.refresh_from_db()
    assert transfer_order.status == "CANCELLED"
    assert balance(world, world.w2).available == 10
    assert order.lines.get().status == "CANCELLED"


def test_cancelling_a_line_whose_transfer_shipped_makes_the_arrival_free_stock(world):
    order, transfer_order = transferred(world, quantity=4)
    transfer_order_ship(transfer_order=transfer_order)

    line_cancel(line=order.lines.get(), reason="too late")
    transfer_order_receive(transfer_order=transfer_order, lines=[ReceiveLine(1, Decimal(4))])

    assert balance(world, world.w1).available == 4
    assert order.lines.get().status == "CANCELLED"
    assert_pegging_holds()


@pytest.mark.django_db
def test_a_transfer_line_whose_supply_is_in_exception_can_be_cancelled(world):
    SourcingRule.objects.all().delete()
    w2 = OrganizationFactory(code="W2")
    world.stock(world.laptop, 10, org=w2)
    SourcingRule.objects.create(
        item=world.laptop, organization=world.w1, type="TRANSFER", source_organization=w2
    )
    order = world.order((world.laptop, 3))
    sales_order_submit(order=order, acting_user=world.csr)
    world.stock(world.laptop, -10, org=w2)  # the source sold out before the transfer was made
    supply_order = SupplyOrder.objects.get()
    supply_order_create_document(supply_order_id=supply_order.pk)
    assert SupplyOrder.objects.get().status == "EXCEPTION"

    line_cancel(line=order.lines.get(), reason="customer cancelled")

    supply_order.refresh_from_db()
    assert supply_order.status == "CANCELLED"
