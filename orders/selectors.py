"""Read queries for order screens and the API: a constant number of queries per page."""

import datetime
from dataclasses import dataclass

from django.db.models import (
    Count,
    DateField,
    Exists,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Q,
    Sum,
)

from core.money import AMOUNT_FIELD, line_amount_sql
from core.queries import per_row
from orders.models import FulfillmentLine, SalesOrder

# A line a CSR must look at: backordered, or its supply in exception (the supply app's rows,
# reached by their relation name).
NEEDS_ATTENTION = Q(status=FulfillmentLine.Status.BACKORDERED) | Q(
    status__in=FulfillmentLine.OPEN_STATES, supply_orders__status="EXCEPTION"
)


def needs_attention() -> Exists:
    """NEEDS_ATTENTION as a flag on each row of a line query (`.annotate(needs_attention=…)`),
    without the join multiplying the rows: the one definition the worklist's filter and count
    and the order page's badge read."""
    return Exists(FulfillmentLine.objects.filter(NEEDS_ATTENTION, pk=OuterRef("pk")))


@dataclass(frozen=True)
class OrderFilters:
    status: str = ""
    customer: str = ""
    search: str = ""
    jeopardy: bool = False
    attention: bool = False
    ship_from: datetime.date | None = None  # requested ship date range
    ship_to: datetime.date | None = None
    line_status: str = ""  # a line in this status
    supply_type: str = ""  # a line of this supply type ("NONE": not sourced yet)
    shipped_from: datetime.date | None = None  # a line shipped in this range
    shipped_to: datetime.date | None = None


def _lines_of_order():
    return FulfillmentLine.objects.filter(order=OuterRef("pk")).values("order")


def order_total():
    """The order total: the sum of its line amounts (core.money's rounding per line), cancelled
    lines left out — the one definition the worklist, its CSV and the order page show."""
    live = _lines_of_order().exclude(status=FulfillmentLine.Status.CANCELLED)
    return per_row(live, Sum(line_amount_sql()), AMOUNT_FIELD, default=0)


def sales_order_page(number: str) -> SalesOrder:
    """The header of an order's page, with its total (DoesNotExist when there is none)."""
    return (
        SalesOrder.objects.select_related("customer", "created_by")
        .annotate(total=order_total())
        .get(number=number)
    )


def draft_lines(order: SalesOrder):
    """The lines a draft's edit form shows (cancelled ones stay as they are)."""
    return (
        order.lines.filter(status=FulfillmentLine.Status.DRAFT)
        .select_related("item", "ship_from")
        .order_by("line_number")
    )


def sales_orders_export(filters: OrderFilters = OrderFilters()):
    """Every order the worklist's filters select, for its CSV: the worklist's figures and the
    earliest requested ship date of the lines still counted."""
    live = _lines_of_order().exclude(status=FulfillmentLine.Status.CANCELLED)
    return sales_orders(filters).annotate(
        requested_date=per_row(live, Min("requested_ship_date"), DateField())
    )


def sales_orders(filters: OrderFilters = OrderFilters()):
    """Order headers with their line figures, newest first.

    The figures are subqueries, computed for the rows of a page only (a count leaves them out
    instead of grouping every order's lines). Line filters are EXISTS subqueries (one line must
    match them all).
    """
    lines = _lines_of_order()
    open_lines = lines.filter(status__in=FulfillmentLine.OPEN_STATES)
    rows = SalesOrder.objects.select_related("customer").annotate(
        line_count=per_row(lines, Count("pk"), IntegerField(), default=0),
        total=order_total(),
        next_ship_date=per_row(open_lines, Min("scheduled_ship_date"), DateField()),
        max_jeopardy=per_row(open_lines, Max("jeopardy_days"), IntegerField()),
        attention=per_row(
            lines.filter(NEEDS_ATTENTION), Count("pk", distinct=True), IntegerField(), default=0
        ),
    )
    if filters.status:
        rows = rows.filter(status=filters.status)
    if filters.customer:
        rows = rows.filter(customer__number=filters.customer)
    if filters.search:
        term = filters.search.strip()
        rows = rows.filter(Q(number__icontains=term) | Q(external_reference__icontains=term))
    line = Q()
    if filters.attention:
        line &= NEEDS_ATTENTION
    if filters.jeopardy:  # open lines only, as the dashboard counts them (shipped is done)
        line &= Q(jeopardy_days__gt=0, status__in=FulfillmentLine.OPEN_STATES)
    if filters.ship_from:
        line &= Q(requested_ship_date__gte=filters.ship_from)
    if filters.ship_to:
        line &= Q(requested_ship_date__lte=filters.ship_to)
    if filters.line_status:
        line &= Q(status=filters.line_status)
    if filters.supply_type:
        line &= Q(supply_type="" if filters.supply_type == "NONE" else filters.supply_type)
    if filters.shipped_from or filters.shipped_to:
        line &= _shipped_between(filters.shipped_from, filters.shipped_to)
    if line:
        rows = rows.filter(Exists(FulfillmentLine.objects.filter(line, order=OuterRef("pk"))))
    return rows.order_by("-id")


def _shipped_between(start: datetime.date | None, end: datetime.date | None) -> Q:
    """A line on a shipment confirmed between the dates (the warehouse's rows, reached by their
    relation name)."""
    shipped = Q(shipment_lines__active=True, shipment_lines__shipment__status="SHIPPED")
    if start:
        shipped &= Q(shipment_lines__shipment__ship_date__gte=start)
    if end:
        shipped &= Q(shipment_lines__shipment__ship_date__lte=end)
    return shipped
