"""Make: a work-order completion fulfils the demand line it is pegged to; a cancelled work
order is lost supply: the next feasible source covers the line (supply.services.changes)."""

from decimal import Decimal

from core.services import use_case
from manufacturing.models import WorkOrder
from manufacturing.services import (
    work_order_cancel_document,
    work_order_locked,
    work_order_record_completion,
)
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
from warehouse.models import Reservation
from warehouse.services import balances_lock, reservations_active_by_line


def work_order_complete(*, work_order: WorkOrder, quantity: Decimal, acting_user=None):
    """Report `quantity` made: finished goods on hand at the plant, the line's reservation
    moves from the work order to on hand (pegging core), and the line is AWAITING_SHIPPING once
    wholly reserved. Two completions at once queue on the demand line; neither over-completes.
    """
    with use_case():
        demand = lock_orders_and_lines([work_order.demand_line_id])[work_order.demand_line_id]
        work_order = work_order_locked(work_order)
        supply_order = open_supply_orders([demand.pk]).get(demand.pk)
        balances_lock([(work_order.item_id, work_order.organization_id)])
        work_order_record_completion(
            work_order=work_order, quantity=quantity, acting_user=acting_user
        )
        active = reservations_active_by_line([demand.pk])[demand.pk]
        supply_arrived(
            demand=demand,
            organization=work_order.organization,
            quantity=quantity,
            source=Reservation.Source.WORK_ORDER,
            document_id=work_order.pk,
            active=active,
        )
        supply_fulfilled_check(demand, active, supply_order, acting_user, work_order.number)
    return work_order


def work_order_cancel(*, work_order: WorkOrder, reason: str, acting_user=None):
    """Cancel a work order before completion: components back to stock, the line's
    reservation against it released, then the
    next feasible source covers the line (else it is backordered with the exception open)."""
    reason = cancel_reason_required(reason)
    with use_case():
        demand = lock_orders_and_lines([work_order.demand_line_id])[work_order.demand_line_id]
        work_order = work_order_locked(work_order)
        work_order_cancel_document(work_order=work_order, reason=reason, acting_user=acting_user)
        document_reservation_release(demand, Reservation.Source.WORK_ORDER, work_order)
        supply_lost(
            line=demand,
            kind=SupplyException.Kind.DOCUMENT_CANCELLED,
            reason=f"{work_order.number} cancelled: {reason}",
            acting_user=acting_user,
        )
    return work_order
