"""The purchase-order side of a receipt: which PO lines may take how much (status, the
supplier's over-receipt tolerance), and the received quantity recorded on each line (closed for
receiving once complete, the PO once every line is). The receipt flow (supply.flows.receive)
calls these with the PO and its lines locked."""

from decimal import Decimal

from core.exceptions import BusinessRuleError, InvalidTransition
from core.formatting import qty
from core.services import change_log, transition
from procurement.models import PurchaseOrder, PurchaseOrderLine


def purchase_order_locked_for_receipt(purchase_order: PurchaseOrder) -> PurchaseOrder:
    po = (
        PurchaseOrder.objects.select_for_update(of=("self",))
        .select_related("supplier", "organization")
        .get(pk=purchase_order.pk)
    )
    if po.status != PurchaseOrder.Status.OPEN:
        raise InvalidTransition(f"Cannot receive on {po.number}: it is {po.status}.")
    return po


def purchase_order_lines_receivable(po: PurchaseOrder, requests) -> dict[int, PurchaseOrderLine]:
    """Lock the requested lines of a locked OPEN PO (in line order) and check each quantity
    against what the line may still take; returns the lines by number. Refused, naming the
    line and the quantity still allowed, before anything is written."""
    numbers = [request.line_number for request in requests]
    po_lines = {
        line.line_number: line
        for line in PurchaseOrderLine.objects.select_for_update(of=("self",))
        .select_related("item")
        .filter(purchase_order=po, line_number__in=numbers)
        .order_by("line_number")
    }
    tolerance = po.supplier.over_receipt_tolerance_pct / Decimal(100)
    for index, request in enumerate(requests):
        po_line = po_lines.get(request.line_number)
        if po_line is None:
            raise BusinessRuleError(
                f"{po.number} has no line {request.line_number}.",
                field=f"lines[{index}].line_number",
            )
        if po_line.status != PurchaseOrderLine.Status.OPEN:
            raise InvalidTransition(
                f"Line {request.line_number} of {po.number} is {po_line.status}."
            )
        allowed = po_line.quantity * (1 + tolerance) - po_line.quantity_received
        if request.quantity > allowed:
            raise BusinessRuleError(
                f"Over-receipt on {po.number} line {request.line_number}: ordered "
                f"{qty(po_line.quantity)}, received {qty(po_line.quantity_received)}, "
                f"{po.supplier.number} allows {qty(po.supplier.over_receipt_tolerance_pct)}% "
                f"over — at most {qty(max(allowed, Decimal(0)))} more can be received.",
                field=f"lines[{index}].quantity",
            )
        po_line.purchase_order = po
    return po_lines


def purchase_order_line_received(
    po_line: PurchaseOrderLine, quantity: Decimal, *, acting_user, reason: str
) -> None:
    """Record `quantity` received on a locked PO line; complete → CLOSED_FOR_RECEIVING."""
    before = po_line.quantity_received
    po_line.quantity_received = before + quantity
    closes = po_line.quantity_received >= po_line.quantity
    if not closes:
        po_line.save(update_fields=["quantity_received"])  # else saved with its new status
    change_log(
        document=po_line,
        field="quantity_received",
        from_value=before,
        to_value=po_line.quantity_received,
        acting_user=acting_user,
        demand_line_id=po_line.demand_line_id,
        reason=reason,
    )
    if closes:
        transition(
            po_line,
            "close_for_receiving",
            acting_user=acting_user,
            demand_line_id=po_line.demand_line_id,
        )


def purchase_order_close_if_received(po: PurchaseOrder, *, acting_user, reason: str) -> None:
    """A PO whose every line is closed for receiving is CLOSED_FOR_RECEIVING."""
    if not po.lines.filter(status=PurchaseOrderLine.Status.OPEN).exists():
        transition(po, "close_for_receiving", acting_user=acting_user, reason=reason)
