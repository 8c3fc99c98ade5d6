"""Change management in both directions (docs/architecture.md): after any change, on either side,
every open demand line's quantity is exactly covered by what is reserved for it on hand plus
its active pegged supply still to come, and its dates tell the truth.

Demand side — `line_change` (quantity, requested ship date), `line_cancel`, `order_cancel`:
the line is changed and its supply follows through the execution adapters (supply.execution):
- less: supply still to come is cut, newest document first (documents not yet out change in
  place, an OPEN PO by change order, a document nobody waits for any more is cancelled); what
  already arrived stays reserved up to the new quantity, the rest becomes free stock;
- more: stock available now first, then the newest document grows where it still can (an
  unsent document, an OPEN PO line with nothing received, by change order), else a new document
  from the supply order's source (or from the sourcing rules for a line filled from stock);
  what nothing can supply is split off to a BACKORDERED line;
- a new requested date re-promises the line and moves the need-by dates of its documents.

Supply side — a supply order that lost supply (a PO or its line cancelled or cut by the buyer,
a supplier rejection, a work order or transfer cancelled at its source) gets a typed exception,
then `supply_next_source` covers what the line still lacks from the next feasible source
(never the one that failed); with none, the line is BACKORDERED and the exception stays open
for the orchestration manager (Retry, Choose alternative source, Re-promise, Cancel supply).

Locks (orders.locks): sales order and line first, then the documents (through the adapters),
then the supply order, then balances.
"""

import datetime
from dataclasses import dataclass, field, replace
from decimal import Decimal

from django.db.models import Max
from django.utils import timezone

from catalog.models import Organization, SourcingRule, Supplier, SupplyType
from core.exceptions import BusinessRuleError, Conflict, FieldErrors, InvalidTransition
from core.formatting import qty
from core.money import MAX_AMOUNT, line_amount
from core.services import change_log, field_change, transition, use_case
from orders.locks import lock_orders_and_lines
from orders.models import FulfillmentLine, SalesOrder
from orders.services import line_reschedule, line_split, sales_order_refresh_status
from procurement.changes import change_orders_from_sales_order
from supply import sourcing
from supply.execution import adapter_for, adapter_of
from supply.models import SourcingDecision, SupplyOrder, SupplyTrackingLine
from supply.pegging import (
    cancel_reason_required,
    supply_exception_raise,
    supply_exceptions_resolve,
)
from supply.promising import candidate_json, promise_lines
from supply.selectors import TRACKED_DOCUMENTS, covered, suppliers_rejected
from supply.services.orchestration import (
    Source,
    backorder_promise_again,
    document_started,
    supply_order_new,
)
from warehouse.models import InventoryBalance, Reservation, ShipmentLine
from warehouse.services import (
    balances_lock,
    reservation_reduce,
    reservation_release,
    reservation_reserve_on_hand,
    reservations_active_by_line,
    reserved_on_hand,
)

LineStatus = FulfillmentLine.Status
SupplyStatus = SupplyOrder.Status
ZERO = Decimal(0)
SUPPLY_ACTIVE = (
    SupplyStatus.REQUESTED,
    SupplyStatus.IN_PROCESS,
    SupplyStatus.EXCEPTION,
    SupplyStatus.FULFILLED,
)
DOCUMENT_GONE = {"CANCELLED"}
SHIPPED_STATES = (LineStatus.SHIPPED, LineStatus.AWAITING_BILLING, LineStatus.CLOSED)


@dataclass
class Coverage:
    """What covers one locked demand line: its active reservations (on hand and against
    documents), its active supply order and the documents still working for it."""

    line: FulfillmentLine
    reservations: list
    supply_order: SupplyOrder | None
    documents: list = field(default_factory=list)

    @property
    def on_hand(self) -> Decimal:
        return reserved_on_hand(self.reservations)

    def pending(self, tracking_line) -> Decimal:
        """What the line still waits for from one document (its reservation against it)."""
        source, document_id = adapter_of(tracking_line).reserved_against(tracking_line)
        return sum(
            (
                r.quantity
                for r in self.reservations
                if r.supply_source == source
                and r.document_id == document_id
                and r.status == Reservation.Status.ACTIVE
            ),
            ZERO,
        )

    @property
    def to_come(self) -> Decimal:
        return sum((self.pending(t) for t in self.documents), ZERO)

    @property
    def covered(self) -> Decimal:
        return covered(self.reservations)

    @property
    def uncovered(self) -> Decimal:
        return max(self.line.quantity - self.covered, ZERO)


def coverage(line: FulfillmentLine, *, lock_supply: bool = False) -> Coverage:
    """Read what covers a line the caller has locked. The supply order is locked only on
    request: the documents lock before it (orders.locks), so most callers lock it later."""
    supply_orders = SupplyOrder.objects.filter(demand_line=line, status__in=SUPPLY_ACTIVE)
    if lock_supply:
        supply_orders = supply_orders.select_for_update(of=("self",))
    supply_order = supply_orders.select_related(
        "supplier", "source_organization", "decision"
    ).first()
    documents = []
    if supply_order is not None:
        supply_order.demand_line = line
        documents = [
            t
            for t in SupplyTrackingLine.objects.filter(supply_order=supply_order)
            .select_related(*TRACKED_DOCUMENTS)
            .order_by("sequence")
            if t.document_status not in DOCUMENT_GONE
        ]
        for tracking_line in documents:
            tracking_line.supply_order = supply_order
    reservations = reservations_active_by_line([line.pk])[line.pk]
    return Coverage(line, reservations, supply_order, documents)


def _supply_order_locked(cov: Coverage) -> SupplyOrder | None:
    """Lock the line's supply order (after its documents) and read it again."""
    if cov.supply_order is None:
        return None
    locked = (
        SupplyOrder.objects.select_for_update(of=("self",))
        .select_related("supplier", "source_organization", "decision")
        .get(pk=cov.supply_order.pk)
    )
    locked.demand_line = cov.line
    cov.supply_order = locked
    for tracking_line in cov.documents:
        tracking_line.supply_order = locked
    return locked


