"""Receiving, shipping and invoicing through the services."""

from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction

from billing.models import Invoice
from billing.services import invoices_create_for_shipment
from core.exceptions import BusinessRuleError, Conflict, InvalidTransition
from orders.services import LineInput
from procurement.models import PurchaseOrder, RequisitionLine
from procurement.services import purchase_order_submit
from supply.flows.buy import purchase_orders_create
from supply.flows.receive import receipt_create
from supply.flows.ship import shipment_confirm
from supply.models import SupplyOrder
from supply.services import sales_order_submit, supply_order_create_document
from tests.factories import OrganizationFactory, UserFactory
from tests.world import run_concurrently
from warehouse.models import InventoryBalance, Reservation
from warehouse.selectors import ledger_mismatches
from warehouse.services import ReceiveLine, inventory_adjust
from warehouse.shipments import ShipLine, shipment_cancel, shipment_create, shipment_move

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def ledger_equals_balances():
    yield
    assert ledger_mismatches() == []


def open_po(world, quantity=100, tolerance=5):
    world.contoso.over_receipt_tolerance_pct = tolerance
    world.contoso.save()
    order = world.order((world.laptop, quantity))
    sales_order_submit(order=order, acting_user=world.csr)
    supply_order_create_document(
        supply_order_id=SupplyOrder.objects.get(demand_line__order=order).pk
    )
    requisition = RequisitionLine.objects.get(demand_line__order=order)
    (po,) = purchase_orders_create(requisition_line_ids=[requisition.pk])
    PurchaseOrder.objects.filter(pk=po.pk)
    purchase_order_submit(po=po)  # 900 × quantity: opens under 10,000 only for small orders
    po.refresh_from_db()
    if po.status == "PENDING_APPROVAL":
        from procurement.services import purchase_order_approve

        purchase_order_approve(po=po, acting_user=UserFactory(roles=["procurement_manager"]))
    return order, PurchaseOrder.objects.get(pk=po.pk)


def active(line, source):
    return sum(
        r.quantity
        for r in Reservation.objects.filter(demand_line=line, supply_source=source, status="ACTIVE")
    )


def test_partial_receipts_move_the_reservation_to_on_hand_step_by_step(world):
    order, po = open_po(world, quantity=50)
    line = order.lines.get()

    receipt_create(purchase_order=po, lines=[ReceiveLine(1, Decimal(20))])

    line.refresh_from_db()
    assert (active(line, "ON_HAND"), active(line, "PURCHASE_ORDER")) == (20, 30)
    assert line.status == "AWAITING_SUPPLY"
    assert InventoryBalance.objects.get(item=world.laptop).reserved == 20

    receipt = receipt_create(purchase_order=po, lines=[ReceiveLine(1, Decimal(30))])

    line.refresh_from_db()
    po.refresh_from_db()
    assert (active(line, "ON_HAND"), active(line, "PURCHASE_ORDER")) == (50, 0)
    assert line.status == "AWAITING_SHIPPING"
    assert SupplyOrder.objects.get(demand_line=line).status == "FULFILLED"
    assert po.status == "CLOSED_FOR_RECEIVING" and po.lines.get().status == "CLOSED_FOR_RECEIVING"
    assert receipt.number.startswith("RCV-") and receipt.lines.get().reserved_quantity == 30


def test_over_receipt_beyond_tolerance_is_refused_and_nothing_is_written(world, settings):
    settings.PO_APPROVAL_THRESHOLD = Decimal("10000000")
    _, po = open_po(world, quantity=100, tolerance=5)

    with pytest.raises(BusinessRuleError, match="at most 105 more"), transaction.atomic():
        receipt_create(purchase_order=po, lines=[ReceiveLine(1, Decimal(106))])
    assert not InventoryBalance.objects.filter(item=world.laptop, on_hand__gt=0).exists()

    receipt_create(purchase_order=po, lines=[ReceiveLine(1, Decimal(105))])

    balance = InventoryBalance.objects.get(item=world.laptop)
    assert (balance.on_hand, balance.reserved, balance.available) == (105, 100, 5)


