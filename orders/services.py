"""Order entry use cases: create a draft order, change a draft, split a line, roll the order
status up."""

import datetime
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError
from django.db.models import Max
from django.utils import timezone

from catalog.models import Customer, Item, Organization
from core.exceptions import BusinessRuleError, Conflict, InvalidTransition
from core.formatting import qty
from core.models import DocumentType
from core.money import MAX_AMOUNT, line_amount
from core.queries import insert_rows
from core.services import change_log, document_number_next, use_case, user_or_none
from orders.models import FulfillmentLine, SalesOrder

LineStatus = FulfillmentLine.Status


@dataclass(frozen=True)
class LineInput:
    item: Item
    quantity: Decimal
    unit_price: Decimal | None = None
    requested_ship_date: datetime.date | None = None
    ship_from: Organization | None = None
    # The draft line this input edits (sales_order_draft_update); None: a new line.
    line_number: int | None = None


def line_row(
    order: SalesOrder, number: int, line: LineInput, today: datetime.date, ship_from=None
) -> FulfillmentLine:
    """The unsaved row of an entered line: the item's list price unless a price was given,
    today unless a requested ship date was given; `ship_from` when the line names none."""
    return FulfillmentLine(
        order=order,
        line_number=number,
        item=line.item,
        quantity=line.quantity,
        unit_price=line.item.list_price if line.unit_price is None else line.unit_price,
        requested_ship_date=line.requested_ship_date or today,
        ship_from=line.ship_from or ship_from,
    )


def lines_check(lines: list[LineInput], today: datetime.date) -> None:
    """Refuse (with the field) lines that cannot be entered: nothing written."""
    if not lines:
        raise BusinessRuleError("An order needs at least one line.", field="lines")
    total = Decimal(0)
    for index, line in enumerate(lines):
        if line.quantity <= 0:
            raise BusinessRuleError(
                "The quantity must be greater than zero.", field=f"lines[{index}].quantity"
            )
        if line.unit_price is not None and line.unit_price < 0:
            raise BusinessRuleError(
                "The unit price must not be negative.", field=f"lines[{index}].unit_price"
            )
        if line.requested_ship_date and line.requested_ship_date < today:
            raise BusinessRuleError(
                f"The requested ship date must be today ({today}) or later.",
                field=f"lines[{index}].requested_ship_date",
            )
        price = line.item.list_price if line.unit_price is None else line.unit_price
        amount = line_amount(line.quantity, price)
        if amount > MAX_AMOUNT:
            raise BusinessRuleError(
                f"The line amount ({line.quantity.normalize():f} × {price:.2f} = {amount:,.2f}) "
                f"must be at most {MAX_AMOUNT:,.2f}: lower the quantity or the price.",
                field=f"lines[{index}].quantity",
            )
        total += amount
    if total > MAX_AMOUNT:
        raise BusinessRuleError(
            f"The order total ({total:,.2f}) must be at most {MAX_AMOUNT:,.2f}: split the order.",
            field="lines",
        )


def _requested_lines(order: SalesOrder) -> list[tuple]:
    """The lines as entered: a line split by promising or shipping counts with its splits."""
    lines = list(order.lines.order_by("line_number"))
    root = {}
    for line in lines:  # split lines always come after the line they were split from
        root[line.pk] = root[line.split_from_id] if line.split_from_id else line.pk
    totals = {}
    for line in lines:
        totals[root[line.pk]] = totals.get(root[line.pk], Decimal(0)) + line.quantity
    return [
        (
            line.item_id,
            totals[line.pk],
            line.unit_price,
            line.requested_ship_date,
            line.ship_from_id,
        )
        for line in lines
        if not line.split_from_id
    ]


def _same_order(order: SalesOrder, currency: str, lines: list[LineInput]) -> bool:
    existing = _requested_lines(order)
    if order.currency != currency or len(existing) != len(lines):
        return False
    for (item, quantity, price, date, ship_from), new in zip(existing, lines, strict=True):
        if (item, quantity) != (new.item.pk, new.quantity):
            return False
        if new.unit_price is not None and new.unit_price != price:
            return False
        if new.requested_ship_date is not None and new.requested_ship_date != date:
            return False
        if new.ship_from is not None and new.ship_from.pk != ship_from:
            return False
    return True