def _locked_line(line_id: int) -> FulfillmentLine:
    line = lock_orders_and_lines([line_id])[line_id]
    line.ship_from = line.ship_from or line.order.customer.default_ship_from
    return line


def _refuse_if_final(line: FulfillmentLine) -> None:
    """Processing constraints: what shipped, was cancelled or is on a shipment is final."""
    if line.status in SHIPPED_STATES:
        raise InvalidTransition(
            f"Line {line.number} is {line.get_status_display().lower()}: shipped quantities "
            "and dates are final."
        )
    if line.status == LineStatus.CANCELLED:
        raise InvalidTransition(f"Line {line.number} is cancelled: it no longer changes.")
    on_shipment = (
        ShipmentLine.objects.filter(demand_line=line, active=True)
        .select_related("shipment")
        .first()
    )
    if on_shipment is not None:
        shipment = on_shipment.shipment
        raise Conflict(
            f"Line {line.number} is on {shipment.get_status_display().lower()} shipment "
            f"{shipment.number}: cancel that shipment first (or ship it)."
        )


def _check_quantity(line: FulfillmentLine, quantity: Decimal) -> None:
    if quantity <= 0:
        raise BusinessRuleError(
            "The quantity must be greater than zero (cancel the line instead).", field="quantity"
        )
    problem = _amount_problem(quantity, line.unit_price)
    if problem:
        raise BusinessRuleError(problem, field="quantity")


def _amount_problem(quantity: Decimal, unit_price: Decimal) -> str:
    """The one line-amount rule (sales lines and the documents supplying them): what is wrong
    with `quantity` at `unit_price`, or ""."""
    amount = line_amount(quantity, unit_price)
    if amount > MAX_AMOUNT:
        return f"The line amount ({amount:,.2f}) must be at most {MAX_AMOUNT:,.2f}."
    return ""


# --- demand side ------------------------------------------------------------------------------


@change_orders_from_sales_order()
def line_change(
    *,
    line: FulfillmentLine,
    quantity: Decimal | None = None,
    requested_ship_date: datetime.date | None = None,
    ship_from: Organization | None = None,
    reason: str = "",
    acting_user=None,
) -> FulfillmentLine:
    """Change a sales order line's quantity, requested ship date and/or ship-from
    organization; its supply follows (see the module; a new ship-from: `_move_ship_from`).
    Refused with 409, changing nothing, once the line shipped, while it is on a shipment, or
    when it was cancelled."""
    reason = reason.strip()[:200]
    if requested_ship_date is not None and requested_ship_date < timezone.localdate():
        raise BusinessRuleError(
            f"The requested ship date must be today ({timezone.localdate()}) or later.",
            field="requested_ship_date",
        )
    with use_case():
        line = _locked_line(line.pk)
        _refuse_if_final(line)
        if quantity is not None:
            _check_quantity(line, quantity)
        why = reason or "changed by the customer"
        if line.status == LineStatus.DRAFT:
            for name, value in (
                ("quantity", quantity),
                ("requested_ship_date", requested_ship_date),
                ("ship_from", ship_from),
            ):
                field_change(
                    line, name, value, acting_user=acting_user, demand_line_id=line.pk, reason=why
                )
            return line
        moving = ship_from is not None and ship_from.pk != line.ship_from_id
        if moving:
            # The line is promised again from scratch at the new organization, for its new
            # quantity and date (nothing of the old supply is kept).
            for name, value in (
                ("quantity", quantity),
                ("requested_ship_date", requested_ship_date),
            ):
                field_change(
                    line, name, value, acting_user=acting_user, demand_line_id=line.pk, reason=why
                )
            _move_ship_from(coverage(line), ship_from, why, acting_user)
            sales_order_refresh_status(order=line.order, acting_user=acting_user)
            return line
        cov = coverage(line)
        if quantity is not None and quantity != line.quantity:
            _requantify(cov, quantity, why, acting_user)
        if requested_ship_date is not None and requested_ship_date != line.requested_ship_date:
            _repromise(cov, requested_ship_date, why, acting_user)
        _settle(cov, why, acting_user)
        sales_order_refresh_status(order=line.order, acting_user=acting_user)
    return line


def _move_ship_from(cov: Coverage, organization: Organization, reason: str, acting_user) -> None:
    """The line ships from another organization: everything the old one holds or brings for
    it is given back — supply still to come taken back (refused, 409, when a document can no
    longer be: a transfer in transit, a work order that completed some), reservations
    released (what arrived is free stock there), its supply order closed or cancelled — and
    the line is promised again at the new organization as at submit: stock there first, then
    its sourcing rules, else backordered. The new promise replaces the old (no jeopardy)."""
    line = cov.line
    before = line.ship_from
    why = f"ships from {organization.code} instead of {before.code}: {reason}"
    for tracking_line in reversed(cov.documents):
        if cov.pending(tracking_line) > 0:
            taken_back = adapter_of(tracking_line).take_back(
                tracking_line, reason=why, acting_user=acting_user
            )
            if not taken_back:
                raise Conflict(
                    f"{tracking_line.document_number} can no longer be taken back: it brings "
                    f"line {line.number} to {before.code}. Keep {before.code}, or change the "
                    "ship-from after it arrived."
                )
    supply_order = _supply_order_locked(cov)
    # The old organization's, the new one's and its transfer sources' balance rows, together
    # in key order before anything is released: two lines moving W1→W3 and W3→W1 queue
    # instead of deadlocking.
    with sourcing.rules_cache():
        balances = balances_lock(
            sourcing.balance_keys([(line.item_id, before.pk), (line.item_id, organization.pk)])
        )
    for reservation in cov.reservations:
        if reservation.status == Reservation.Status.ACTIVE:
            reservation_release(reservation=reservation)
    if supply_order is not None:
        supply_exceptions_resolve(supply_order, why, acting_user)
        name = "close" if supply_order.status == SupplyStatus.FULFILLED else "cancel"
        transition(supply_order, name, acting_user=acting_user, demand_line_id=line.pk, reason=why)
    if line.status == LineStatus.AWAITING_SHIPPING:
        transition(line, "await_more_supply", acting_user=acting_user, demand_line_id=line.pk)
    if line.status != LineStatus.BACKORDERED:
        transition(line, "backorder", acting_user=acting_user, demand_line_id=line.pk, reason=why)
    change_log(
        document=line,
        field="ship_from",
        from_value=before.code,
        to_value=organization.code,
        acting_user=acting_user,
        demand_line_id=line.pk,
        reason=reason,
    )
    promised = line.promised_ship_date
    line.ship_from = organization
    line.promised_ship_date = None
    line.save(update_fields=["ship_from", "promised_ship_date"])
    with sourcing.rules_cache():
        promise_lines([line], balances, acting_user, always_decide=True)
    if line.status == LineStatus.BACKORDERED:
        # Nothing supplies it at the new organization: no date of the old promise stays.
        line.scheduled_ship_date, line.jeopardy_days, line.jeopardy_reason = None, 0, ""
        line.save(update_fields=["scheduled_ship_date", "jeopardy_days", "jeopardy_reason"])
    if line.promised_ship_date != promised:
        change_log(
            document=line,
            field="promised_ship_date",
            from_value=promised,
            to_value=line.promised_ship_date,
            acting_user=acting_user,
            demand_line_id=line.pk,
            reason=f"re-promised: {why}",
        )


