"""Read queries for order screens and the API: a constant number of queries per page."""

import datetime
from dataclasses import dataclass

from django.db.models import Count, Exists, Max, Min, OuterRef, Q

from orders.models import FulfillmentLine, SalesOrder


@dataclass(frozen=True)
class OrderFilters:
    status: str = ""
    customer: str = ""
    search: str = ""
    jeopardy: bool = False
    ship_from: datetime.date | None = None  # requested ship date range
    ship_to: datetime.date | None = None


def sales_orders(filters: OrderFilters = OrderFilters()):
    """Order headers with their line figures, newest first.

    Line filters are EXISTS subqueries (one line must match them all), so they never multiply
    the annotated figures.
    """
    rows = SalesOrder.objects.select_related("customer").annotate(
        line_count=Count("lines"),
        next_ship_date=Min(
            "lines__scheduled_ship_date",
            filter=Q(lines__status__in=FulfillmentLine.OPEN_STATES),
        ),
        max_jeopardy=Max("lines__jeopardy_days"),
    )
    if filters.status:
        rows = rows.filter(status=filters.status)
    if filters.customer:
        rows = rows.filter(customer__number=filters.customer)
    if filters.search:
        term = filters.search.strip()
        rows = rows.filter(Q(number__icontains=term) | Q(external_reference__icontains=term))
    line = Q()
    if filters.jeopardy:
        line &= Q(jeopardy_days__gt=0)
    if filters.ship_from:
        line &= Q(requested_ship_date__gte=filters.ship_from)
    if filters.ship_to:
        line &= Q(requested_ship_date__lte=filters.ship_to)
    if line:
        rows = rows.filter(Exists(FulfillmentLine.objects.filter(line, order=OuterRef("pk"))))
    return rows.order_by("-id")
