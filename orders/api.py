"""Sales orders API (docs/api.md)."""

import datetime
from decimal import Decimal

from django.conf import settings
from django.db import DatabaseError
from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import ValidationError as PydanticValidationError

from billing.selectors import sales_order_line_views
from catalog.models import Customer, Item, Organization
from catalog.selectors import by_code
from core.api import (
    DateIn,
    FieldErrorOut,
    InputSchema,
    PlainText,
    Price,
    PriceIn,
    Quantity,
    QuantityIn,
    choice_filter,
    choice_of,
    field_errors,
    require_permission,
)
from core.exceptions import BusinessRuleError, FieldErrors
from core.outage import is_database_unavailable, read_while_unavailable
from core.paging import KeysFirstPagination
from orders import selectors
from orders.models import FulfillmentLine, SalesOrder
from orders.services import LineInput
from supply.models import SupplyOrder
from supply.selectors import LineView
from supply.services import (
    line_cancel,
    line_change,
    order_cancel,
    sales_order_enter,
    sales_order_submit,
)
from supply.services.bulk import OrderEntry, sales_orders_enter

router = Router(tags=["sales orders"])

Code = Field(min_length=1, max_length=40)


class LineIn(InputSchema):
    item: str = Code
    quantity: QuantityIn
    unit_price: PriceIn | None = None
    requested_ship_date: DateIn | None = None
    ship_from: str | None = Field(default=None, max_length=20)


class SalesOrderIn(InputSchema):
    customer: str = Code
    external_reference: PlainText = Field(default="", max_length=60)
    currency: str | None = Field(default=None, min_length=3, max_length=3)
    submit: bool = False
    lines: list[LineIn] = Field(min_length=1, max_length=500)


class CancelIn(InputSchema):
    reason: PlainText = Field(min_length=1, max_length=200)


class LineChangeIn(InputSchema):
    quantity: QuantityIn | None = None
    requested_ship_date: DateIn | None = None
    # Another organization ships the line: it is promised again there (docs/api.md).
    ship_from: str | None = Field(default=None, min_length=1, max_length=20)
    reason: PlainText = Field(default="", max_length=200)


class SalesOrderSummary(Schema):
    number: str
    customer: str = Field(alias="customer.number")
    external_reference: str
    status: choice_of(SalesOrder.Status)
    currency: str
    line_count: int


class CandidateOut(Schema):
    type: str
    supplier: str | None = None
    source_organization: str | None = None
    rank: int | None = None
    available_date: datetime.date | None = None
    feasible: bool
    reason: str


class SourcingOut(Schema):
    chosen: CandidateOut | None
    candidates: list[CandidateOut]


class DocumentOut(Schema):
    type: str
    number: str
    line_number: int | None
    status: str
    quantity: Quantity


class SupplyOut(Schema):
    number: str
    status: choice_of(SupplyOrder.Status)
    exception: str
    documents: list[DocumentOut]


class LineOut(Schema):
    line_number: int
    split_from: int | None
    item: str
    quantity: Quantity
    unit_price: Price
    status: choice_of(FulfillmentLine.Status)
    supply_type: str
    ship_from: str | None
    requested_ship_date: datetime.date
    promised_ship_date: datetime.date | None
    scheduled_ship_date: datetime.date | None
    jeopardy_days: int
    quantity_reserved: Quantity
    quantity_shipped: Quantity
    quantity_invoiced: Quantity
    supply: SupplyOut | None
    sourcing: SourcingOut | None


class SalesOrderOut(Schema):
    number: str
    customer: str
    external_reference: str
    status: choice_of(SalesOrder.Status)
    currency: str
    lines: list[LineOut]


def _document(tracking_line) -> dict:
    return {
        "type": tracking_line.document_type,
        "number": tracking_line.document_number,
        "line_number": tracking_line.document_line_number,
        "status": tracking_line.document_status,
        "quantity": tracking_line.quantity,
    }