def _requantify(cov: Coverage, quantity: Decimal, reason: str, acting_user) -> None:
    line = cov.line
    field_change(
        line, "quantity", quantity, acting_user=acting_user, demand_line_id=line.pk, reason=reason
    )
    supply_order = cov.supply_order
    if supply_order is not None and supply_order.status == SupplyStatus.REQUESTED:
        # The document is on its way: it is created for the new quantity.
        supply_order.quantity = max(quantity - cov.on_hand, Decimal("0.0001"))
        supply_order.save(update_fields=["quantity"])
        return
    excess = cov.covered - quantity
    if excess > 0:
        _cut(cov, excess, reason, acting_user)
    elif excess < 0 and line.status != LineStatus.BACKORDERED:
        exception_open = supply_order is not None and supply_order.status == SupplyStatus.EXCEPTION
        if not exception_open:  # an open exception owns what the line lacks
            _grow(cov, -excess, reason, acting_user)


def _cut(cov: Coverage, excess: Decimal, reason: str, acting_user) -> None:
    """The line needs `excess` less: supply still to come is cut first, newest document first,
    then the reservation on hand (that stock is free again)."""
    for tracking_line in reversed(cov.documents):
        pending = cov.pending(tracking_line)
        if excess <= 0 or pending <= 0:
            continue
        part = min(excess, pending)
        adapter = adapter_of(tracking_line)
        arrived = adapter.arrived(tracking_line)
        if part == pending and not arrived:
            followed = adapter.take_back(tracking_line, reason=reason, acting_user=acting_user)
        else:
            followed = adapter.resize(
                tracking_line,
                tracking_line.document.quantity - part,
                acting_user=acting_user,
                reason=reason,
            )
        adapter.peg(tracking_line, cov.reservations, pending - part)
        if not followed:
            change_log(
                document=cov.line,
                field="pegged",
                from_value=pending,
                to_value=pending - part,
                acting_user=acting_user,
                demand_line_id=cov.line.pk,
                reason=f"{tracking_line.document_number} goes on: the {qty(part)} it brings "
                "beyond the line's need will be free stock",
            )
        excess -= part
    if excess > 0:
        for reservation in cov.reservations:
            if (
                reservation.supply_source == Reservation.Source.ON_HAND
                and reservation.status == Reservation.Status.ACTIVE
            ):
                part = min(excess, reservation.quantity)
                reservation_reduce(
                    reservation=reservation, quantity=part, status=Reservation.Status.RELEASED
                )
                excess -= part


def _available_now(line: FulfillmentLine) -> Decimal:
    balance = InventoryBalance.objects.filter(
        item_id=line.item_id, organization_id=line.ship_from_id
    ).first()
    return max(balance.available, ZERO) if balance else ZERO


def _grow(cov: Coverage, more: Decimal, reason: str, acting_user) -> None:
    """The line needs `more`: stock available now first, then more supply pegged to the same
    line; what nothing can supply is split off to a BACKORDERED line."""
    line = cov.line
    from_stock = min(more, _available_now(line))
    rest = more - from_stock
    if rest > 0:
        rest = _supply_more(cov, rest, reason, acting_user)
    if rest > 0:
        line_split(
            line=line,
            quantity=rest,
            acting_user=acting_user,
            reason=f"no source can supply {qty(rest)} more now",
            status=LineStatus.BACKORDERED,
        )
    if from_stock > 0:  # balances lock last (orders.locks)
        try:
            reservation_reserve_on_hand(
                line=line, organization=line.ship_from, quantity=from_stock, active=cov.reservations
            )
        except BusinessRuleError:
            raise Conflict(
                f"{line.item.sku} stock at {line.ship_from.code} was taken while the line "
                "changed: try again."
            ) from None
    if line.status == LineStatus.AWAITING_SHIPPING and cov.on_hand < line.quantity:
        transition(
            line,
            "await_more_supply",
            acting_user=acting_user,
            demand_line_id=line.pk,
            reason=reason,
        )