def sales_order_create(
    *,
    customer: Customer,
    lines: list[LineInput],
    external_reference: str = "",
    currency: str | None = None,
    acting_user=None,
    then=None,
) -> tuple[SalesOrder, bool]:
    """Create a DRAFT order; returns (order, created).

    The same external reference for the same customer returns the existing order (a client
    retrying a request must not create a second order), unless the body differs: Conflict.
    `then(order, lines)` runs in the creating transaction (submit at entry), so a refusal there
    creates nothing. With an external reference the order is looked up first (one indexed
    read), so a resend finds its order without an insert that the unique constraint refuses
    (an error in the database's log each time); the constraint still settles two requests
    racing. The new order carries its committed lines in `entered_lines` (what the API
    answers with when the database goes away between the commit and the read-back).
    """
    currency = (currency or settings.CURRENCY).upper()
    if currency != settings.CURRENCY:
        raise BusinessRuleError(
            f"Orders are taken in {settings.CURRENCY} only (got {currency}).", field="currency"
        )
    today = timezone.localdate()
    lines_check(lines, today)
    external_reference = external_reference.strip()
    if external_reference:
        existing = SalesOrder.objects.filter(
            customer=customer, external_reference=external_reference
        ).first()
        if existing is not None:
            return existing_or_conflict(existing, currency, lines), False
    inserted = False
    try:
        with use_case():
            order = SalesOrder.objects.create(
                number=document_number_next(DocumentType.SALES_ORDER),
                customer=customer,
                external_reference=external_reference,
                currency=currency,
                created_by=user_or_none(acting_user),
            )
            inserted = True  # past the unique (customer, external reference): not a retry
            order_lines = insert_rows(
                line_row(order, number, line, today) for number, line in enumerate(lines, start=1)
            )
            change_log(
                document=order, to_value=order.status, acting_user=acting_user, reason="entered"
            )
            if then is not None:
                then(order, order_lines)
    except IntegrityError:
        if inserted:
            raise
        # A retry, or a concurrent request with the same external reference won the race.
        existing = (
            SalesOrder.objects.filter(customer=customer, external_reference=external_reference)
            .exclude(external_reference="")
            .first()
        )
        if existing is None:
            raise
        return existing_or_conflict(existing, currency, lines), False
    order.entered_lines = order_lines
    return order, True


def existing_or_conflict(order, currency, lines):
    """The order already entered with this external reference, or 409 when its lines differ."""
    if not _same_order(order, currency, lines):
        raise Conflict(
            f"Order {order.number} already has external reference "
            f"“{order.external_reference}” for this customer, with other lines.",
            field="external_reference",
        )
    return order


def _customer_po_taken(customer: Customer, external_reference: str, order: SalesOrder) -> None:
    if not external_reference:
        return
    other = (
        SalesOrder.objects.filter(customer=customer, external_reference=external_reference)
        .exclude(pk=order.pk)
        .only("number")
        .first()
    )
    if other is not None:
        raise Conflict(
            f"Order {other.number} already has customer PO “{external_reference}” for "
            f"customer {customer.number}.",
            field="external_reference",
        )


def _draft_line_change(line: FulfillmentLine, new: LineInput, today, acting_user) -> bool:
    """Apply what was entered for a draft line, logging each field that changed."""
    price = new.unit_price
    if price is None:  # a new item takes its list price; the same item keeps its price
        price = line.unit_price if new.item.pk == line.item_id else new.item.list_price
    ship_from = new.ship_from.pk if new.ship_from else None
    changes = [
        ("item", line.item.sku, new.item.sku, {"item": new.item}),
        ("quantity", qty(line.quantity), qty(new.quantity), {"quantity": new.quantity}),
        ("unit_price", line.unit_price, price, {"unit_price": price}),
        (
            "requested_ship_date",
            line.requested_ship_date,
            new.requested_ship_date or today,
            {"requested_ship_date": new.requested_ship_date or today},
        ),
        (
            "ship_from",
            line.ship_from.code if line.ship_from_id else "",
            new.ship_from.code if new.ship_from else "",
            {"ship_from_id": ship_from},
        ),
    ]
    changed = False
    for field, before, after, values in changes:
        if before == after:
            continue
        for name, value in values.items():
            setattr(line, name, value)
        change_log(
            document=line,
            field=field,
            from_value=before,
            to_value=after,
            acting_user=acting_user,
            demand_line_id=line.pk,
            reason="draft edited",
        )
        changed = True
    return changed


