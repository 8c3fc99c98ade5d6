"""The pegging core, one rule for every supply type: supply arrived on hand for a demand line
→ its reservation against the supply document moves to on hand (pegged quantity first; any
excess is free stock) → once the line is wholly reserved on hand, its supply order is FULFILLED
and the line AWAITING_SHIPPING. PO receipts, work-order completions and transfer receipts all
come through here (supply.flows: receive, make, transfer)."""

from decimal import Decimal

from django.utils import timezone

from core.exceptions import BusinessRuleError
from core.services import transition, user_or_none
from orders.models import FulfillmentLine
from supply.models import SupplyException, SupplyOrder
from warehouse.models import Reservation
from warehouse.services import (
    StockBatch,
    reservation_reduce,
    reservation_release,
    reservation_reserve_on_hand,
    reservations_active_by_line,
    reserved_on_hand,
)

SUPPLY_OPEN = (SupplyOrder.Status.IN_PROCESS, SupplyOrder.Status.EXCEPTION)


def supply_arrived(
    *,
    demand,
    organization,
    quantity: Decimal,
    source: str,
    document_id: int,
    active: list,
    stock: StockBatch | None = None,
) -> Decimal:
    """`quantity` of the demand line's item arrived on hand at `organization` from one supply
    document (`source`, `document_id`). As much as the line's reservation against that
    document covers becomes on-hand stock reserved for the line; returns that pegged quantity
    (the rest stays free). `active` are the line's active reservations, kept up to date; the
    caller holds the line's lock. With a `stock` batch (a receipt of many lines) the moves are
    made in memory and written with the batch."""
    pegged = Decimal(0)
    for reservation in list(active):
        if reservation.supply_source != source or reservation.document_id != document_id:
            continue
        if reservation.status != Reservation.Status.ACTIVE:
            continue
        part = min(quantity - pegged, reservation.quantity)
        if part <= 0:
            break
        if stock is None:
            reservation_reduce(
                reservation=reservation, quantity=part, status=Reservation.Status.MOVED
            )
            reservation_reserve_on_hand(
                line=demand, organization=organization, quantity=part, active=active
            )
        else:
            stock.reduce(reservation, part, Reservation.Status.MOVED)
            stock.reserve_on_hand(
                line=demand, organization=organization, quantity=part, active=active
            )
        pegged += part
    return pegged


def supply_fulfilled_check(
    demand: FulfillmentLine, active: list, supply_order, acting_user, reason: str, save=True
) -> bool:
    """Once the whole line is reserved on hand: its open supply order (locked by the caller)
    FULFILLED, the line AWAITING_SHIPPING. Returns whether the line moved (`save=False`: in
    memory, for the caller to write with others)."""
    on_hand = reserved_on_hand(active)
    if on_hand < demand.quantity or demand.status != FulfillmentLine.Status.AWAITING_SUPPLY:
        return False
    if supply_order is not None and supply_order.status in SUPPLY_OPEN:
        supply_order.exception_reason = ""
        transition(
            supply_order,
            "fulfil",
            acting_user=acting_user,
            demand_line_id=demand.pk,
            reason=reason,
            save=save,
        )
    transition(
        demand,
        "supply_reserved",
        acting_user=acting_user,
        demand_line_id=demand.pk,
        reason=reason,
        save=save,
    )
    return True


def open_supply_orders(line_ids) -> dict[int, SupplyOrder]:
    """The open supply order of each line (locked, in id order), by line id."""
    found = {}
    for supply_order in (
        SupplyOrder.objects.select_for_update()
        .filter(demand_line_id__in=list(line_ids), status__in=SUPPLY_OPEN)
        .order_by("pk")
    ):
        found.setdefault(supply_order.demand_line_id, supply_order)
    return found


def document_reservation_release(demand, source: str, document) -> None:
    """A supply document was cancelled before its goods arrived: the line's reservation
    against it is released (the caller holds the locks, then reports the lost supply)."""
    for reservation in reservations_active_by_line([demand.pk], source=source)[demand.pk]:
        if reservation.document_id == document.pk:
            reservation_release(reservation=reservation)


def supply_exception_raise(supply_order, kind: str, reason: str, acting_user=None):
    """Record why a (locked) supply order cannot deliver what its line needs: a typed
    exception for the queue, and the supply order in EXCEPTION with the reason."""
    reason = reason[:300]
    supply_order.exception_reason = reason
    if supply_order.status in (SupplyOrder.Status.REQUESTED, SupplyOrder.Status.IN_PROCESS):
        transition(
            supply_order,
            "fail",
            acting_user=acting_user,
            demand_line_id=supply_order.demand_line_id,
            reason=reason,
        )
    else:
        supply_order.save(update_fields=["exception_reason"])
    return SupplyException.objects.create(supply_order=supply_order, kind=kind, reason=reason)


def supply_exceptions_resolve(supply_order, resolution: str, acting_user=None) -> int:
    """Close the open exceptions of a supply order with what resolved them (and who)."""
    supply_order.exception_reason = ""
    return SupplyException.objects.filter(supply_order=supply_order, resolved_at=None).update(
        resolved_at=timezone.now(),
        resolved_by=user_or_none(acting_user),
        resolution=resolution[:300],
    )


def cancel_reason_required(reason: str) -> str:
    if not reason or not reason.strip():
        raise BusinessRuleError("Say why it is cancelled.", field="reason")
    return reason.strip()