def test_reserved_stock_is_not_taken_by_a_later_order_nor_adjusted_away(world):
    _, po = open_po(world, quantity=10)
    receipt_create(purchase_order=po, lines=[ReceiveLine(1, Decimal(10))])

    later = world.order((world.laptop, 4))
    sales_order_submit(order=later, acting_user=world.csr)

    assert later.lines.get().supply_type == "BUY"  # supplied, not served from the reserved 10
    with pytest.raises(BusinessRuleError, match="Reserved stock cannot be adjusted away"):
        inventory_adjust(item=world.laptop, organization=world.w1, quantity=Decimal(-1), reason="x")


def test_receiving_a_cancelled_or_draft_po_is_refused(world):
    _, po = open_po(world, quantity=2)
    PurchaseOrder.objects.filter(pk=po.pk).update(status="CLOSED")
    with pytest.raises(InvalidTransition), transaction.atomic():
        receipt_create(purchase_order=po, lines=[ReceiveLine(1, Decimal(1))])


@pytest.mark.django_db(transaction=True)
def test_concurrent_receipts_never_exceed_the_order_plus_tolerance(world):
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    _, po = open_po(world, quantity=10, tolerance=5)  # at most 10.5

    errors = run_concurrently(
        lambda _: receipt_create(purchase_order=po, lines=[ReceiveLine(1, Decimal(3))]), range(6)
    )

    received = po.lines.get().quantity_received
    assert received == 9  # three receipts of 3; a fourth (12) would pass 10.5
    assert len(errors) == 3 and all(
        isinstance(e, (BusinessRuleError, InvalidTransition)) for e in errors
    )
    assert ledger_mismatches() == []


def ship_ready(world, quantity=5):
    world.stock(world.laptop, quantity)
    order = world.order((world.laptop, quantity))
    sales_order_submit(order=order, acting_user=world.csr)
    return order, order.lines.get()


def test_ship_confirm_issues_stock_consumes_the_reservation_and_invoices_once(world):
    order, line = ship_ready(world, 5)
    shipment = shipment_create(organization=world.w1, lines=[ShipLine(line)])
    for action in ("pick", "pack"):
        shipment_move(shipment=shipment, action=action)

    shipment_confirm(shipment=shipment, carrier="UPS", tracking_number="1Z999")

    line.refresh_from_db()
    balance = InventoryBalance.objects.get(item=world.laptop)
    assert line.status == "AWAITING_BILLING"
    assert (balance.on_hand, balance.reserved) == (0, 0)
    (invoice,) = invoices_create_for_shipment(shipment_id=shipment.pk)
    assert invoices_create_for_shipment(shipment_id=shipment.pk) == []
    assert (invoice.total, invoice.currency, invoice.payment_terms) == (
        Decimal("6000.00"),
        "USD",
        "Net 30",
    )
    assert invoice.number.startswith("INV-")
    line.refresh_from_db()
    order.refresh_from_db()
    assert (line.status, order.status) == ("CLOSED", "CLOSED")


def test_a_second_ship_confirm_is_refused(world):
    _, line = ship_ready(world)
    shipment = shipment_create(organization=world.w1, lines=[ShipLine(line)])
    shipment_move(shipment=shipment, action="pick")
    shipment_move(shipment=shipment, action="pack")
    shipment_confirm(shipment=shipment)
    with pytest.raises(InvalidTransition), transaction.atomic():
        shipment_confirm(shipment=shipment)
    assert InventoryBalance.objects.get(item=world.laptop).on_hand == 0


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_ship_confirms_issue_stock_once(world):
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    _, line = ship_ready(world)
    shipment = shipment_create(organization=world.w1, lines=[ShipLine(line)])
    shipment_move(shipment=shipment, action="pick")
    shipment_move(shipment=shipment, action="pack")

    errors = run_concurrently(lambda _: shipment_confirm(shipment=shipment), range(2))

    assert len(errors) == 1 and isinstance(errors[0], InvalidTransition)
    assert InventoryBalance.objects.get(item=world.laptop).on_hand == 0
    assert ledger_mismatches() == []