def _supply_more(cov: Coverage, quantity: Decimal, reason: str, acting_user) -> Decimal:
    """Cover `quantity` more with supply: the newest document grows where it can, else a new
    one from the supply order's source, else (a line without supply) from the sourcing rules.
    Returns what could not be covered."""
    newest = cov.documents[-1] if cov.documents else None
    if newest is not None:
        adapter = adapter_of(newest)
        if not adapter.arrived(newest) and adapter.resize(
            newest,
            newest.document.quantity + quantity,
            acting_user=acting_user,
            reason=reason,
        ):
            adapter.peg(newest, cov.reservations, cov.pending(newest) + quantity)
            return ZERO
    if cov.supply_order is not None:
        if _document_for(cov, quantity, acting_user, reason) is None:
            return quantity
        _promise_again(cov.line, _source_date(cov, quantity), reason, acting_user)
        return ZERO
    line = cov.line
    result = sourcing.choose(line, line.ship_from, lock=True, quantity=quantity)
    if result.chosen is None:
        return quantity
    cov.supply_order = supply_order_new(
        line, result, quantity=quantity, acting_user=acting_user, reason=reason
    )
    if _document_for(cov, quantity, acting_user, reason) is None:
        return quantity
    line.supply_type = result.chosen.type
    line.save(update_fields=["supply_type"])
    _promise_again(line, result.chosen.available_date, reason, acting_user)
    return ZERO


def _document_for(
    cov: Coverage, quantity: Decimal, acting_user, reason: str, *, refusal: bool = False
) -> str | None:
    """A new document from the supply order's source for `quantity` of the line, pegged to
    it; the supply order works again (IN_PROCESS) and so does the line. When the source refuses
    it nothing is written: None, or with `refusal` a 409 saying why."""
    supply_order = _supply_order_locked(cov)
    line = cov.line
    sequence = (
        SupplyTrackingLine.objects.filter(supply_order=supply_order).count() + 1
        if supply_order.status != SupplyStatus.REQUESTED
        else 1
    )
    try:
        with use_case():
            number = adapter_for(supply_order.supply_type).create(
                supply_order, line, sequence=sequence, quantity=quantity
            )
    except BusinessRuleError as refused:
        if refusal:
            raise Conflict(
                f"{supply_order.supply_type} for {supply_order.number} refused: {refused.message}"
            ) from None
        return None
    cov.reservations[:] = reservations_active_by_line([line.pk])[line.pk]
    cov.documents = coverage(line).documents
    total = sum((t.quantity for t in cov.documents), ZERO)
    if supply_order.quantity != total and total > 0:
        supply_order.quantity = total
        supply_order.save(update_fields=["quantity"])
    if supply_order.status == SupplyStatus.FULFILLED:
        transition(
            supply_order, "reopen", acting_user=acting_user, demand_line_id=line.pk, reason=number
        )
    elif supply_order.status != SupplyStatus.IN_PROCESS:
        document_started(supply_order, line, number, acting_user)
    if line.status == LineStatus.BACKORDERED:
        transition(line, "schedule", acting_user=acting_user, demand_line_id=line.pk, reason=number)
    if line.status == LineStatus.SCHEDULED:
        transition(
            line, "await_supply", acting_user=acting_user, demand_line_id=line.pk, reason=number
        )
    change_log(
        document=supply_order,
        field="documents",
        to_value=number,
        acting_user=acting_user,
        demand_line_id=line.pk,
        reason=f"{qty(quantity)} more: {reason}",
    )
    return number


def _source_date(cov: Coverage, quantity: Decimal) -> datetime.date | None:
    """When the supply order's source could bring `quantity` more, asked now."""
    decision = cov.supply_order.decision
    if decision is None or decision.chosen_rule_id is None:
        return None
    line = cov.line
    result = sourcing.choose(line, line.ship_from, lock=False, quantity=quantity)
    for candidate in result.candidates:
        if candidate.rule_id == decision.chosen_rule_id:
            return candidate.available_date
    return None


def _promise_again(line, available: datetime.date | None, reason: str, acting_user) -> None:
    """The customer asked for more: the line is promised again at the later of its schedule
    and when the new supply can be there (not a slip against the old promise: no jeopardy)."""
    dates = [d for d in (line.scheduled_ship_date, available) if d is not None]
    if not dates:
        return
    scheduled = max(dates)
    if scheduled == line.scheduled_ship_date and not line.jeopardy_days:
        return
    _promise_at(line, scheduled, reason, acting_user)


def _promise_at(line, scheduled: datetime.date, reason: str, acting_user) -> None:
    """Promise the line again: promised = scheduled = `scheduled`, no jeopardy (logged)."""
    before = line.promised_ship_date
    line.promised_ship_date = line.scheduled_ship_date = scheduled
    line.jeopardy_days, line.jeopardy_reason = 0, ""
    line.save(update_fields=FulfillmentLine.SCHEDULE_FIELDS)
    change_log(
        document=line,
        field="promised_ship_date",
        from_value=before,
        to_value=scheduled,
        acting_user=acting_user,
        demand_line_id=line.pk,
        reason=f"re-promised: {reason}",
    )


def _repromise(cov: Coverage, requested: datetime.date, reason: str, acting_user) -> None:
    """A new requested date: the line is promised again — the later of the request and the
    earliest its supply still to come can be there — and the documents' need-by dates follow."""
    line = cov.line
    field_change(
        line,
        "requested_ship_date",
        requested,
        acting_user=acting_user,
        demand_line_id=line.pk,
        reason=reason,
    )
    scheduled = max(requested, _earliest(cov))
    _promise_at(line, scheduled, reason, acting_user)
    supply_order = cov.supply_order
    if supply_order is None:
        return
    for tracking_line in cov.documents:
        if cov.pending(tracking_line) > 0:
            adapter_of(tracking_line).redate(
                tracking_line, scheduled, acting_user=acting_user, reason=reason
            )
    supply_order = _supply_order_locked(cov)
    field_change(
        supply_order,
        "need_by_date",
        scheduled,
        acting_user=acting_user,
        demand_line_id=line.pk,
        reason=reason,
    )


def _earliest(cov: Coverage) -> datetime.date:
    """The earliest date the line's supply still to come can be ready to ship: a supplier's
    promise plus receiving, else what the source could do when it was chosen; today when
    everything is on hand."""
    today = timezone.localdate()
    if cov.supply_order is None or cov.to_come <= 0:
        return today
    receiving = datetime.timedelta(days=cov.line.ship_from.receiving_days)
    earliest = today
    decision = cov.supply_order.decision
    if decision is not None and decision.available_date:
        earliest = max(earliest, decision.available_date)
    for tracking_line in cov.documents:
        po_line = tracking_line.purchase_order_line
        if po_line is not None and po_line.promised_date and cov.pending(tracking_line) > 0:
            earliest = max(earliest, po_line.promised_date + receiving)
    return earliest


