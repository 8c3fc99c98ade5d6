"""Promising at submit and supply orchestration: the use cases that span orders, procurement,
warehouse and supply (docs/architecture.md)."""

import datetime
import logging
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.db import InterfaceError, OperationalError
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from catalog.models import Organization, SupplyType
from core.enqueue import enqueue_on_commit
from core.exceptions import BusinessRuleError, InvalidTransition
from core.formatting import qty
from core.models import DocumentType
from core.queries import bulk_update_rows
from core.services import change_log, document_number_next, gc_paused, transition, use_case
from orders.models import FulfillmentLine, SalesOrder
from orders.services import (
    line_split,
    sales_order_create,
    sales_order_refresh_status,
)
from supply import sourcing
from supply.execution import Creation, adapter_for
from supply.models import SourcingDecision, SupplyException, SupplyOrder, SupplyTrackingLine
from supply.pegging import supply_exception_raise
from supply.promising import (
    CREATE_BATCH,
    CREATE_SUPPLY,
    promise_lines,
    sourced_decision,
    stale_after,
)
from warehouse.models import Reservation
from warehouse.services import (
    balances_lock,
    reservations_active,
    reserved_on_hand,
)

logger = logging.getLogger(__name__)
# A database that cannot be reached: the task is retried, nothing is marked failed.
TRANSIENT = (OperationalError, InterfaceError)
LineStatus = FulfillmentLine.Status
Outcome = SourcingDecision.Outcome
MAX_REQUEUE_DELAY = timedelta(minutes=15)
# Document statuses that mean the document no longer works for its supply order.
DOCUMENT_GONE = {"CANCELLED"}


def _today() -> datetime.date:
    return timezone.localdate()


# --- promising --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Source:
    """Where a supply order's documents come from: its supplier (Buy) or organization and price."""

    supplier: object = None
    organization: Organization | None = None
    unit_price: Decimal | None = None

    @classmethod
    def of(cls, decision: SourcingDecision) -> "Source":
        """The source of the decision's sourcing rule."""
        rule = decision.chosen_rule
        buy = decision.chosen_type == SupplyType.BUY
        return cls(
            rule.supplier if buy else None,
            rule.source_organization,
            rule.unit_price if buy else None,
        )


def supply_order_new(
    line,
    result,
    *,
    quantity,
    acting_user=None,
    reason: str = "supply requested",
    decision=None,
    source: Source | None = None,
) -> SupplyOrder:
    """A REQUESTED supply order for `quantity` of the line from the sourcing result's chosen
    source (or an already written `decision`, or the manager's own `source`), with the
    decision that says why."""
    if decision is None:
        decision = sourced_decision(line, result, quantity)
        decision.save(force_insert=True)
    source = source or Source.of(decision)
    supply_order = SupplyOrder.objects.create(
        number=document_number_next(DocumentType.SUPPLY_ORDER),
        demand_line=line,
        decision=decision,
        supply_type=decision.chosen_type,
        quantity=quantity,
        need_by_date=max(line.requested_ship_date, decision.available_date or _today()),
        supplier=source.supplier,
        source_organization=source.organization,
        unit_price=source.unit_price,
        next_requeue_at=timezone.now() + stale_after(),
    )
    change_log(
        document=supply_order,
        to_value=supply_order.status,
        acting_user=acting_user,
        demand_line_id=line.pk,
        reason=reason,
    )
    return supply_order


def _fulfillment_org(line: FulfillmentLine) -> Organization | None:
    return line.ship_from or line.order.customer.default_ship_from


def sales_order_submit(*, order: SalesOrder, acting_user=None) -> SalesOrder:
    """Submit a DRAFT order: promise every line in one transaction with its reservations.

    Balance rows are locked (in item/organization order) before reading what is available, so
    concurrent submits queue on them and can never oversell.
    """
    with use_case():
        order = (
            SalesOrder.objects.select_for_update(of=("self",))
            .select_related("customer")
            .get(pk=order.pk)
        )
        lines = list(
            order.lines.select_related("item", "ship_from", "order__customer__default_ship_from")
            .filter(status=LineStatus.DRAFT)
            .order_by("line_number")
        )
        if not lines:
            raise InvalidTransition(f"Order {order.number} is {order.status}: it was submitted.")
        _promise_lines(order, lines, acting_user)
    return order


