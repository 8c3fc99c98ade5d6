"""Receiving on purchase orders: the PO lines take the quantity (procurement: tolerance,
closing), the stock comes in through the ledger on a receipt (warehouse), and the pegging core
reserves as much as each PO line's reservation covers for its sales order line (supply); the
rest is free stock.

One implementation for every size: a receipt of one scanned line, of every open line of a PO,
or of several POs from an advance ship notice is the same set-based use case — the rows are
locked once, the moves made in memory, and each table written in one statement."""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q

from core.exceptions import BusinessRuleError, InvalidTransition
from core.formatting import qty, quantity_problem
from core.queries import bulk_update_rows
from core.services import gc_paused, use_case
from orders.locks import lock_orders_and_lines
from procurement.models import PurchaseOrder, PurchaseOrderLine
from procurement.receiving import (
    purchase_order_lines_receivable,
    purchase_order_lines_received,
    purchase_orders_close_if_received,
    purchase_orders_locked_for_receipt,
)
from supply.pegging import open_supply_orders, supply_arrived, supply_fulfilled_check
from warehouse.models import InventoryTransaction, ReceiptLine, Reservation
from warehouse.services import (
    ReceiveLine,
    StockBatch,
    receipt_lines_add,
    receipt_open,
    reservations_active_by_line,
)

# The most lines one receipt takes (an advance ship notice of a full truck).
RECEIPT_MAX_LINES = 5000


@dataclass(frozen=True)
class PurchaseOrderReceiveLine:
    """One line of a receipt on purchase orders: the PO, its line number and the quantity
    received — None for whatever is still open on the line when it is received."""

    purchase_order: PurchaseOrder
    line_number: int
    quantity: Decimal | None = None


def receipt_create(
    *, purchase_order: PurchaseOrder, lines: list[ReceiveLine], acting_user=None, reference=""
):
    """Receive lines of an OPEN PO (see `purchase_orders_receive`)."""
    return purchase_orders_receive(
        [
            PurchaseOrderReceiveLine(purchase_order, line.line_number, line.quantity)
            for line in lines
        ],
        reference=reference,
        acting_user=acting_user,
    )


def open_lines_of(purchase_orders) -> list[PurchaseOrderReceiveLine]:
    """Every open line of these POs, to receive what is still open on each (PO, line order)."""
    numbers = PurchaseOrderLine.objects.filter(
        purchase_order__in=purchase_orders, status=PurchaseOrderLine.Status.OPEN
    ).values_list("purchase_order_id", "line_number")
    by_id = {po.pk: po for po in purchase_orders}
    return [
        PurchaseOrderReceiveLine(by_id[po_id], number)
        for po_id, number in sorted(numbers, key=lambda pair: (by_id[pair[0]].number, pair[1]))
    ]


def receive_lines_check(lines: list[PurchaseOrderReceiveLine]) -> None:
    """A receipt's lines as entered: at least one, each PO line once, each quantity valid."""
    if not lines:
        raise BusinessRuleError("Receive at least one line.", field="lines")
    if len(lines) > RECEIPT_MAX_LINES:
        raise BusinessRuleError(
            f"One receipt takes at most {RECEIPT_MAX_LINES:,} lines: split the delivery.",
            field="lines",
        )
    seen = set()
    for index, line in enumerate(lines):
        key = (line.purchase_order.pk, line.line_number)
        if key in seen:
            raise BusinessRuleError(
                f"Line {line.line_number} of {line.purchase_order.number} is listed twice: "
                "receive it once, with the total.",
                field=f"lines[{index}].line_number",
            )
        seen.add(key)
        problem = None if line.quantity is None else quantity_problem(line.quantity)
        if problem:
            raise BusinessRuleError(problem, field=f"lines[{index}].quantity")


@gc_paused()
def purchase_orders_receive(
    lines: list[PurchaseOrderReceiveLine], *, reference: str = "", acting_user=None
):
    """Receive goods on OPEN POs in one receipt: one PO, or several shipping to the same
    organization (an advance ship notice, `reference` its number). Returns the receipt.

    Over-receipt beyond the supplier's tolerance is refused and nothing is written; so is a
    receipt where nothing is left to receive. Locks in the one order (orders.locks): sales
    orders and lines, the POs, their lines (so concurrent receipts queue and never
    over-receive), supply orders, balances.
    """
    receive_lines_check(lines)
    with use_case():
        wanted = Q()
        for line in lines:
            wanted |= Q(purchase_order_id=line.purchase_order.pk, line_number=line.line_number)
        demands = lock_orders_and_lines(
            PurchaseOrderLine.objects.filter(wanted).values("demand_line_id")
        )
        pos = purchase_orders_locked_for_receipt(line.purchase_order.pk for line in lines)
        organizations = {po.organization for po in pos.values()}
        if len(organizations) > 1:
            raise BusinessRuleError(
                "These purchase orders ship to different organizations ("
                + ", ".join(sorted(o.code for o in organizations))
                + "): receive each organization's on its own receipt.",
                field="lines",
            )
        (organization,) = organizations
        received = purchase_order_lines_receivable(
            pos, [(line.purchase_order.pk, line.line_number, line.quantity) for line in lines]
        )
        if not received:
            raise InvalidTransition(
                "Nothing is left to receive on "
                + ", ".join(sorted(po.number for po in pos.values()))
                + "."
            )
        supply_orders = open_supply_orders(demands)
        stock = StockBatch({(po_line.item_id, organization.pk) for po_line, _ in received})
        receipt = receipt_open(
            organization=organization,
            purchase_order=next(iter(pos.values())) if len(pos) == 1 else None,
            reference=reference,
            acting_user=acting_user,
        )
        reservations = reservations_active_by_line(list(demands))
        receipt_lines, reasons = [], []
        for po_line, quantity in received:
            demand = demands[po_line.demand_line_id]
            stock.post(
                item=po_line.item,
                organization=organization,
                kind=InventoryTransaction.Kind.RECEIPT,
                quantity=quantity,
                document=receipt,
                demand_line_id=demand.pk,
                acting_user=acting_user,
            )
            pegged = supply_arrived(
                demand=demand,
                organization=organization,
                quantity=quantity,
                source=Reservation.Source.PURCHASE_ORDER,
                document_id=po_line.pk,
                active=reservations[demand.pk],
                stock=stock,
            )
            receipt_lines.append(
                ReceiptLine(
                    receipt=receipt,
                    purchase_order_line=po_line,
                    quantity=quantity,
                    reserved_quantity=pegged,
                )
            )
            reasons.append(f"{receipt.number}: {qty(pegged)} reserved for {demand.number}")
        stock.write()
        receipt_lines_add(receipt_lines)
        purchase_order_lines_received(received, acting_user=acting_user, reasons=reasons)
        _fulfilled(demands, reservations, supply_orders, acting_user, receipt.number)
        purchase_orders_close_if_received(
            pos.values(), acting_user=acting_user, reason=receipt.number
        )
    return receipt


def _fulfilled(demands, reservations, supply_orders, acting_user, reason: str) -> None:
    """The lines now wholly reserved on hand move on, with their supply orders, written in one
    statement each."""
    lines, fulfilled = [], []
    for demand in demands.values():
        supply_order = supply_orders.get(demand.pk)
        if supply_fulfilled_check(
            demand, reservations[demand.pk], supply_order, acting_user, reason, save=False
        ):
            lines.append(demand)
            if supply_order is not None and supply_order.status == supply_order.Status.FULFILLED:
                fulfilled.append(supply_order)
    bulk_update_rows(lines, ["status"])
    bulk_update_rows(fulfilled, ["status", "exception_reason"])