def sales_order_draft_update(
    *,
    order: SalesOrder,
    customer: Customer,
    lines: list[LineInput],
    external_reference: str = "",
    acting_user=None,
    then=None,
) -> SalesOrder:
    """Change a DRAFT order before it is submitted: its customer, customer PO and lines.

    Nothing is promised or reserved for a draft, so its lines may change freely: an input
    naming one of its draft lines (`line_number`) changes that line, an input without a number
    is added after the last line, and a draft line left out is removed. Cancelled lines stay as
    they are. Once submitted an order changes line by line (its supply follows), not here.
    The same rules as at entry hold (quantities, dates, amounts, one customer PO per
    customer). `then(order)` runs in the same transaction (submit on save), so a refused
    submit changes nothing.
    """
    today = timezone.localdate()
    lines_check(lines, today)
    external_reference = external_reference.strip()
    with use_case():
        order = SalesOrder.objects.select_for_update().select_related("customer").get(pk=order.pk)
        current = list(
            order.lines.select_for_update(of=("self",)).select_related("item", "ship_from")
        )
        drafts = {line.line_number: line for line in current if line.status == LineStatus.DRAFT}
        if order.status != SalesOrder.Status.DRAFT:
            raise InvalidTransition(
                f"Order {order.number} is {order.get_status_display().lower()}: only a draft "
                "is edited this way; change its lines one by one on its page."
            )
        unknown = [
            new.line_number
            for new in lines
            if new.line_number is not None and new.line_number not in drafts
        ]
        numbers = [new.line_number for new in lines if new.line_number is not None]
        if unknown or len(numbers) != len(set(numbers)):
            raise BusinessRuleError(
                f"Order {order.number} has no draft line {(unknown or numbers)[0]} to change "
                "(or it was entered twice): reload the order.",
                field="lines",
            )
        header = [
            ("customer", order.customer.number, customer.number, {"customer": customer}),
            (
                "external_reference",
                order.external_reference,
                external_reference,
                {"external_reference": external_reference},
            ),
        ]
        if (customer.pk, external_reference) != (order.customer_id, order.external_reference):
            _customer_po_taken(customer, external_reference, order)
        for field, before, after, values in header:
            if before == after:
                continue
            for name, value in values.items():
                setattr(order, name, value)
            order.save(update_fields=[next(iter(values))])
            change_log(
                document=order,
                field=field,
                from_value=before,
                to_value=after,
                acting_user=acting_user,
                reason="draft edited",
            )
        kept = set(numbers)
        for number, line in sorted(drafts.items()):
            if number in kept:
                continue
            change_log(
                document=order,
                field="lines",
                from_value=f"line {number}: {qty(line.quantity)} {line.item.sku}",
                to_value="removed",
                acting_user=acting_user,
                reason="draft edited",
            )
            line.delete()
        changed = [
            drafts[new.line_number]
            for new in lines
            if new.line_number is not None
            and _draft_line_change(drafts[new.line_number], new, today, acting_user)
        ]
        if changed:
            FulfillmentLine.objects.bulk_update(
                changed,
                ["item", "quantity", "unit_price", "requested_ship_date", "ship_from"],
            )
        next_number = max((line.line_number for line in current), default=0) + 1
        added = insert_rows(
            line_row(order, number, new, today)
            for number, new in enumerate(
                (new for new in lines if new.line_number is None), start=next_number
            )
        )
        for line in added:
            change_log(
                document=line,
                to_value=line.status,
                acting_user=acting_user,
                demand_line_id=line.pk,
                reason="added to the draft",
            )
        if then is not None:
            then(order)
    return order


def line_split(
    *, line: FulfillmentLine, quantity: Decimal, acting_user=None, reason: str, status: str = ""
):
    """Split `quantity` off a line into a new line (next free number, split_from = line).

    The new line starts in `status` (DRAFT unless told) with the original's item, price, dates,
    ship-from, promise and supply type; the original keeps its number, the rest of the
    quantity, its pegging and its status.
    """
    if not 0 < quantity < line.quantity:
        raise BusinessRuleError(
            f"Can only split between 0 and {line.quantity} off line {line.line_number}.",
            field="quantity",
        )
    next_number = (
        FulfillmentLine.objects.filter(order_id=line.order_id).aggregate(n=Max("line_number"))["n"]
        + 1
    )
    line.quantity -= quantity
    line.save(update_fields=["quantity"])
    new_line = split_row(line, quantity, next_number, status=status)
    new_line.save(force_insert=True)
    split_logged(line, new_line, reason, acting_user)
    return new_line