def _sourcing(view: LineView) -> dict | None:
    decision = view.decision
    if decision is None:
        return None
    candidates = list(decision.candidates)
    chosen = next((c for c in candidates if c.get("chosen")), None)
    if decision.outcome == "ON_HAND":
        chosen = {
            "type": "ON_HAND",
            "source_organization": decision.organization.code if decision.organization else None,
            "available_date": decision.available_date,
            "feasible": True,
            "reason": decision.reason,
        }
    return {"chosen": chosen, "candidates": candidates}


def _line_fields(line: FulfillmentLine) -> dict:
    """What a line's own row says (the order answer and the answer from committed rows)."""
    return {
        "line_number": line.line_number,
        "split_from": line.split_from.line_number if line.split_from_id else None,
        "item": line.item.sku,
        "quantity": line.quantity,
        "unit_price": line.unit_price,
        "status": line.status,
        "supply_type": line.supply_type,
        "ship_from": line.ship_from.code if line.ship_from else None,
        "requested_ship_date": line.requested_ship_date,
        "promised_ship_date": line.promised_ship_date,
        "scheduled_ship_date": line.scheduled_ship_date,
        "jeopardy_days": line.jeopardy_days,
    }


def _line(view: LineView) -> dict:
    supply = view.supply_order
    return {
        **_line_fields(view.line),
        "quantity_reserved": view.quantity_reserved,
        "quantity_shipped": view.quantity_shipped,
        "quantity_invoiced": view.quantity_invoiced,
        "supply": {
            "number": supply.number,
            "status": supply.status,
            "exception": supply.exception_reason,
            "documents": [_document(d) for d in view.documents],
        }
        if supply
        else None,
        "sourcing": _sourcing(view),
    }


def order_out(order: SalesOrder) -> dict:
    return {
        "number": order.number,
        "customer": order.customer.number,
        "external_reference": order.external_reference,
        "status": order.status,
        "currency": order.currency,
        "lines": [_line(view) for view in sales_order_line_views(order)],
    }


def _get_order(number: str) -> SalesOrder:
    return get_object_or_404(SalesOrder.objects.select_related("customer"), number=number)


def _resolve(payload: SalesOrderIn) -> OrderEntry:
    """Natural keys to records; every unknown one is reported at once with its path."""
    entries, refused = _resolve_many({0: payload})
    if refused:
        raise refused[0]
    return entries[0]


@router.post("/sales-orders", response={200: SalesOrderOut, 201: SalesOrderOut})
def create_sales_order(request, payload: SalesOrderIn):
    """Create an order (and submit it with `"submit": true`). The same external_reference for
    the same customer answers 200 with the existing order; with another body, 409."""
    require_permission(request, "orders.add_salesorder")
    entry = _resolve(payload)
    order, created = sales_order_enter(
        customer=entry.customer,
        lines=entry.lines,
        external_reference=payload.external_reference,
        currency=payload.currency,
        acting_user=request.user,
        submit=payload.submit,
    )
    return Status(201 if created else 200, _read_back(order))


def _read_back(order: SalesOrder) -> dict:
    """The order as the database holds it once entered. When the database goes away between
    the commit and this read (a restart, a failover), the read is tried again for up to
    ORDER_READ_BACK_SECONDS; a new order is then answered as committed rather than as an
    error (docs/api.md): its lines without supply, sourcing or reserved quantities yet."""
    try:
        return read_while_unavailable(
            lambda: order_out(_get_order(order.number)),
            seconds=settings.ORDER_READ_BACK_SECONDS,
        )
    except DatabaseError as exc:
        entered = getattr(order, "entered_lines", None)
        if entered is None or not is_database_unavailable(exc):
            raise  # nothing was entered by this request: a 503 to send again, or a bug
        return order_as_committed(order, entered)


def order_as_committed(order: SalesOrder, lines: list[FulfillmentLine]) -> dict:
    """The answer for an order just committed, from the rows in hand (no query)."""
    none = Decimal(0)
    return {
        "number": order.number,
        "customer": order.customer.number,
        "external_reference": order.external_reference,
        "status": order.status,
        "currency": order.currency,
        "lines": [
            {
                **_line_fields(line),
                "quantity_reserved": none,
                "quantity_shipped": none,
                "quantity_invoiced": none,
                "supply": None,
                "sourcing": None,
            }
            for line in lines
        ],
    }