def _settle(cov: Coverage, reason: str, acting_user) -> None:
    """After a change: the supply order's quantity is what its documents carry; with nothing
    left to come it is FULFILLED (something arrived) or CANCELLED (nothing did); a line wholly
    reserved on hand awaits shipping."""
    line = cov.line
    supply_order = _supply_order_locked(cov)
    if supply_order is not None and supply_order.status != SupplyStatus.REQUESTED:
        documents = coverage(line).documents
        total = sum((t.quantity for t in documents if t.quantity > 0), ZERO)
        if total > 0 and total != supply_order.quantity:
            supply_order.quantity = total
            supply_order.save(update_fields=["quantity"])
        arrived = sum((adapter_of(t).arrived(t) for t in documents), ZERO)
        if cov.to_come <= 0 and supply_order.status in (
            SupplyStatus.IN_PROCESS,
            SupplyStatus.EXCEPTION,
        ):
            if cov.uncovered <= 0:
                supply_exceptions_resolve(supply_order, f"demand changed: {reason}", acting_user)
            if arrived > 0 and cov.uncovered <= 0:
                transition(supply_order, "fulfil", acting_user=acting_user, demand_line_id=line.pk)
            elif not arrived:
                transition(
                    supply_order,
                    "cancel",
                    acting_user=acting_user,
                    demand_line_id=line.pk,
                    reason=f"no longer needed: {reason}",
                )
    on_hand = cov.on_hand
    if on_hand >= line.quantity:
        if line.status == LineStatus.AWAITING_SUPPLY:
            transition(line, "supply_reserved", acting_user=acting_user, demand_line_id=line.pk)
        elif line.status == LineStatus.BACKORDERED:
            transition(line, "reserve_on_hand", acting_user=acting_user, demand_line_id=line.pk)


@change_orders_from_sales_order()
def line_cancel(*, line: FulfillmentLine, reason: str, acting_user=None) -> FulfillmentLine:
    """Cancel a line that has not shipped: its supply still to come is taken back (documents
    cancelled, a PO line cut to what was received by change order), every reservation released
    (what already arrived is free stock), its supply order cancelled."""
    reason = cancel_reason_required(reason)
    with use_case():
        line = _locked_line(line.pk)
        _refuse_if_final(line)
        _cancel_locked(line, reason, acting_user)
        sales_order_refresh_status(order=line.order, acting_user=acting_user)
    return line


def _cancel_locked(line: FulfillmentLine, reason: str, acting_user) -> None:
    cov = coverage(line)
    why = f"line {line.number} cancelled: {reason}"
    for tracking_line in reversed(cov.documents):
        if cov.pending(tracking_line) > 0:
            adapter_of(tracking_line).take_back(tracking_line, reason=why, acting_user=acting_user)
    supply_order = _supply_order_locked(cov)
    for reservation in cov.reservations:
        if reservation.status == Reservation.Status.ACTIVE:
            reservation_release(reservation=reservation)
    if supply_order is not None:
        supply_exceptions_resolve(supply_order, why, acting_user)
        if supply_order.status == SupplyStatus.FULFILLED:
            transition(supply_order, "close", acting_user=acting_user, demand_line_id=line.pk)
        else:
            transition(
                supply_order,
                "cancel",
                acting_user=acting_user,
                demand_line_id=line.pk,
                reason="demand cancelled",
            )
    line.cancel_reason = reason[:200]
    transition(line, "cancel", acting_user=acting_user, demand_line_id=line.pk, reason=reason)


@change_orders_from_sales_order()
def order_cancel(*, order: SalesOrder, reason: str, acting_user=None) -> SalesOrder:
    """Cancel every line of an order that has not shipped (shipped lines stay as they are);
    refused, changing nothing, while any of its lines is on a shipment."""
    reason = cancel_reason_required(reason)
    with use_case():
        ids = list(
            order.lines.filter(status__in=FulfillmentLine.OPEN_STATES).values_list("pk", flat=True)
        )
        if not ids:
            raise InvalidTransition(f"Order {order.number} has no open line to cancel.")
        lines = lock_orders_and_lines(ids)
        for line in lines.values():
            line.ship_from = line.ship_from or line.order.customer.default_ship_from
            _refuse_if_final(line)
        for line in lines.values():
            _cancel_locked(line, reason, acting_user)
        order = SalesOrder.objects.get(pk=order.pk)
        sales_order_refresh_status(order=order, acting_user=acting_user)
    return order


# --- supply side --------------------------------------------------------------------------------


def supply_lost(*, line: FulfillmentLine, kind: str, reason: str, acting_user=None) -> str | None:
    """A locked line lost supply still to come (its reservation against the document already
    released or cut): its supply order gets a typed exception, then the next feasible source —
    never the one that failed — covers what the line lacks (`supply_next_source`)."""
    supply_order = (
        SupplyOrder.objects.select_for_update(of=("self",))
        .filter(demand_line=line, status__in=SUPPLY_ACTIVE)
        .select_related("decision")
        .first()
    )
    if supply_order is None:
        return None
    if supply_order.status == SupplyStatus.FULFILLED:
        transition(supply_order, "reopen", acting_user=acting_user, demand_line_id=line.pk)
    supply_exception_raise(supply_order, kind, reason, acting_user=acting_user)
    failed = [supply_order.decision.chosen_rule_id] if supply_order.decision else []
    number = supply_next_source(
        line=line, acting_user=acting_user, failed_rule_ids=[f for f in failed if f], failure=reason
    )
    sales_order_refresh_status(order=line.order, acting_user=acting_user)
    return number


