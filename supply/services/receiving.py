"""Receiving against purchase orders: stock in through the ledger, and the reservation moves
from the PO line to on hand for the pegged sales order line (DESIGN §6)."""

from decimal import Decimal

from core.exceptions import BusinessRuleError, InvalidTransition
from core.formatting import qty, quantity_problem
from core.models import DocumentType
from core.services import (
    change_log,
    document_number_next,
    transition,
    use_case,
    user_or_none,
)
from orders.locks import lock_orders_and_lines
from procurement.models import PurchaseOrder, PurchaseOrderLine
from supply.pegging import open_supply_orders, supply_arrived, supply_fulfilled_check
from warehouse.models import InventoryTransaction, Receipt, ReceiptLine, Reservation
from warehouse.services import (
    ReceiveLine,
    balances_lock,
    ledger_post,
    reservations_active_by_line,
)

Source = Reservation.Source


def receipt_create(*, purchase_order: PurchaseOrder, lines: list[ReceiveLine], acting_user=None):
    """Receive goods on an OPEN PO.

    Over-receipt beyond the supplier's tolerance is refused and nothing is written. PO lines
    are locked (in line order) so concurrent receipts queue and can never over-receive. The
    received quantity goes on hand; as much as the PO line's reservation covers is reserved on
    hand for its sales order line at once (nobody else can take it), the rest is free stock.
    """
    if not lines:
        raise BusinessRuleError("Receive at least one line.", field="lines")
    seen = set()
    for index, request in enumerate(lines):
        if request.line_number in seen:
            raise BusinessRuleError(
                f"Line {request.line_number} is listed twice: receive it once, with the total.",
                field=f"lines[{index}].line_number",
            )
        seen.add(request.line_number)
        problem = quantity_problem(request.quantity)
        if problem:
            raise BusinessRuleError(problem, field=f"lines[{index}].quantity")
    with use_case():
        # Lock order (orders.locks): sales orders and their lines before the PO.
        demand_ids = PurchaseOrderLine.objects.filter(
            purchase_order_id=purchase_order.pk, line_number__in=seen
        ).values_list("demand_line_id", flat=True)
        demands = lock_orders_and_lines(demand_ids)
        po = (
            PurchaseOrder.objects.select_for_update(of=("self",))
            .select_related("supplier", "organization")
            .get(pk=purchase_order.pk)
        )
        if po.status != PurchaseOrder.Status.OPEN:
            raise InvalidTransition(f"Cannot receive on {po.number}: it is {po.status}.")
        numbers = [line.line_number for line in lines]
        po_lines = {
            line.line_number: line
            for line in PurchaseOrderLine.objects.select_for_update(of=("self",))
            .select_related("item")
            .filter(purchase_order=po, line_number__in=numbers)
            .order_by("line_number")
        }
        tolerance = po.supplier.over_receipt_tolerance_pct / Decimal(100)
        for index, request in enumerate(lines):
            po_line = po_lines.get(request.line_number)
            field = f"lines[{index}].quantity"
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
                    field=field,
                )
        # Then the supply orders these lines may fulfil, then the balances (item order).
        supply_orders = open_supply_orders(demands)
        pairs = {(po_lines[n].item_id, po.organization_id) for n in numbers}
        if len(pairs) > 1:  # one row is locked by its own update, before any other
            balances_lock(pairs)
        receipt = Receipt.objects.create(
            number=document_number_next(DocumentType.RECEIPT),
            organization=po.organization,
            purchase_order=po,
            received_by=user_or_none(acting_user),
        )
        reservations = reservations_active_by_line(list(demands))
        for request in lines:
            po_line = po_lines[request.line_number]
            po_line.purchase_order = po
            demand = demands[po_line.demand_line_id]
            active = reservations[demand.pk]  # kept up to date by _receive_line
            _receive_line(receipt, po_line, demand, active, request.quantity, acting_user)
            supply_fulfilled_check(
                demand, active, supply_orders.get(demand.pk), acting_user, receipt.number
            )
        if not po.lines.filter(status=PurchaseOrderLine.Status.OPEN).exists():
            transition(po, "close_for_receiving", acting_user=acting_user, reason=receipt.number)
    return receipt


def _receive_line(receipt, po_line, demand, active, quantity: Decimal, acting_user) -> ReceiptLine:
    """Receive one PO line; `active` are the demand line's active reservations."""
    ledger_post(
        item=po_line.item,
        organization=receipt.organization,
        kind=InventoryTransaction.Kind.RECEIPT,
        quantity=quantity,
        document=receipt,
        demand_line_id=demand.pk,
        acting_user=acting_user,
    )
    pegged = supply_arrived(
        demand=demand,
        organization=receipt.organization,
        quantity=quantity,
        source=Source.PURCHASE_ORDER,
        document_id=po_line.pk,
        active=active,
    )
    receipt_line = ReceiptLine.objects.create(
        receipt=receipt, purchase_order_line=po_line, quantity=quantity, reserved_quantity=pegged
    )
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
        demand_line_id=demand.pk,
        reason=f"{receipt.number}: {qty(pegged)} reserved for {demand.number}",
    )
    if closes:
        transition(
            po_line, "close_for_receiving", acting_user=acting_user, demand_line_id=demand.pk
        )
    return receipt_line
