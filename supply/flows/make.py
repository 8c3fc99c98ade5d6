"""Make: a work-order completion fulfils the demand line it is pegged to; a cancelled work
order leaves its line's supply in EXCEPTION for the orchestration manager."""

from decimal import Decimal

from core.services import use_case
from manufacturing.models import WorkOrder
from manufacturing.services import (
    work_order_cancel_document,
    work_order_locked,
    work_order_record_completion,
)
from orders.locks import lock_orders_and_lines
from supply.pegging import (
    cancel_reason_required,
    open_supply_orders,
    supply_arrived,
    supply_document_cancelled,
    supply_fulfilled_check,
)
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
    reservation against it released, its supply order in EXCEPTION with the reason."""
    reason = cancel_reason_required(reason)
    with use_case():
        demand = lock_orders_and_lines([work_order.demand_line_id])[work_order.demand_line_id]
        work_order = work_order_locked(work_order)
        supply_order = open_supply_orders([demand.pk]).get(demand.pk)
        work_order_cancel_document(work_order=work_order, reason=reason, acting_user=acting_user)
        supply_document_cancelled(
            demand, supply_order, Reservation.Source.WORK_ORDER, work_order, reason, acting_user
        )
    return work_order
