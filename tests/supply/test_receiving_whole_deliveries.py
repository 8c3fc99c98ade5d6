"""A whole delivery on one receipt: every open line of a PO, or of several POs from an
advance ship notice — set-based, with exactly what receiving the lines one at a time writes,
and nothing written when any line is refused."""

from decimal import Decimal

import pytest
from django.db import connection, transaction

from core.exceptions import BusinessRuleError, InvalidTransition
from core.models import TransitionLog
from orders.models import FulfillmentLine
from procurement.models import PurchaseOrder, PurchaseOrderLine
from supply.flows.receive import (
    PurchaseOrderReceiveLine,
    open_lines_of,
    purchase_orders_receive,
    receipt_create,
)
from supply.models import SupplyOrder
from tests.factories import OrganizationFactory
from tests.world import assert_pegging_holds, run_concurrently
from warehouse.models import InventoryBalance, InventoryTransaction, Receipt, Reservation
from warehouse.services import ReceiveLine

pytestmark = pytest.mark.django_db


class Rollback(Exception):
    pass


def delivery(world, *quantities_per_po):
    """One open PO per tuple of quantities, a line (and a sales order) per quantity."""
    return [
        world.on_one_po([world.supplied(world.laptop, quantity) for quantity in quantities])
        for quantities in quantities_per_po
    ]


def picture() -> dict:
    """What receiving wrote, without ids, numbers or times."""
    return {
        "lines": sorted(FulfillmentLine.objects.values_list("order__number", "status")),
        "supply": sorted(SupplyOrder.objects.values_list("demand_line__order__number", "status")),
        "po_lines": sorted(
            PurchaseOrderLine.objects.values_list(
                "purchase_order__number", "line_number", "quantity_received", "status"
            )
        ),
        "pos": sorted(PurchaseOrder.objects.values_list("number", "status")),
        "reservations": sorted(
            Reservation.objects.values_list(
                "demand_line__order__number", "supply_source", "quantity", "status"
            )
        ),
        "ledger": sorted(
            InventoryTransaction.objects.values_list("kind", "quantity", "demand_line_id")
        ),
        "balances": sorted(InventoryBalance.objects.values_list("on_hand", "reserved")),
        "log": sorted(
            TransitionLog.objects.filter(demand_line_id__isnull=False)
            .exclude(document_type="warehouse.receipt")
            .values_list("document_type", "document_id", "field", "from_value", "to_value")
        ),
    }


def test_every_open_line_of_a_po_arrives_on_one_receipt(world):
    (po,) = delivery(world, (2, 3, 1))

    receipt = purchase_orders_receive(open_lines_of([po]), acting_user=world.csr)

    assert receipt.purchase_order == po
    assert [(r.purchase_order_line.line_number, r.quantity, r.reserved_quantity) for r in
            receipt.lines.order_by("purchase_order_line__line_number")] == [
        (1, 2, 2), (2, 3, 3), (3, 1, 1)
    ]  # fmt: skip
    assert set(FulfillmentLine.objects.values_list("status", flat=True)) == {"AWAITING_SHIPPING"}
    assert set(SupplyOrder.objects.values_list("status", flat=True)) == {"FULFILLED"}
    po.refresh_from_db()
    assert po.status == "CLOSED_FOR_RECEIVING"
    assert InventoryBalance.objects.get(item=world.laptop).on_hand == 6
    assert_pegging_holds()


def test_an_advance_ship_notice_receives_several_pos_on_one_receipt(world):
    first, second = delivery(world, (2, 1), (4,))

    receipt = purchase_orders_receive(
        open_lines_of([first, second]), reference="ASN-7781", acting_user=world.csr
    )

    assert receipt.purchase_order is None and receipt.reference == "ASN-7781"
    assert sorted(
        receipt.lines.values_list("purchase_order_line__purchase_order__number", "quantity")
    ) == sorted([(first.number, 2), (first.number, 1), (second.number, 4)])
    assert set(PurchaseOrder.objects.values_list("status", flat=True)) == {"CLOSED_FOR_RECEIVING"}
    assert_pegging_holds()


def test_what_is_open_is_what_remains_after_a_part_receipt(world):
    (po,) = delivery(world, (5, 2))
    receipt_create(purchase_order=po, lines=[ReceiveLine(1, Decimal(3))])

    receipt = purchase_orders_receive(open_lines_of([po]))

    assert sorted(receipt.lines.values_list("purchase_order_line__line_number", "quantity")) == [
        (1, 2),
        (2, 2),
    ]
    with pytest.raises(InvalidTransition, match="Cannot receive on"):
        purchase_orders_receive([PurchaseOrderReceiveLine(po, 1)])
    assert_pegging_holds()