@dataclass(frozen=True)
class SourceChoice:
    """A source the orchestration manager picked: a type and its supplier or organization.

    With a price or a lead time it is the manager's own source (any supplier, any organization
    that has the item, the plant's bill of materials), not one of the sourcing rules."""

    type: str
    supplier: str = ""
    source_organization: str = ""
    unit_price: Decimal | None = None
    lead_time_days: int | None = None

    @property
    def manual(self) -> bool:
        return self.unit_price is not None or self.lead_time_days is not None

    def matches(self, candidate) -> bool:
        return (
            candidate.type == self.type
            and (not self.supplier or candidate.supplier == self.supplier)
            and (
                not self.source_organization
                or candidate.source_organization == self.source_organization
            )
        )


def supply_next_source(
    *,
    line: FulfillmentLine,
    acting_user=None,
    failed_rule_ids=(),
    failure: str = "",
    choice: SourceChoice | None = None,
) -> str | None:
    """Cover what a locked line lacks (its open quantity beyond what is on hand or still
    coming) from the best feasible source by the sourcing rules — never the rules that just
    failed it — or from the manager's `choice`. The new document is pegged to the line under
    its supply order (switched to that source), the exceptions are resolved. With no feasible
    source the line is BACKORDERED and the exception stays open; a `choice` that is not
    feasible is refused (409). Returns the new document's number (None: nothing needed, or
    backordered)."""
    cov = coverage(line)
    quantity = cov.uncovered
    supply_order = cov.supply_order
    if quantity <= 0:
        if supply_order is not None:
            _supply_order_locked(cov)
            supply_exceptions_resolve(supply_order, "nothing left to cover", acting_user)
            _settle(cov, "nothing left to cover", acting_user)
        return None
    excluded = dict.fromkeys(failed_rule_ids, failure or "this source just failed the line")
    result = sourcing.choose(line, line.ship_from, lock=True, quantity=quantity, excluded=excluded)
    part = None
    if choice is None:
        part = sourcing.transfer_part(
            line, result, taken=None, quantity=quantity, excluded=excluded
        )
    if part is not None:
        # A better-ranked transfer source has part of it: it supplies that part, the rest is
        # split off as a backorder the automatic re-promise takes to the next source.
        candidate, have = part
        reason = f"only {qty(have)} available at {candidate.source_organization}"
        rest = line_split(
            line=line,
            quantity=quantity - have,
            acting_user=acting_user,
            reason=reason,
            status=LineStatus.BACKORDERED,
        )
        SourcingDecision.objects.create(
            line=rest,
            outcome=SourcingDecision.Outcome.BACKORDERED,
            quantity=rest.quantity,
            organization=line.ship_from,
            level=result.level,
            reason=f"split off: {reason}; promised again when a source can supply it",
        )
        quantity = have
        result = sourcing.choose(
            line, line.ship_from, lock=True, quantity=quantity, excluded=excluded
        )
    chosen = result.chosen
    source = None
    if choice is not None and choice.manual:
        chosen, source = _manual_source(line, quantity, choice)
    elif choice is not None:
        chosen = next((c for c in result.candidates if choice.matches(c)), None)
        if chosen is None or not chosen.feasible:
            why = chosen.reason if chosen is not None else "no sourcing rule offers it"
            raise Conflict(
                f"{choice.type} {choice.supplier or choice.source_organization} "
                f"cannot supply {qty(quantity)} of {line.item.sku}: {why}."
            )
    if chosen is None:
        if line.status in (LineStatus.SCHEDULED, LineStatus.AWAITING_SUPPLY):
            reason = "no other feasible source" + (f" after: {failure}" if failure else "")
            SourcingDecision.objects.create(
                line=line,
                outcome=SourcingDecision.Outcome.BACKORDERED,
                quantity=quantity,
                organization=line.ship_from,
                level=result.level,
                candidates=[candidate_json(c) for c in result.candidates],
                reason=reason[:300],
            )
            transition(
                line, "backorder", acting_user=acting_user, demand_line_id=line.pk, reason=reason
            )
        return None
    available = chosen.available_date or timezone.localdate()
    scheduled = max(line.requested_ship_date, available)
    if cov.to_come > 0 and line.scheduled_ship_date:
        scheduled = max(scheduled, line.scheduled_ship_date)
    candidates = [
        candidate_json(c) | {"chosen": source is None and c.rule_id == chosen.rule_id}
        for c in result.candidates
    ]
    if source is not None:
        candidates.append(candidate_json(chosen) | {"chosen": True})
    decision = SourcingDecision.objects.create(
        line=line,
        outcome=SourcingDecision.Outcome.SOURCED,
        quantity=quantity,
        organization=line.ship_from,
        level=sourcing.MANUAL_LEVEL if source is not None else result.level,
        chosen_rule=None
        if source is not None
        else sourcing.rule(chosen.rule_id, line.item_id, line.ship_from_id),
        chosen_type=chosen.type,
        available_date=chosen.available_date,
        candidates=candidates,
        reason=("chosen by the orchestration manager: " if choice else "")
        + (chosen.reason or "next feasible source")[:250],
    )
    if supply_order is None:
        cov.supply_order = supply_order = supply_order_new(
            line, None, quantity=quantity, decision=decision, acting_user=acting_user, source=source
        )
    else:
        _switch_source(supply_order, decision, scheduled, acting_user, source=source)
    line.supply_type = chosen.type
    line.save(update_fields=["supply_type"])
    number = _document_for(cov, quantity, acting_user, failure or "next source", refusal=True)
    line_reschedule(
        line=line, scheduled=scheduled, acting_user=acting_user, reason=f"supplied by {number}"
    )
    line.save(update_fields=FulfillmentLine.SCHEDULE_FIELDS)
    source = chosen.supplier or chosen.source_organization
    supply_exceptions_resolve(
        supply_order,
        f"{qty(quantity)} from {chosen.type.lower()} {source} on {number}",
        acting_user,
    )
    return number


