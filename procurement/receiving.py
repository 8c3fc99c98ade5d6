"""The purchase-order side of a receipt: which PO lines may take how much (status, the
supplier's over-receipt tolerance), and the received quantity recorded on each line (closed for
receiving once complete, the PO once every line is). The receipt flow (supply.flows.receive)
calls these with the POs and their lines locked, for one PO or for several at once (an advance
ship notice)."""

from decimal import Decimal

from django.db.models import Q

from core.exceptions import BusinessRuleError, InvalidTransition
from core.formatting import qty
from core.queries import bulk_update_rows
from core.services import change_log, transition
from procurement.models import PurchaseOrder, PurchaseOrderLine


def purchase_orders_locked_for_receipt(po_ids) -> dict[int, PurchaseOrder]:
    """Lock POs (id order) for a receipt; each must be OPEN. Returns them by id."""
    pos = {
        po.pk: po
        for po in PurchaseOrder.objects.select_for_update(of=("self",))
        .select_related("supplier", "organization")
        .filter(pk__in=sorted(set(po_ids)))
        .order_by("pk")
    }
    for po in pos.values():
        if po.status != PurchaseOrder.Status.OPEN:
            raise InvalidTransition(f"Cannot receive on {po.number}: it is {po.status}.")
    return pos


def open_quantity(po_line: PurchaseOrderLine) -> Decimal:
    """What a PO line still expects: ordered less received, never below zero."""
    return max(po_line.quantity - po_line.quantity_received, Decimal(0))


def purchase_order_lines_receivable(pos: dict[int, PurchaseOrder], requests) -> list:
    """Lock the requested lines of locked OPEN POs (PO and line order) and check each quantity
    against what the line may still take. `requests` are (po_id, line_number, quantity) in the
    order entered; a quantity of None takes what is still open on the line. Returns (PO line,
    quantity) in that order, leaving out lines that asked for "what is open" and have nothing
    open (any more). Refused, naming the line and the quantity still allowed, before anything is
    written."""
    wanted = Q()
    for po_id in pos:
        numbers = [number for p, number, _ in requests if p == po_id]
        wanted |= Q(purchase_order_id=po_id, line_number__in=numbers)
    po_lines = {
        (line.purchase_order_id, line.line_number): line
        for line in PurchaseOrderLine.objects.select_for_update(of=("self",))
        .select_related("item")
        .filter(wanted)
        .order_by("purchase_order_id", "line_number")
    }
    receivable = []
    for index, (po_id, number, quantity) in enumerate(requests):
        po = pos[po_id]
        po_line = po_lines.get((po_id, number))
        if po_line is None:
            raise BusinessRuleError(
                f"{po.number} has no line {number}.", field=f"lines[{index}].line_number"
            )
        if quantity is None:  # what is still open: nothing, once the line is closed
            if po_line.status == PurchaseOrderLine.Status.OPEN and open_quantity(po_line):
                po_line.purchase_order = po
                receivable.append((po_line, open_quantity(po_line)))
            continue
        if po_line.status != PurchaseOrderLine.Status.OPEN:
            raise InvalidTransition(f"Line {number} of {po.number} is {po_line.status}.")
        po_line.purchase_order = po
        tolerance = po.supplier.over_receipt_tolerance_pct / Decimal(100)
        allowed = po_line.quantity * (1 + tolerance) - po_line.quantity_received
        if quantity > allowed:
            raise BusinessRuleError(
                f"Over-receipt on {po.number} line {number}: ordered "
                f"{qty(po_line.quantity)}, received {qty(po_line.quantity_received)}, "
                f"{po.supplier.number} allows {qty(po.supplier.over_receipt_tolerance_pct)}% "
                f"over — at most {qty(max(allowed, Decimal(0)))} more can be received.",
                field=f"lines[{index}].quantity",
            )
        receivable.append((po_line, quantity))
    return receivable


def purchase_order_lines_received(received, *, acting_user, reasons) -> None:
    """Record what arrived on locked PO lines, (PO line, quantity) each with its log reason in
    `reasons`: the received quantity grows, a complete line is CLOSED_FOR_RECEIVING; all
    written in one statement."""
    for (po_line, quantity), reason in zip(received, reasons, strict=True):
        before = po_line.quantity_received
        po_line.quantity_received = before + quantity
        change_log(
            document=po_line,
            field="quantity_received",
            from_value=before,
            to_value=po_line.quantity_received,
            acting_user=acting_user,
            demand_line_id=po_line.demand_line_id,
            reason=reason,
        )
        if po_line.quantity_received >= po_line.quantity:
            transition(
                po_line,
                "close_for_receiving",
                acting_user=acting_user,
                demand_line_id=po_line.demand_line_id,
                save=False,
            )
    bulk_update_rows([po_line for po_line, _ in received], ["quantity_received", "status"])


def purchase_orders_close_if_received(pos, *, acting_user, reason: str) -> None:
    """Every locked OPEN PO whose lines are all closed for receiving is CLOSED_FOR_RECEIVING."""
    pos = [po for po in pos if po.status == PurchaseOrder.Status.OPEN]
    still_open = set(
        PurchaseOrderLine.objects.filter(
            purchase_order__in=pos, status=PurchaseOrderLine.Status.OPEN
        ).values_list("purchase_order_id", flat=True)
    )
    for po in pos:
        if po.pk not in still_open:
            transition(po, "close_for_receiving", acting_user=acting_user, reason=reason)


def purchase_order_close_if_received(po: PurchaseOrder, *, acting_user, reason: str) -> None:
    """A PO whose every line is closed for receiving is CLOSED_FOR_RECEIVING."""
    purchase_orders_close_if_received([po], acting_user=acting_user, reason=reason)
