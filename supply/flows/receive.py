"""Receiving on a purchase order: the PO lines take the quantity (procurement: tolerance,
closing), the stock comes in through the ledger on a receipt (warehouse), and the pegging core
reserves as much as each PO line's reservation covers for its sales order line (supply); the
rest is free stock."""

from core.formatting import qty
from core.services import use_case
from orders.locks import lock_orders_and_lines
from procurement.models import PurchaseOrder, PurchaseOrderLine
from procurement.receiving import (
    purchase_order_close_if_received,
    purchase_order_line_received,
    purchase_order_lines_receivable,
    purchase_order_locked_for_receipt,
)
from supply.pegging import open_supply_orders, supply_arrived, supply_fulfilled_check
from warehouse.models import InventoryTransaction, Reservation
from warehouse.services import (
    ReceiveLine,
    balances_lock,
    ledger_post,
    receipt_line_add,
    receipt_open,
    receive_lines_check,
    reservations_active_by_line,
)


def receipt_create(*, purchase_order: PurchaseOrder, lines: list[ReceiveLine], acting_user=None):
    """Receive goods on an OPEN PO.

    Over-receipt beyond the supplier's tolerance is refused and nothing is written. Locks in
    the one order (orders.locks): sales orders and lines, the PO and its lines (line order, so
    concurrent receipts queue and never over-receive), supply orders, balances.
    """
    receive_lines_check(lines)
    with use_case():
        demand_ids = PurchaseOrderLine.objects.filter(
            purchase_order_id=purchase_order.pk,
            line_number__in=[line.line_number for line in lines],
        ).values_list("demand_line_id", flat=True)
        demands = lock_orders_and_lines(demand_ids)
        po = purchase_order_locked_for_receipt(purchase_order)
        po_lines = purchase_order_lines_receivable(po, lines)
        supply_orders = open_supply_orders(demands)
        pairs = {(po_line.item_id, po.organization_id) for po_line in po_lines.values()}
        if len(pairs) > 1:  # one row is locked by its own update, before any other
            balances_lock(pairs)
        receipt = receipt_open(
            organization=po.organization, purchase_order=po, acting_user=acting_user
        )
        reservations = reservations_active_by_line(list(demands))
        for request in lines:
            po_line = po_lines[request.line_number]
            demand = demands[po_line.demand_line_id]
            active = reservations[demand.pk]  # kept up to date by the pegging core
            ledger_post(
                item=po_line.item,
                organization=receipt.organization,
                kind=InventoryTransaction.Kind.RECEIPT,
                quantity=request.quantity,
                document=receipt,
                demand_line_id=demand.pk,
                acting_user=acting_user,
            )
            pegged = supply_arrived(
                demand=demand,
                organization=receipt.organization,
                quantity=request.quantity,
                source=Reservation.Source.PURCHASE_ORDER,
                document_id=po_line.pk,
                active=active,
            )
            receipt_line_add(
                receipt, quantity=request.quantity, reserved=pegged, purchase_order_line=po_line
            )
            purchase_order_line_received(
                po_line,
                request.quantity,
                acting_user=acting_user,
                reason=f"{receipt.number}: {qty(pegged)} reserved for {demand.number}",
            )
            supply_fulfilled_check(
                demand, active, supply_orders.get(demand.pk), acting_user, receipt.number
            )
        purchase_order_close_if_received(po, acting_user=acting_user, reason=receipt.number)
    return receipt
