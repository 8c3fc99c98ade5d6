"""Bulk order import: many orders entered (and promised) set-based, each checked on its own.

An order that is wrong (unknown customer, a bad quantity, a ship-from that cannot be found)
is refused with its field errors and never holds up the others; an order already imported
with the same external reference for the same customer answers as it is (or 409 when the
lines differ). The rest are created in chunks, each one transaction that writes orders, lines
and the promise of every line in one statement per kind of row (supply.promising), with the
balance rows locked once per item and organization in key order — the same rules, locks,
pegging, ledger and log as one order at a time.
"""

from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError
from django.utils import timezone

from core.exceptions import BusinessRuleError, Conflict, FieldErrors
from core.models import DocumentType
from core.queries import insert_rows
from core.services import change_log, document_numbers_next, gc_paused, use_case, user_or_none
from orders.models import SalesOrder
from orders.services import (
    LineInput,
    existing_or_conflict,
    line_row,
    lines_check,
    sales_orders_refresh_status,
)
from supply import sourcing
from supply.promising import promise_lines
from supply.services.orchestration import sales_order_enter
from warehouse.services import balances_lock

# Orders per transaction: big enough to write in bulk, small enough to hold the balance rows
# for a moment only.
CHUNK = 500


@dataclass
class OrderEntry:
    """One order of an import, its references resolved (customer and items are records)."""

    customer: object
    lines: list[LineInput]
    external_reference: str = ""
    currency: str | None = None
    submit: bool = True


@dataclass
class Entered:
    """What became of an entry: the order and whether it was created (False: it was there
    already), or the error that refused it."""

    order: SalesOrder | None = None
    created: bool = False
    error: BusinessRuleError | None = None


@gc_paused()
def sales_orders_enter(entries: list[OrderEntry], *, acting_user=None) -> list[Entered]:
    """Enter (and with `submit` promise) many orders; one result per entry, in order."""
    results = [Entered() for _ in entries]
    fresh = []
    for index, entry in enumerate(entries):
        try:
            entry.currency = _checked(entry)
        except BusinessRuleError as refused:
            results[index].error = refused
            continue
        fresh.append(index)
    fresh = _already_there(entries, fresh, results)
    for start in range(0, len(fresh), CHUNK):
        chunk = fresh[start : start + CHUNK]
        try:
            orders = _enter_chunk([entries[i] for i in chunk], acting_user)
        except (BusinessRuleError, IntegrityError):
            # Something in the chunk is refused by a rule only writing can tell (a duplicate
            # reference entered meanwhile): enter its orders one by one, each on its own.
            for index in chunk:
                results[index] = _enter_one(entries[index], acting_user)
            continue
        for index, order in zip(chunk, orders, strict=True):
            results[index] = Entered(order=order, created=True)
    _same_reference_in_batch(entries, results)
    return [
        result if result.order or result.error else Entered(error=_not_entered())
        for result in results
    ]


def _checked(entry: OrderEntry) -> str:
    """The order's currency, or the error that refuses it (nothing written)."""
    currency = (entry.currency or settings.CURRENCY).upper()
    if currency != settings.CURRENCY:
        raise BusinessRuleError(
            f"Orders are taken in {settings.CURRENCY} only (got {currency}).", field="currency"
        )
    lines_check(entry.lines, timezone.localdate())
    missing = [
        (f"lines[{i}].ship_from", "Choose a ship-from organization: the customer has no default.")
        for i, line in enumerate(entry.lines)
        if line.ship_from is None and entry.customer.default_ship_from_id is None
    ]
    if missing and entry.submit:
        raise FieldErrors(missing)
    return currency


def _already_there(entries, indexes, results) -> list[int]:
    """Leave out the entries whose external reference the customer already used (200 with
    that order, or 409 when its lines differ), and all but the first of an external reference
    repeated in the batch (they answer with the first's order); one query for all."""
    keyed = {}
    for index in indexes:
        entry = entries[index]
        reference = entry.external_reference.strip()
        entry.external_reference = reference
        if reference:
            keyed.setdefault((entry.customer.pk, reference), []).append(index)
    existing = {}
    if keyed:
        references = {reference for _, reference in keyed}
        customers = {customer for customer, _ in keyed}
        for order in SalesOrder.objects.filter(
            customer_id__in=customers, external_reference__in=references
        ):
            existing[order.customer_id, order.external_reference] = order
    keep = []
    for index in indexes:
        entry = entries[index]
        key = (entry.customer.pk, entry.external_reference)
        if entry.external_reference and key in existing:
            try:
                order = existing_or_conflict(existing[key], entry.currency, entry.lines)
                results[index] = Entered(order=order, created=False)
            except BusinessRuleError as refused:
                results[index].error = refused
        elif entry.external_reference and keyed[key][0] != index:
            continue  # answered with the first's order afterwards
        else:
            keep.append(index)
    return keep