def _manual_source(line, quantity: Decimal, choice: SourceChoice):
    """The manager's own source for `quantity` of the line: (candidate, source), refused with
    field messages when it is incomplete and with why (409) when it cannot supply."""
    errors = []
    supplier = organization = None
    if choice.type not in SupplyType.values:
        errors.append(("type", "Choose Buy, Make or Transfer."))
    if choice.type == SupplyType.BUY:
        supplier = Supplier.objects.filter(number=choice.supplier).first()
        if supplier is None:
            errors.append(("supplier", "Choose a supplier from the list."))
        if choice.unit_price is None or choice.unit_price < 0:
            errors.append(("unit_price", "Enter the price the supplier charges (0 or more)."))
        elif problem := _amount_problem(quantity, choice.unit_price):
            errors.append(("unit_price", f"{problem[:-1]} for {qty(quantity)}: check the price."))
    made_elsewhere = (
        choice.type == SupplyType.MAKE
        and choice.source_organization
        and choice.source_organization.upper() != line.ship_from.code.upper()
    )
    if made_elsewhere:
        errors.append(
            (
                "source_organization",
                f"A line is made where it ships from ({line.ship_from.code}): leave the "
                f"organization out, or change the line's ship-from to "
                f"{choice.source_organization} first.",
            )
        )
    if choice.type == SupplyType.TRANSFER:
        organization = Organization.objects.filter(code=choice.source_organization).first()
        if organization is None:
            errors.append(("source_organization", "Choose the organization that ships it."))
    if choice.lead_time_days is None or not 0 <= choice.lead_time_days <= 365:
        errors.append(("lead_time_days", "Enter a lead time of 0 to 365 days."))
    if errors:
        raise FieldErrors(errors)
    candidate = sourcing.manual_candidate(
        line,
        line.ship_from,
        quantity=quantity,
        type=choice.type,
        supplier=supplier,
        source_organization=organization,
        unit_price=choice.unit_price,
        lead_time_days=choice.lead_time_days,
    )
    if not candidate.feasible:
        name = choice.supplier or choice.source_organization or line.ship_from.code
        raise Conflict(
            f"{choice.type} {name} cannot supply {qty(quantity)} of {line.item.sku}: "
            f"{candidate.reason}."
        )
    candidate = replace(candidate, reason="the manager's own source", chosen=True)
    if choice.type == SupplyType.MAKE:
        organization = line.ship_from
    unit_price = choice.unit_price if choice.type == SupplyType.BUY else None
    return candidate, Source(supplier, organization, unit_price)


def _switch_source(supply_order, decision, need_by, acting_user, source=None) -> None:
    """New documents of the supply order come from the decision's source (or the manager's
    own `source`) from now on."""
    source = source or Source.of(decision)
    before = (
        f"{supply_order.supply_type} {supply_order.supplier or supply_order.source_organization}"
    )
    supply_order.decision = decision
    supply_order.supply_type = decision.chosen_type
    supply_order.supplier = source.supplier
    supply_order.source_organization = source.organization
    supply_order.unit_price = source.unit_price
    supply_order.need_by_date = need_by
    supply_order.save(
        update_fields=[
            "decision",
            "supply_type",
            "supplier",
            "source_organization",
            "unit_price",
            "need_by_date",
        ]
    )
    after = (
        f"{supply_order.supply_type} {supply_order.supplier or supply_order.source_organization}"
    )
    if after != before:
        change_log(
            document=supply_order,
            field="source",
            from_value=before,
            to_value=after,
            acting_user=acting_user,
            demand_line_id=supply_order.demand_line_id,
            reason=decision.reason,
        )


def supply_order_retry(*, supply_order: SupplyOrder, acting_user=None) -> SupplyOrder:
    """Try again, from the same source, to supply what the line of a supply order in
    EXCEPTION lacks (its document was refused, cancelled, rejected or cut). A refusal writes
    nothing and says why (409)."""
    with use_case():
        line = _locked_line(supply_order.demand_line_id)
        cov = coverage(line)
        if cov.supply_order is None or cov.supply_order.pk != supply_order.pk:
            raise InvalidTransition(f"{supply_order.number} no longer works for its line.")
        supply_order = cov.supply_order
        if supply_order.status != SupplyStatus.EXCEPTION:
            raise InvalidTransition(
                f"Cannot retry {supply_order.number}: it is {supply_order.status} (only supply "
                "in EXCEPTION is retried)."
            )
        if line.status not in (
            LineStatus.SCHEDULED,
            LineStatus.AWAITING_SUPPLY,
            LineStatus.BACKORDERED,
        ):
            raise InvalidTransition(
                f"Cannot retry supply for line {line.number}: it is {line.status}."
            )
        quantity = cov.uncovered
        if quantity <= 0:
            raise Conflict(
                f"Line {line.number} lacks nothing: {supply_order.number}'s documents still "
                "cover it; carry them on from their own pages."
            )
        number = _document_for(cov, quantity, acting_user, "retried", refusal=True)
        supply_exceptions_resolve(supply_order, f"retried: {number}", acting_user)
        supply_order.save(update_fields=["exception_reason"])
    return supply_order


def supply_order_choose_source(
    *, supply_order: SupplyOrder, choice: SourceChoice | None, acting_user=None
) -> SupplyOrder:
    """The orchestration manager covers what a supply order in EXCEPTION lacks from another
    source (`choice`), or re-promises it from the best feasible source by the rules (None)."""
    with use_case():
        line = _locked_line(supply_order.demand_line_id)
        supply_order = _in_exception(line, supply_order)
        _source_again(
            line, choice, acting_user, stays="it stays backordered with the exception open."
        )
        supply_order.refresh_from_db()
    return supply_order