def test_a_line_with_nothing_open_is_left_out_and_nothing_open_is_refused(world):
    (po,) = delivery(world, (5, 2))
    receipt_create(purchase_order=po, lines=[ReceiveLine(1, Decimal(5))])
    # Line 1 is closed for receiving now: a quantity for it is refused by name…
    with pytest.raises(InvalidTransition, match="Line 1 of"):
        purchase_orders_receive([PurchaseOrderReceiveLine(po, 1, Decimal(1))])

    # … and "what is open" on it is nothing: left out.
    receipt = purchase_orders_receive(
        [PurchaseOrderReceiveLine(po, 1), PurchaseOrderReceiveLine(po, 2)]
    )

    assert list(receipt.lines.values_list("quantity", flat=True)) == [2]
    with pytest.raises(InvalidTransition, match="it is CLOSED_FOR_RECEIVING"):
        purchase_orders_receive([PurchaseOrderReceiveLine(po, 2)])


def test_one_line_over_tolerance_refuses_the_whole_receipt(world):
    world.contoso.over_receipt_tolerance_pct = 0
    world.contoso.save()
    (po,) = delivery(world, (2, 3))
    before = picture()

    with pytest.raises(BusinessRuleError, match="Over-receipt") as refused:
        purchase_orders_receive(
            [
                PurchaseOrderReceiveLine(po, 1, Decimal(2)),
                PurchaseOrderReceiveLine(po, 2, Decimal(4)),
            ]
        )

    assert refused.value.field == "lines[1].quantity"
    assert picture() == before and not Receipt.objects.exists()


def test_pos_shipping_to_different_organizations_are_received_apart(world):
    w1_po, other = delivery(world, (1,), (1,))
    other.organization = OrganizationFactory(code="W9")
    other.save()

    with pytest.raises(BusinessRuleError, match="different organizations"):
        purchase_orders_receive(open_lines_of([w1_po, other]))

    assert not Receipt.objects.exists()


def test_a_line_listed_twice_is_refused_with_its_place(world):
    (po,) = delivery(world, (2,))

    with pytest.raises(BusinessRuleError, match="listed twice") as refused:
        purchase_orders_receive(
            [PurchaseOrderReceiveLine(po, 1, Decimal(1)), PurchaseOrderReceiveLine(po, 1)]
        )

    assert refused.value.field == "lines[1].line_number"


def test_one_receipt_writes_what_receiving_line_by_line_writes(world, row_writes):
    world.contoso.over_receipt_tolerance_pct = 50  # line 2 of each PO brings one more
    world.contoso.save()
    first, second = delivery(world, (2, 3, 1), (4, 2))
    world.stock(world.laptop, 1)  # some free stock already there
    with pytest.raises(Rollback), transaction.atomic():
        for po in (first, second):
            for line in po.lines.order_by("line_number"):
                receipt_create(
                    purchase_order=po,
                    lines=[ReceiveLine(line.line_number, line.quantity + (line.line_number == 2))],
                )
        expected = picture()
        raise Rollback

    with row_writes():
        purchase_orders_receive(
            [
                PurchaseOrderReceiveLine(
                    po, line.line_number, line.quantity + (line.line_number == 2)
                )
                for po in (first, second)
                for line in po.lines.order_by("line_number")
            ]
        )

    assert picture() == expected
    assert_pegging_holds()


@pytest.mark.django_db(transaction=True)
def test_deliveries_racing_line_receipts_never_over_receive(world):
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    world.contoso.over_receipt_tolerance_pct = 0
    world.contoso.save()
    first, second = delivery(world, (2, 3), (4, 1))

    def receive(who):
        if who == "line":
            receipt_create(purchase_order=second, lines=[ReceiveLine(2, Decimal(1))])
        else:  # two docks scan the same advance ship notice
            purchase_orders_receive(open_lines_of([first, second]))

    errors = run_concurrently(receive, ["asn", "asn", "line"])

    received = PurchaseOrderLine.objects.order_by("purchase_order_id", "line_number")
    assert list(received.values_list("quantity_received", flat=True)) == [
        2,
        3,
        4,
        1,
    ]  # each line exactly once, whatever won
    assert all(isinstance(error, InvalidTransition) for error in errors) and errors
    assert InventoryBalance.objects.get(item=world.laptop).on_hand == 10
    assert_pegging_holds()