def sales_order_enter(
    *,
    customer,
    lines,
    external_reference: str = "",
    currency: str | None = None,
    acting_user=None,
    submit: bool = False,
) -> tuple[SalesOrder, bool]:
    """Enter an order as the screen and the API do: create it and, with `submit`, promise it
    in the same transaction (a refused submit creates nothing). Returns (order, created)."""

    def promise(order, order_lines):
        # The new order and its lines are this transaction's own rows: nobody else can see,
        # let alone lock them, so they need no lock and no re-read.
        _promise_lines(order, order_lines, acting_user, all_lines=True)

    return sales_order_create(
        customer=customer,
        lines=lines,
        external_reference=external_reference,
        currency=currency,
        acting_user=acting_user,
        then=promise if submit else None,
    )


def _promise_lines(
    order: SalesOrder, lines: list[FulfillmentLine], acting_user, *, all_lines: bool = False
) -> None:
    """Promise `lines`; with `all_lines` they are every line of the order (a new order), so its
    status rolls up from them without reading the lines back."""
    for line in lines:
        organization = _fulfillment_org(line)
        if organization is None:
            raise BusinessRuleError(
                f"Line {line.line_number}: choose a ship-from organization (customer "
                f"{order.customer.number} has no default).",
                field=f"lines[{line.line_number - 1}].ship_from",
            )
        line.ship_from = organization
    pairs = [(line.item_id, line.ship_from_id) for line in lines]
    balances = balances_lock(pairs)
    with sourcing.rules_cache():
        sourcing.lock_shared_rules(pairs)
        promised = promise_lines(lines, balances, acting_user)
    sales_order_refresh_status(
        order=order,
        acting_user=acting_user,
        statuses={line.status for line in promised} if all_lines else None,
        submitted_at=timezone.now(),
    )


def backorders_repromise(*, item_id: int | None = None, limit: int = 200) -> int:
    """Re-promise BACKORDERED lines, oldest requested ship date first; returns how many moved.

    A line whose supply has an open exception waits for the orchestration manager. A line that
    already holds part of its quantity on hand (its supply failed after a partial receipt)
    keeps that part and ships it; the rest is split off and promised as a line of its own."""
    open_exception = SupplyException.objects.filter(
        supply_order__demand_line=OuterRef("pk"), resolved_at__isnull=True
    )
    lines = FulfillmentLine.objects.filter(status=LineStatus.BACKORDERED).exclude(
        Exists(open_exception)
    )
    if item_id is not None:
        lines = lines.filter(item_id=item_id)
    moved = 0
    candidates = lines.order_by("requested_ship_date", "id").values_list("id", "order_id")
    for line_id, order_id in candidates[:limit]:
        with use_case():
            # Lock order: sales order, line, balances — the same as submit and cancel.
            SalesOrder.objects.select_for_update().filter(pk=order_id).exists()
            line = (
                FulfillmentLine.objects.select_for_update(of=("self",))
                .select_related("item", "ship_from", "order__customer__default_ship_from")
                .get(pk=line_id)
            )
            if line.status != LineStatus.BACKORDERED:
                continue
            organization = _fulfillment_org(line)
            if organization is None:
                continue
            line = backorder_promise_again(line, organization)
            if line.status != LineStatus.BACKORDERED:
                moved += 1
                sales_order_refresh_status(order=line.order)
    return moved


def backorder_promise_again(
    line: FulfillmentLine, organization: Organization, acting_user=None
) -> FulfillmentLine:
    """Promise a locked BACKORDERED line again at `organization`, as at submit (stock first,
    then the sourcing rules; a short transfer source supplies its part). What it already holds
    on hand stays and ships; the rest is split off and promised. Returns the line promised."""
    held = reserved_on_hand(reservations_active(line=line, source=Reservation.Source.ON_HAND))
    if held:
        line = _keep_what_is_held(line, held)
    balances = balances_lock([(line.item_id, organization.pk)])
    with sourcing.rules_cache():
        promise_lines([line], balances, acting_user)
    return line


