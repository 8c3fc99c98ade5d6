"""Use cases take their row locks in the one order of orders.locks, so two of them never wait on
each other in a circle (a deadlock: PostgreSQL aborts one, the user gets an error).

Each test holds a row the use case needs, lets the use case run into it, and then checks that
a row which comes later in the lock order is still free: the use case has not locked it yet.
"""

import datetime
from decimal import Decimal

import pytest
from django.db import connection

from orders.models import FulfillmentLine, SalesOrder
from orders.services import LineInput
from procurement.models import PurchaseOrder, RequisitionLine
from procurement.services import purchase_order_submit
from supply.flows.buy import purchase_order_acknowledge, purchase_orders_create
from supply.flows.receive import receipt_create
from supply.flows.ship import shipment_confirm
from supply.models import SupplyOrder
from supply.services import (
    sales_order_submit,
    supply_order_create_document,
)
from tests.factories import BuyRuleFactory, ItemFactory, OrganizationFactory
from tests.world import run_concurrently, run_into_lock
from warehouse.models import InventoryBalance
from warehouse.selectors import ledger_mismatches
from warehouse.services import ReceiveLine
from warehouse.shipments import ShipLine, shipment_create, shipment_move

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL"),
]


@pytest.fixture
def mouse(world):
    """A second bought item, created after the laptop: its balance row sorts after the laptop's."""
    mouse = ItemFactory(sku="MOUSE-1")
    BuyRuleFactory(item=mouse, organization=world.w1, supplier=world.contoso, lead_time_days=5)
    assert mouse.pk > world.laptop.pk
    return mouse


def balance(item, world):
    return InventoryBalance.objects.filter(item=item, organization=world.w1)


def submitted_po(world, *items):
    """An open PO from Contoso with one line per item, each pegged to its own sales order."""
    requisitions = []
    for item in items:
        order = world.order((item, 1))
        sales_order_submit(order=order, acting_user=world.csr)
        supply_order_create_document(
            supply_order_id=SupplyOrder.objects.get(demand_line__order=order).pk
        )
        requisitions.append(RequisitionLine.objects.get(demand_line__order=order).pk)
    (po,) = purchase_orders_create(requisition_line_ids=requisitions)
    return purchase_order_submit(po=po)


def test_a_receipt_locks_balances_in_item_order_not_po_line_order(world, mouse, settings):
    settings.PO_APPROVAL_THRESHOLD = Decimal("1e9")
    po = submitted_po(world, mouse, world.laptop)  # line 1 is the mouse, line 2 the laptop
    assert po.lines.get(line_number=1).item == mouse
    for item in (world.laptop, mouse):
        InventoryBalance.objects.get_or_create(item=item, organization=world.w1)

    def receive():
        receipt_create(
            purchase_order=po, lines=[ReceiveLine(1, Decimal(1)), ReceiveLine(2, Decimal(1))]
        )

    # A submit locks the laptop's balance before the mouse's: so must the receipt.
    assert run_into_lock(receive, hold=balance(world.laptop, world), probe=balance(mouse, world))
    assert balance(mouse, world).get().reserved == 1
    assert FulfillmentLine.objects.filter(status="AWAITING_SHIPPING").count() == 2
    assert ledger_mismatches() == []


def test_a_ship_confirm_locks_balances_in_item_order_not_line_order(world, mouse):
    world.stock(world.laptop, 1)
    world.stock(mouse, 1)
    order = world.order((mouse, 1), (world.laptop, 1))  # the mouse line comes first
    sales_order_submit(order=order, acting_user=world.csr)
    shipment = shipment_create(
        organization=world.w1, lines=[ShipLine(line) for line in order.lines.order_by("pk")]
    )
    shipment_move(shipment=shipment, action="pick")
    shipment_move(shipment=shipment, action="pack")

    def confirm():
        shipment_confirm(shipment=shipment, carrier="UPS")

    assert run_into_lock(confirm, hold=balance(world.laptop, world), probe=balance(mouse, world))
    assert balance(mouse, world).get().on_hand == 0
    assert set(order.lines.values_list("status", flat=True)) == {"AWAITING_BILLING"}