MAX_BATCH = 1000


class BatchIn(InputSchema):
    """Up to 1,000 orders, each as POST /sales-orders takes it (checked one by one)."""

    orders: list[dict] = Field(min_length=1, max_length=MAX_BATCH)


class BatchOrderOut(Schema):
    number: str
    status: choice_of(SalesOrder.Status)
    external_reference: str


class BatchResultOut(Schema):
    index: int
    status: int = Field(description="201 created, 200 already imported, 409 or 422 refused")
    order: BatchOrderOut | None = None
    errors: list[FieldErrorOut] | None = None
    detail: str | None = None


class BatchOut(Schema):
    results: list[BatchResultOut]


def _parsed(raw: dict, index: int, results: list) -> SalesOrderIn | None:
    try:
        return SalesOrderIn.model_validate(raw)
    except PydanticValidationError as invalid:
        errors = field_errors(invalid.errors())
        results[index] = {"index": index, "status": 422, "errors": errors}
        return None


def _resolve_many(
    payloads: dict[int, SalesOrderIn],
) -> tuple[dict[int, OrderEntry], dict[int, FieldErrors]]:
    """Natural keys to records for every order at once (three queries): the entries, and for
    an order with unknown references the 422 that names every field at fault."""
    # codes in any case, as people type them (catalog.selectors.by_code)
    customers = by_code(
        Customer.objects.select_related("default_ship_from"),
        "number",
        {p.customer for p in payloads.values()},
    )
    items = by_code(
        Item.objects.all(), "sku", {line.item for p in payloads.values() for line in p.lines}
    )
    orgs = by_code(
        Organization.objects.all(),
        "code",
        {line.ship_from for p in payloads.values() for line in p.lines if line.ship_from},
    )
    entries, refused = {}, {}
    for index, payload in payloads.items():
        errors = []
        if payload.customer not in customers:
            errors.append(("customer", f"Unknown customer “{payload.customer}”."))
        for n, line in enumerate(payload.lines):
            if line.item not in items:
                errors.append((f"lines[{n}].item", f"Unknown item “{line.item}”."))
            if line.ship_from and line.ship_from not in orgs:
                message = f"Unknown organization “{line.ship_from}”."
                errors.append((f"lines[{n}].ship_from", message))
        if errors:
            refused[index] = FieldErrors(errors)
            continue
        entries[index] = OrderEntry(
            customer=customers[payload.customer],
            external_reference=payload.external_reference,
            currency=payload.currency,
            submit=payload.submit,
            lines=[
                LineInput(
                    item=items[line.item],
                    quantity=line.quantity,
                    unit_price=line.unit_price,
                    requested_ship_date=line.requested_ship_date,
                    ship_from=orgs.get(line.ship_from) if line.ship_from else None,
                )
                for line in payload.lines
            ],
        )
    return entries, refused


def _refused(index: int, error: BusinessRuleError) -> dict:
    if isinstance(error, FieldErrors):
        errors = [{"field": field, "message": message} for field, message in error.errors]
    else:
        errors = [{"field": error.field, "message": error.message}] if error.field else []
    return {"index": index, "status": error.status, "errors": errors, "detail": error.message}


@router.post("/sales-orders/batch", response=BatchOut)
def create_sales_orders_batch(request, payload: BatchIn):
    """Import up to 1,000 orders in one request, each checked on its own: `results` holds one
    entry per order, in order — 201 created, 200 already imported with the same
    `external_reference` (the lines must match, else 409), 422 with its field errors. One bad
    order never rejects the others. Orders are created and promised set-based."""
    require_permission(request, "orders.add_salesorder")
    return {"results": sales_orders_import(payload.orders, acting_user=request.user)}