def _keep_what_is_held(line: FulfillmentLine, held: Decimal) -> FulfillmentLine:
    """A backordered line holding `held` on hand: that part awaits shipping, the rest is split
    off (BACKORDERED) and returned to be promised."""
    reason = f"{qty(held)} already reserved on hand"
    rest = line_split(
        line=line,
        quantity=line.quantity - held,
        reason=reason,
        status=LineStatus.BACKORDERED,
    )
    transition(line, "reserve_on_hand", demand_line_id=line.pk, reason=reason)
    rest.item, rest.ship_from, rest.order = line.item, line.ship_from, line.order
    return rest


# --- supply creation ------------------------------------------------------------------------------


def supply_order_create_document(*, supply_order_id: int) -> SupplyOrder:
    """Create the execution document of a REQUESTED supply order — exactly once (a batch of
    one: see supply_orders_create_documents)."""
    created = supply_orders_create_documents(including=supply_order_id, limit=1)
    if supply_order_id in created:
        return created[supply_order_id]
    return SupplyOrder.objects.get(pk=supply_order_id)


@gc_paused()
def supply_orders_create_documents(
    *, including: int | None = None, limit: int = CREATE_BATCH
) -> dict[int, SupplyOrder]:
    """Create the documents of up to `limit` waiting supply orders (see _create_documents).

    A batch that fails on something else than a refused document or a database that cannot
    be reached (a supply order whose data no adapter can write) is done again one supply order
    at a time: the others are created, and the one that fails goes to EXCEPTION with the error
    for the orchestration manager — it never holds up the queue behind it.
    """
    try:
        return _create_documents(including, limit)
    except TRANSIENT:
        raise
    except Exception:
        logger.exception("A batch of supply documents failed: creating them one by one")
    created = {}
    for supply_order_id in _waiting_supply_orders(including, limit):
        try:
            created.update(_create_documents(supply_order_id, 1))
        except TRANSIENT:
            raise
        except Exception as failed:
            logger.exception("Supply order %s: its document could not be created", supply_order_id)
            _creation_failed(supply_order_id, f"{type(failed).__name__}: {failed}")
    return created


def _waiting_supply_orders(including: int | None, limit: int) -> list[int]:
    waiting = SupplyOrder.objects.filter(
        status=SupplyOrder.Status.REQUESTED, demand_line__status=LineStatus.SCHEDULED
    )
    ids = list(waiting.order_by("demand_line_id").values_list("pk", flat=True)[:limit])
    if including is not None and including not in ids and waiting.filter(pk=including).exists():
        ids = [including, *ids[: limit - 1]]
    return ids


def _creation_failed(supply_order_id: int, error: str) -> None:
    line_id = SupplyOrder.objects.values_list("demand_line_id", flat=True).get(pk=supply_order_id)
    with use_case():  # lock order: the demand line, then its supply order
        FulfillmentLine.objects.select_for_update().filter(pk=line_id).exists()
        supply_order = SupplyOrder.objects.select_for_update().get(pk=supply_order_id)
        if supply_order.status == SupplyOrder.Status.REQUESTED:
            supply_exception_raise(
                supply_order,
                SupplyException.Kind.CREATION_REFUSED,
                f"The document could not be created ({error})",
            )