def test_an_acknowledgment_locks_the_demand_line_before_the_po(world, settings):
    settings.PO_APPROVAL_THRESHOLD = Decimal("1e9")
    po = submitted_po(world, world.laptop)
    order = po.lines.get().demand_line.order
    promised = datetime.date.today() + datetime.timedelta(days=30)

    def acknowledge():
        purchase_order_acknowledge(po=po, accepted=True, promised_dates={1: promised})

    # Receiving and shipping lock the line, then the PO: an acknowledgment that took the PO
    # first could deadlock with them.
    assert run_into_lock(
        acknowledge,
        hold=FulfillmentLine.objects.filter(order=order),
        probe=PurchaseOrder.objects.filter(pk=po.pk),
    )
    line = order.lines.get()
    assert line.scheduled_ship_date == promised + datetime.timedelta(days=world.w1.receiving_days)


def test_a_receipt_locks_the_sales_order_before_its_line(world, settings):
    settings.PO_APPROVAL_THRESHOLD = Decimal("1e9")
    po = submitted_po(world, world.laptop)
    order = po.lines.get().demand_line.order

    def receive():
        receipt_create(purchase_order=po, lines=[ReceiveLine(1, Decimal(1))])

    # A line cancel and a submit lock the order, then its lines: a receipt that took the line
    # first could deadlock with them.
    assert run_into_lock(
        receive,
        hold=SalesOrder.objects.filter(pk=order.pk),
        probe=FulfillmentLine.objects.filter(order=order),
    )
    assert order.lines.get().status == "AWAITING_SHIPPING"


@pytest.mark.django_db(transaction=True)
def test_concurrent_multi_line_submits_across_warehouses_do_not_deadlock(world):
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    w2 = OrganizationFactory(code="W2")
    items = [ItemFactory(sku=f"PART-{n}") for n in range(3)]
    for item in items:
        for org in (world.w1, w2):
            BuyRuleFactory(item=item, organization=org, supplier=world.contoso)
            world.stock(item, 5, org=org)
    shapes = [
        [(items[1], w2), (items[2], world.w1)],
        [(items[0], world.w1), (items[2], w2)],
        [(items[2], w2), (items[0], world.w1), (items[1], world.w1)],
        [(items[2], world.w1), (items[1], w2)],
    ] * 3
    orders = [
        world.order(*[LineInput(item=i, quantity=Decimal(2), ship_from=o) for i, o in shape])
        for shape in shapes
    ]

    errors = run_concurrently(lambda o: sales_order_submit(order=o, acting_user=world.csr), orders)

    assert errors == []


def test_a_line_change_locks_the_line_before_the_po(world, settings):
    from supply.services import line_change

    settings.PO_APPROVAL_THRESHOLD = Decimal("1e9")
    po = submitted_po(world, world.laptop)
    line = po.lines.get().demand_line

    def change():
        line_change(line=line, quantity=Decimal(3))

    assert run_into_lock(
        change,
        hold=FulfillmentLine.objects.filter(pk=line.pk),
        probe=PurchaseOrder.objects.filter(pk=po.pk),
    )
    assert po.lines.get().quantity == 3


def test_a_buyer_change_order_locks_the_demand_line_before_the_po(world, settings):
    from supply.flows.buy import purchase_order_line_revise

    settings.PO_APPROVAL_THRESHOLD = Decimal("1e9")
    po = submitted_po(world, world.laptop)
    po_line = po.lines.get()

    def revise():
        purchase_order_line_revise(po_line=po_line, quantity=Decimal(2))

    assert run_into_lock(
        revise,
        hold=FulfillmentLine.objects.filter(pk=po_line.demand_line_id),
        probe=PurchaseOrder.objects.filter(pk=po.pk),
    )
    po.refresh_from_db()
    assert po.revision == 1


def test_a_ship_from_move_locks_both_balances_in_key_order_before_releasing(world):
    from supply.services import line_change

    w3 = OrganizationFactory(code="W3")
    assert w3.pk > world.w1.pk
    world.stock(world.laptop, 5, org=w3)
    InventoryBalance.objects.get_or_create(item=world.laptop, organization=world.w1)
    order = world.order(LineInput(world.laptop, Decimal(2), ship_from=w3))
    sales_order_submit(order=order, acting_user=world.csr)
    line = order.lines.get()
    assert line.status == "AWAITING_SHIPPING"  # 2 reserved at W3

    def move():
        line_change(line=line, ship_from=world.w1, reason="customer collects at W1")

    # Moving W3→W1 must not hold W3's row (its reservation released) while it waits for W1's:
    # a move W1→W3 at the same time would wait on it the other way round.
    assert run_into_lock(
        move,
        hold=InventoryBalance.objects.filter(item=world.laptop, organization=world.w1),
        probe=InventoryBalance.objects.filter(item=world.laptop, organization=w3),
    )
    assert InventoryBalance.objects.get(item=world.laptop, organization=w3).reserved == 0