def line_choose_source(
    *, line: FulfillmentLine, choice: SourceChoice | None, acting_user=None
) -> str:
    """A BACKORDERED line is fixed where it is seen: what it lacks is supplied from the
    manager's `choice` (a sourcing rule's candidate or the manager's own source with price and
    lead time), or from the best feasible source by the rules now (None); its document is
    created at once and pegged to it, an open exception of its supply is resolved. Without a
    choice or a supply order the line is promised again as the automatic re-promise does it
    (stock first, a short transfer source supplies its part). Returns what happened, in words;
    refused (409) when the line is not backordered or nothing can supply."""
    with use_case():
        line = _locked_line(line.pk)
        if line.status != LineStatus.BACKORDERED:
            raise InvalidTransition(
                f"Line {line.number} is {line.get_status_display().lower()}: only a backordered "
                "line is sourced here."
            )
        if line.ship_from is None:
            raise BusinessRuleError(
                f"Line {line.number} has no ship-from organization: choose one first.",
                field="ship_from",
            )
        if choice is None and coverage(line).supply_order is None:
            # Re-promise: exactly what the automatic re-promise of backorders does.
            last = line.order.lines.aggregate(last=Max("line_number"))["last"]
            promised = backorder_promise_again(line, line.ship_from, acting_user)
            if promised.status == LineStatus.BACKORDERED:
                raise Conflict(
                    f"No source can supply line {line.number} now: it stays backordered. "
                    "Choose another source, with its price and lead time."
                )
            sales_order_refresh_status(order=line.order, acting_user=acting_user)
            return _promised_words(line.order, promised, after=last)
        number, from_stock = _source_again(
            line,
            choice,
            acting_user,
            stays="it stays backordered. Choose another source, with its price and lead time.",
        )
    words = []
    if from_stock:
        words.append(f"{qty(from_stock)} reserved on hand at {line.ship_from.code}")
    if number is not None:
        words.append(f"supplied by {number}")
    return "; ".join(words)


def _repromise_by_rules(line: FulfillmentLine, acting_user) -> tuple[str | None, Decimal]:
    """Re-promise by the rules a locked line whose supply failed (its supply order is in
    exception), as the automatic re-promise would: stock available at the ship-from first,
    then the best feasible source for the rest — never the source that failed, nor a supplier
    that rejected this demand. Returns (the new document's number or None, what was reserved
    on hand); with nothing reserved and no document nothing is written by the caller's
    refusal."""
    cov = coverage(line)
    supply_order = _supply_order_locked(cov)
    balances_lock([(line.item_id, line.ship_from_id)])  # balances lock last (orders.locks)
    from_stock = min(cov.uncovered, _available_now(line))
    if from_stock > 0:
        reservation_reserve_on_hand(
            line=line, organization=line.ship_from, quantity=from_stock, active=cov.reservations
        )
    failed = set()
    if supply_order is not None and supply_order.decision is not None:
        failed.add(supply_order.decision.chosen_rule_id)
    rejected = suppliers_rejected(line)
    if rejected:
        failed.update(
            SourcingRule.objects.filter(
                item_id=line.item_id, type=SupplyType.BUY, supplier__number__in=rejected
            ).values_list("pk", flat=True)
        )
    number = supply_next_source(
        line=line,
        acting_user=acting_user,
        failed_rule_ids=sorted(f for f in failed if f),
        failure="it failed or rejected this demand",
    )
    return number, max(from_stock, ZERO)


def _promised_words(order, line, *, after: int) -> str:
    """What promising a backorder again did, in words: the lines split off it now (numbered
    after `after`, the order's last line before) included, not those split off earlier."""
    words = [f"{line.get_status_display().lower()} ({qty(line.quantity)})"]
    split_now = order.lines.filter(split_from=line, line_number__gt=after)
    for rest in split_now.order_by("line_number"):
        words.append(
            f"line {rest.line_number} split off: {rest.get_status_display().lower()} "
            f"({qty(rest.quantity)})"
        )
    return "promised again: " + "; ".join(words)


def supply_order_cancel_supply(
    *, supply_order: SupplyOrder, reason: str, acting_user=None
) -> SupplyOrder:
    """The orchestration manager gives up a supply order in EXCEPTION: its supply still to
    come is taken back and the line is BACKORDERED for re-promising (the demand stays)."""
    reason = cancel_reason_required(reason)
    with use_case():
        line = _locked_line(supply_order.demand_line_id)
        supply_order = _in_exception(line, supply_order)
        cov = coverage(line)
        for tracking_line in reversed(cov.documents):
            pending = cov.pending(tracking_line)
            if pending > 0:
                adapter = adapter_of(tracking_line)
                adapter.take_back(tracking_line, reason=reason, acting_user=acting_user)
                adapter.peg(tracking_line, cov.reservations, ZERO)
        _supply_order_locked(cov)
        supply_exceptions_resolve(supply_order, f"supply cancelled: {reason}", acting_user)
        transition(
            supply_order, "cancel", acting_user=acting_user, demand_line_id=line.pk, reason=reason
        )
        if cov.on_hand >= line.quantity:
            _settle(cov, reason, acting_user)
        elif line.status != LineStatus.BACKORDERED:
            transition(
                line,
                "backorder",
                acting_user=acting_user,
                demand_line_id=line.pk,
                reason=f"supply {supply_order.number} cancelled: {reason}",
            )
        sales_order_refresh_status(order=line.order, acting_user=acting_user)
    return supply_order


def _in_exception(line, supply_order) -> SupplyOrder:
    supply_order = (
        SupplyOrder.objects.select_for_update(of=("self",))
        .select_related("supplier", "source_organization", "decision")
        .get(pk=supply_order.pk)
    )
    if supply_order.status != SupplyStatus.EXCEPTION:
        raise InvalidTransition(
            f"{supply_order.number} is {supply_order.get_status_display().lower()}: only "
            "supply in exception is resolved here."
        )
    return supply_order


def _source_again(line, choice, acting_user, *, stays: str):
    """Source a line again — by the rules (stock first) or from the manager's `choice` — and
    refresh its order; nothing found is a Conflict saying what happens to the line. Returns
    (the new supply order's number or None, the quantity reserved from stock)."""
    from_stock = ZERO
    if choice is None:
        number, from_stock = _repromise_by_rules(line, acting_user)
    else:
        number = supply_next_source(line=line, acting_user=acting_user, choice=choice)
    if number is None and not from_stock:
        raise Conflict(f"No source can supply line {line.number} now: {stays}")
    sales_order_refresh_status(order=line.order, acting_user=acting_user)
    return number, from_stock