def _same_reference_in_batch(entries, results) -> None:
    """An external reference repeated in the batch answers with what became of its first
    entry: that order (200, or 409 when the lines differ), or the first one's refusal."""
    first = {}
    for index, (entry, result) in enumerate(zip(entries, results, strict=True)):
        if not entry.external_reference:
            continue
        key = (entry.customer.pk, entry.external_reference)
        if result.order is not None or result.error is not None:
            first.setdefault(key, result)
            continue
        earlier = first.get(key)
        if earlier is None or earlier.order is None:
            results[index] = Entered(error=earlier.error if earlier else _not_entered())
            continue
        try:
            order = existing_or_conflict(earlier.order, entry.currency, entry.lines)
            results[index] = Entered(order=order, created=False)
        except BusinessRuleError as refused:
            results[index] = Entered(error=refused)


def _not_entered() -> BusinessRuleError:
    return Conflict("The order could not be entered: send it again.", field="external_reference")


def _enter_one(entry: OrderEntry, acting_user) -> Entered:
    try:
        order, created = sales_order_enter(
            customer=entry.customer,
            lines=entry.lines,
            external_reference=entry.external_reference,
            currency=entry.currency,
            acting_user=acting_user,
            submit=entry.submit,
        )
    except BusinessRuleError as refused:
        return Entered(error=refused)
    except IntegrityError:  # the same reference entered meanwhile with other lines, in a race
        return Entered(error=_not_entered())
    return Entered(order=order, created=created)


def _enter_chunk(entries: list[OrderEntry], acting_user) -> list[SalesOrder]:
    """One transaction: the orders, their lines, their log; then the promise of the lines of
    the orders to submit, set-based."""
    today = timezone.localdate()
    user = user_or_none(acting_user)
    with use_case():
        numbers = document_numbers_next(DocumentType.SALES_ORDER, len(entries))
        orders = insert_rows(
            SalesOrder(
                number=number,
                customer=entry.customer,
                external_reference=entry.external_reference,
                currency=entry.currency,
                created_by=user,
            )
            for entry, number in zip(entries, numbers, strict=True)
        )
        lines = insert_rows(
            # A submitted line ships from the customer's default unless told (a draft's
            # stays empty until it is submitted, as when entered one at a time).
            line_row(
                order,
                number,
                line,
                today,
                ship_from=entry.customer.default_ship_from if entry.submit else None,
            )
            for entry, order in zip(entries, orders, strict=True)
            for number, line in enumerate(entry.lines, start=1)
        )
        for order in orders:
            change_log(
                document=order, to_value=order.status, acting_user=acting_user, reason="entered"
            )
        submitting = {
            order.pk for entry, order in zip(entries, orders, strict=True) if entry.submit
        }
        to_promise = [line for line in lines if line.order_id in submitting]
        if to_promise:
            _promise(to_promise, [o for o in orders if o.pk in submitting], acting_user)
    return orders


def _promise(lines, orders, acting_user) -> None:
    """Promise the new lines of the orders being submitted: balances locked once per item and
    organization in key order, then the rules shared by allocation; the orders' statuses roll
    up from their lines in one UPDATE per status."""
    by_order = {order.pk: order for order in orders}
    for line in lines:
        line.order = by_order[line.order_id]
    lines.sort(key=lambda line: (line.order_id, line.line_number))
    balances = balances_lock((line.item_id, line.ship_from_id) for line in lines)
    with sourcing.rules_cache():
        sourcing.lock_shared_rules((line.item_id, line.ship_from_id) for line in lines)
        promised = promise_lines(lines, balances, acting_user)
    statuses = defaultdict(set)
    for line in promised:
        statuses[line.order_id].add(line.status)
    now = timezone.now()
    SalesOrder.objects.filter(pk__in=by_order).update(submitted_at=now)
    for order in orders:
        order.submitted_at = now
    sales_orders_refresh_status(orders=orders, acting_user=acting_user, statuses=statuses)