def sales_orders_import(raw_orders: list[dict], *, acting_user=None) -> list[dict]:
    """Check and enter orders as POST /sales-orders takes them, each on its own (the batch
    endpoint and `manage.py import_sales_orders`): one result per order, in order."""
    results: list = [None] * len(raw_orders)
    parsed = {}
    for index, raw in enumerate(raw_orders):
        order = _parsed(raw, index, results)
        if order is not None:
            parsed[index] = order
    entries, refused = _resolve_many(parsed)
    for index, error in refused.items():
        results[index] = _refused(index, error)
    indexes = list(entries)
    outcomes = sales_orders_enter([entries[i] for i in indexes], acting_user=acting_user)
    for index, outcome in zip(indexes, outcomes, strict=True):
        if outcome.error is not None:
            results[index] = _refused(index, outcome.error)
        else:
            order = outcome.order
            results[index] = {
                "index": index,
                "status": 201 if outcome.created else 200,
                "order": {
                    "number": order.number,
                    "status": order.status,
                    "external_reference": order.external_reference,
                },
            }
    return results


@router.get("/sales-orders", response=list[SalesOrderSummary])
@paginate(KeysFirstPagination)
def list_sales_orders(request, status: choice_filter(SalesOrder.Status) = "", customer: str = ""):
    require_permission(request, "orders.view_salesorder")
    return selectors.sales_orders(selectors.OrderFilters(status=status, customer=customer))


@router.get("/sales-orders/{number}", response=SalesOrderOut)
def get_sales_order(request, number: str):
    require_permission(request, "orders.view_salesorder")
    return order_out(_get_order(number))


@router.post("/sales-orders/{number}/submit", response=SalesOrderOut)
def submit_sales_order(request, number: str):
    require_permission(request, "orders.add_salesorder")
    sales_order_submit(order=_get_order(number), acting_user=request.user)
    return order_out(_get_order(number))


def _get_line(order: SalesOrder, line_number: int) -> FulfillmentLine:
    return get_object_or_404(order.lines, line_number=line_number)


@router.patch("/sales-orders/{number}/lines/{line_number}", response=SalesOrderOut)
def change_line(request, number: str, line_number: int, payload: LineChangeIn):
    """Change a line's quantity, requested ship date and/or ship-from; its supply follows
    (change orders, new supply for more, documents cut or cancelled for less, need-by dates
    moved; another ship-from: the old supply given back and the line promised again there).
    A shipped or cancelled line, or one on a shipment, answers 409."""
    require_permission(request, "orders.change_salesorder")
    if payload.quantity is None and payload.requested_ship_date is None and not payload.ship_from:
        raise FieldErrors([("quantity", "Give a new quantity, requested_ship_date or ship_from.")])
    ship_from = None
    if payload.ship_from:
        ship_from = by_code(Organization.objects.all(), "code", [payload.ship_from]).get(
            payload.ship_from
        )
        if ship_from is None:
            raise FieldErrors([("ship_from", f"Unknown organization {payload.ship_from}.")])
    order = _get_order(number)
    line_change(
        line=_get_line(order, line_number),
        quantity=payload.quantity,
        requested_ship_date=payload.requested_ship_date,
        ship_from=ship_from,
        reason=payload.reason,
        acting_user=request.user,
    )
    return order_out(_get_order(number))


@router.post("/sales-orders/{number}/lines/{line_number}/cancel", response=SalesOrderOut)
def cancel_line(request, number: str, line_number: int, payload: CancelIn):
    """Cancel a line that has not shipped: supply still to come is taken back (documents
    cancelled, a PO line cut by change order), reservations released."""
    require_permission(request, "orders.change_salesorder")
    order = _get_order(number)
    line_cancel(line=_get_line(order, line_number), reason=payload.reason, acting_user=request.user)
    return order_out(_get_order(number))


@router.post("/sales-orders/{number}/cancel", response=SalesOrderOut)
def cancel_order(request, number: str, payload: CancelIn):
    """Cancel every line of the order that has not shipped (409 while one is on a shipment)."""
    require_permission(request, "orders.change_salesorder")
    order_cancel(order=_get_order(number), reason=payload.reason, acting_user=request.user)
    return order_out(_get_order(number))
