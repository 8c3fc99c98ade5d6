"""Transfer: goods received at the destination fulfil the demand line the transfer is pegged
to; a cancelled transfer is lost supply: the next feasible source covers the line."""

from core.services import use_case
from orders.locks import lock_orders_and_lines
from supply.models import SupplyException
from supply.pegging import (
    cancel_reason_required,
    document_reservation_release,
    open_supply_orders,
    supply_arrived,
    supply_fulfilled_check,
)
from supply.services.changes import supply_lost
from warehouse.models import Reservation, TransferOrder
from warehouse.services import balances_lock, receipt_line_add, reservations_active_by_line
from warehouse.transfers import (
    ReceiveLine,
    transfer_order_cancel_document,
    transfer_order_locked,
    transfer_order_receive_lines,
)


def transfer_order_receive(
    *, transfer_order: TransferOrder, lines: list[ReceiveLine], acting_user=None
):
    """Receive a shipped transfer at its destination on one receipt: in transit down, on hand
    up, the line's reservation moves from the transfer to on hand (pegging core), the line
    AWAITING_SHIPPING once wholly reserved. Returns the receipt."""
    with use_case():
        demand = lock_orders_and_lines([transfer_order.demand_line_id])[
            transfer_order.demand_line_id
        ]
        transfer_order = transfer_order_locked(transfer_order)
        supply_order = open_supply_orders([demand.pk]).get(demand.pk)
        balances_lock([(demand.item_id, transfer_order.destination_id)])
        receipt, received = transfer_order_receive_lines(
            transfer_order=transfer_order, lines=lines, acting_user=acting_user
        )
        active = reservations_active_by_line([demand.pk])[demand.pk]
        for transfer_line, quantity in received:
            pegged = supply_arrived(
                demand=demand,
                organization=transfer_order.destination,
                quantity=quantity,
                source=Reservation.Source.TRANSFER_ORDER,
                document_id=transfer_order.pk,
                active=active,
            )
            receipt_line_add(
                receipt, quantity=quantity, reserved=pegged, transfer_order_line=transfer_line
            )
        supply_fulfilled_check(demand, active, supply_order, acting_user, receipt.number)
    return receipt


def transfer_order_cancel(*, transfer_order: TransferOrder, reason: str, acting_user=None):
    """Cancel a transfer before it ships: the source's stock is released, the line's
    reservation against the transfer too; the next feasible source covers the line (else it
    is backordered with the exception open)."""
    reason = cancel_reason_required(reason)
    with use_case():
        demand = lock_orders_and_lines([transfer_order.demand_line_id])[
            transfer_order.demand_line_id
        ]
        transfer_order = transfer_order_locked(transfer_order)
        transfer_order_cancel_document(
            transfer_order=transfer_order, reason=reason, acting_user=acting_user
        )
        document_reservation_release(demand, Reservation.Source.TRANSFER_ORDER, transfer_order)
        supply_lost(
            line=demand,
            kind=SupplyException.Kind.DOCUMENT_CANCELLED,
            reason=f"{transfer_order.number} cancelled: {reason}",
            acting_user=acting_user,
        )
    return transfer_order