def split_row(
    line: FulfillmentLine, quantity: Decimal, number: int, *, status: str = ""
) -> FulfillmentLine:
    """The unsaved line split off `line` (whose quantity the caller has already reduced): the
    original's item, price, dates and ship-from; in `status` (DRAFT unless told) with the
    original's promise and supply type when a status is given."""
    return FulfillmentLine(
        order_id=line.order_id,
        line_number=number,
        item_id=line.item_id,
        quantity=quantity,
        unit_price=line.unit_price,
        requested_ship_date=line.requested_ship_date,
        ship_from_id=line.ship_from_id,
        split_from=line,
        status=status or LineStatus.DRAFT,
        **(
            {
                "supply_type": line.supply_type,
                "promised_ship_date": line.promised_ship_date,
                "scheduled_ship_date": line.scheduled_ship_date,
                "jeopardy_days": line.jeopardy_days,
            }
            if status
            else {}
        ),
    )


def split_logged(line: FulfillmentLine, new_line: FulfillmentLine, reason: str, acting_user):
    """The log of a split, on both lines (the new line saved)."""
    quantity = new_line.quantity
    change_log(
        document=line,
        field="quantity",
        from_value=line.quantity + quantity,
        to_value=line.quantity,
        acting_user=acting_user,
        demand_line_id=line.pk,
        reason=f"{reason}: {qty(quantity)} split to line {new_line.line_number}",
    )
    change_log(
        document=new_line,
        to_value=new_line.status,
        acting_user=acting_user,
        demand_line_id=new_line.pk,
        reason=f"split from line {line.line_number}: {reason}",
    )


def line_reschedule(
    *, line: FulfillmentLine, scheduled: datetime.date, acting_user=None, reason: str = ""
) -> FulfillmentLine:
    """Move a line's scheduled ship date: the first schedule is also the promise;
    jeopardy_days = max(0, scheduled - promised). Sets the fields; the caller saves."""
    before = line.scheduled_ship_date
    line.scheduled_ship_date = scheduled
    if line.promised_ship_date is None:
        line.promised_ship_date = scheduled
    line.jeopardy_days = max(0, (scheduled - line.promised_ship_date).days)
    line.jeopardy_reason = reason[:200] if line.jeopardy_days else ""
    if before != scheduled:
        change_log(
            document=line,
            field="scheduled_ship_date",
            from_value=before,
            to_value=scheduled,
            acting_user=acting_user,
            demand_line_id=line.pk,
            reason=reason,
        )
    return line


def sales_order_status(statuses: set[str]) -> str:
    """The order status rolled up from its lines' statuses (docs/architecture.md)."""
    done = {LineStatus.CLOSED, LineStatus.CANCELLED}
    if statuses - {LineStatus.CANCELLED} == {LineStatus.DRAFT}:
        return SalesOrder.Status.DRAFT
    if statuses == {LineStatus.CANCELLED}:
        return SalesOrder.Status.CANCELLED
    if statuses <= done:
        return SalesOrder.Status.CLOSED
    return SalesOrder.Status.PROCESSING


def sales_order_refresh_status(
    *, order: SalesOrder, acting_user=None, statuses: set[str] | None = None, **also
) -> SalesOrder:
    """Roll one order's status up from its lines: sales_orders_refresh_status for one order
    (`statuses` those of all its lines when the caller has them all in hand)."""
    sales_orders_refresh_status(
        orders=[order],
        acting_user=acting_user,
        statuses=None if statuses is None else {order.pk: statuses},
        **also,
    )
    return order


def sales_orders_refresh_status(
    *, orders, acting_user=None, statuses=None, **also
) -> list[SalesOrder]:
    """Roll the status of orders up from their lines, set-based, the one implementation for
    every size: one read of their lines' statuses (none when the caller has them all in hand:
    `statuses` by order id), one UPDATE per status reached (`also` other fields of the orders
    written in it: submit's submitted_at — then the orders that keep their status get one
    UPDATE of those too), a log entry per order that moved."""
    orders = list(orders)
    if statuses is None:
        statuses = defaultdict(set)
        rows = FulfillmentLine.objects.filter(order__in=orders).values_list("order_id", "status")
        for order_id, status in rows:
            statuses[order_id].add(status)
    groups: dict[str | None, list[SalesOrder]] = defaultdict(list)  # None: keeps its status
    for order in orders:
        status = sales_order_status(statuses.get(order.pk, set()))
        groups[status if status != order.status else None].append(order)
    for status, group in groups.items():
        changes = dict(also) if status is None else {"status": status, **also}
        if changes:
            SalesOrder.objects.filter(pk__in=[order.pk for order in group]).update(**changes)
        for order in group:
            if status is not None:
                before, order.status = order.status, status
                change_log(
                    document=order, from_value=before, to_value=status, acting_user=acting_user
                )
            for field, value in also.items():
                setattr(order, field, value)
    return orders