def test_a_partial_ship_confirm_splits_the_line(world):
    order, line = ship_ready(world, 5)
    shipment = shipment_create(organization=world.w1, lines=[ShipLine(line, Decimal(2))])
    shipment_move(shipment=shipment, action="pick")
    shipment_move(shipment=shipment, action="pack")

    shipment_confirm(shipment=shipment)

    original, shipped = order.lines.order_by("line_number")
    assert (original.line_number, original.quantity, original.status) == (1, 3, "AWAITING_SHIPPING")
    assert (shipped.line_number, shipped.quantity, shipped.status, shipped.split_from) == (
        2,
        2,
        "AWAITING_BILLING",
        original,
    )
    assert active(original, "ON_HAND") == 3
    assert InventoryBalance.objects.get(item=world.laptop).reserved == 3


def test_ship_what_is_available_on_a_partly_received_line(world):
    order, po = open_po(world, quantity=10)
    receipt_create(purchase_order=po, lines=[ReceiveLine(1, Decimal(4))])
    line = order.lines.get()

    shipment = shipment_create(organization=world.w1, lines=[ShipLine(line)])
    shipment_move(shipment=shipment, action="pick")
    shipment_move(shipment=shipment, action="pack")
    shipment_confirm(shipment=shipment)

    original, shipped = order.lines.order_by("line_number")
    assert (original.quantity, original.status) == (6, "AWAITING_SUPPLY")
    assert active(original, "PURCHASE_ORDER") == 6
    assert (shipped.quantity, shipped.status) == (4, "AWAITING_BILLING")


def test_a_line_is_on_one_active_shipment_and_cancelling_frees_it(world):
    _, line = ship_ready(world)
    shipment = shipment_create(organization=world.w1, lines=[ShipLine(line)])
    with pytest.raises(Conflict), transaction.atomic():
        shipment_create(organization=world.w1, lines=[ShipLine(line)])

    shipment_cancel(shipment=shipment)

    line.refresh_from_db()
    assert line.status == "AWAITING_SHIPPING"
    again = shipment_create(organization=world.w1, lines=[ShipLine(line)])
    assert again.lines.count() == 1


def test_the_database_refuses_a_second_active_shipment_line(world):
    from warehouse.models import ShipmentLine

    _, line = ship_ready(world)
    shipment = shipment_create(organization=world.w1, lines=[ShipLine(line)])
    with pytest.raises(IntegrityError), transaction.atomic():
        ShipmentLine.objects.create(shipment=shipment, demand_line=line, quantity=1)


def test_invoice_amounts_round_half_up_to_cents(world):
    world.stock(world.laptop, 3)
    from orders.services import LineInput

    order = world.order(
        LineInput(item=world.laptop, quantity=Decimal(3), unit_price=Decimal("0.0050"))
    )
    sales_order_submit(order=order, acting_user=world.csr)
    shipment = shipment_create(organization=world.w1, lines=[ShipLine(order.lines.get())])
    shipment_move(shipment=shipment, action="pick")
    shipment_move(shipment=shipment, action="pack")
    shipment_confirm(shipment=shipment)
    (invoice,) = invoices_create_for_shipment(shipment_id=shipment.pk)
    assert invoice.lines.get().amount == Decimal("0.02")  # 0.015 → 0.02
    assert Invoice.objects.count() == 1


def test_a_receipt_queues_re_promising_of_backordered_lines(
    world, django_capture_on_commit_callbacks
):
    _, po = open_po(world, quantity=4)
    with django_capture_on_commit_callbacks() as callbacks:
        receipt_create(purchase_order=po, lines=[ReceiveLine(1, Decimal(2))])
    queued = [getattr(c, "task_key", None) for c in callbacks]
    assert ("supply.repromise_backorders", (world.laptop.pk,)) not in queued  # none waiting

    elsewhere = OrganizationFactory(code="W9")  # no sourcing rule there: backordered
    order = world.order(LineInput(item=world.laptop, quantity=Decimal(1), ship_from=elsewhere))
    sales_order_submit(order=order, acting_user=world.csr)
    assert order.lines.get().status == "BACKORDERED"
    with django_capture_on_commit_callbacks() as callbacks:
        receipt_create(purchase_order=po, lines=[ReceiveLine(1, Decimal(2))])
    queued = [getattr(c, "task_key", None) for c in callbacks]
    assert ("supply.repromise_backorders", (world.laptop.pk,)) in queued