def _create_documents(including: int | None, limit: int) -> dict[int, SupplyOrder]:
    """Create the documents of up to `limit` REQUESTED supply orders in one transaction,
    set-based per supply type (supply.execution adapters' create_many); returns the supply
    orders worked on, by id.

    The worker claims SCHEDULED demand lines with SKIP LOCKED — several workers never take
    the same lines, nor wait for one another — oldest first; `including` (the supply order a
    message names) is claimed first and waited for. Then their REQUESTED supply orders are
    locked (orders.locks: demand line, then supply order). Exactly once: a duplicate message,
    a retry after a crash or a second worker finds nothing left to claim; the unique (supply
    order, sequence) of tracking lines is the database's backstop. A document an adapter
    refuses (no bill of materials, the transfer source sold out) leaves its supply order in
    EXCEPTION with the reason, the others are created.
    """
    waiting = Exists(
        SupplyOrder.objects.filter(demand_line=OuterRef("pk"), status=SupplyOrder.Status.REQUESTED)
    )
    lines = FulfillmentLine.objects.select_related("item", "order", "ship_from").filter(
        waiting, status=LineStatus.SCHEDULED
    )
    with use_case():
        claimed = []
        if including is not None:
            line_id = SupplyOrder.objects.filter(pk=including).values("demand_line_id")
            claimed = list(lines.select_for_update(of=("self",)).filter(pk__in=line_id))
        if len(claimed) < limit:
            others = lines.select_for_update(skip_locked=True, of=("self",)).exclude(
                pk__in=[line.pk for line in claimed]
            )
            claimed += list(others.order_by("pk")[: limit - len(claimed)])
        if not claimed:
            return {}
        by_id = {line.pk: line for line in claimed}
        supply_orders = list(
            SupplyOrder.objects.select_for_update(of=("self",))
            .select_related("supplier", "source_organization")
            .filter(demand_line_id__in=by_id, status=SupplyOrder.Status.REQUESTED)
            .order_by("pk")
        )
        started = []
        for supply_type in sorted({so.supply_type for so in supply_orders}):
            group = [so for so in supply_orders if so.supply_type == supply_type]
            outcomes = adapter_for(supply_type).create_many(
                [Creation(so, by_id[so.demand_line_id]) for so in group]
            )
            for supply_order in group:
                outcome = outcomes[supply_order.pk]
                if isinstance(outcome, BusinessRuleError):
                    supply_exception_raise(
                        supply_order, SupplyException.Kind.CREATION_REFUSED, outcome.message
                    )
                else:
                    started.append((supply_order, by_id[supply_order.demand_line_id], outcome))
        documents_started(started)
    return {supply_order.pk: supply_order for supply_order in supply_orders}


def document_started(supply_order, line, document: str, acting_user=None) -> None:
    """A document works for the supply order now: IN_PROCESS, the line AWAITING_SUPPLY."""
    documents_started([(supply_order, line, document)], acting_user)


def documents_started(started, acting_user=None) -> None:
    """(supply order, line, document number) each: the supply orders IN_PROCESS, their lines
    AWAITING_SUPPLY, in one UPDATE per table (every move logged)."""
    moved_lines = []
    for supply_order, line, document in started:
        supply_order.exception_reason = ""
        transition(
            supply_order,
            "start",
            acting_user=acting_user,
            demand_line_id=line.pk,
            reason=document,
            save=False,
        )
        if line.status == LineStatus.SCHEDULED:
            transition(
                line,
                "await_supply",
                acting_user=acting_user,
                demand_line_id=line.pk,
                reason=document,
                save=False,
            )
            moved_lines.append(line)
    bulk_update_rows(
        [supply_order for supply_order, _, _ in started], ["status", "exception_reason"]
    )
    bulk_update_rows(moved_lines, ["status"])


def supply_orders_requeue_stale(*, limit: int = 100) -> list[int]:
    """Find REQUESTED supply orders whose document never came (lost message, killed worker).

    Claimed with SKIP LOCKED so several beat runs or workers never take the same orders, and
    each order backs off (1, 2, 4 … 15 minutes) so a backlog does not flood the queue.
    Returns the ids to re-queue; the caller enqueues them after commit.
    """
    now = timezone.now()
    has_document = SupplyTrackingLine.objects.filter(supply_order=OuterRef("pk"))
    with use_case():
        stale = list(
            SupplyOrder.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(status=SupplyOrder.Status.REQUESTED, created_at__lte=now - stale_after())
            .filter(Q(next_requeue_at__isnull=True) | Q(next_requeue_at__lte=now))
            .filter(~Exists(has_document))
            .order_by("created_at")[:limit]
        )
        for supply_order in stale:
            delay = min(stale_after() * 2**supply_order.requeue_count, MAX_REQUEUE_DELAY)
            SupplyOrder.objects.filter(pk=supply_order.pk).update(
                requeue_count=supply_order.requeue_count + 1, next_requeue_at=now + delay
            )
        for supply_order in stale:
            enqueue_on_commit(CREATE_SUPPLY, supply_order.pk)
    if stale:
        logger.warning("Re-queued %d stale supply orders", len(stale))
    return [s.pk for s in stale]
