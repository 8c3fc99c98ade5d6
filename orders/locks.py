"""The one order in which use cases lock rows, so that two of them never wait on each other
in a circle (PostgreSQL; SQLite serialises writers anyway):

    pick waves → shipments → sales orders → fulfillment lines → purchase orders → PO lines
    → requisition lines → work orders / transfer orders → supply orders → balances

Each helper locks its rows in primary-key order and only its own table (`of=("self",)`).
Orders and lines take two statements on purpose: one `FOR UPDATE OF line, order` would lock
each line before its order, against every path that locks the order first (cancel, submit).
"""

from django.db.models import QuerySet

from orders.models import FulfillmentLine, SalesOrder


def lock_orders_and_lines(line_ids) -> dict[int, FulfillmentLine]:
    """Lock the sales orders of these lines, then the lines; returns the locked lines by id.

    `line_ids` is an iterable of ids or a one-column QuerySet of them (then used as a subquery
    of both statements instead of being read first).
    """
    if not isinstance(line_ids, QuerySet):
        line_ids = sorted(set(line_ids))
    orders = FulfillmentLine.objects.filter(pk__in=line_ids).values("order_id")
    list(SalesOrder.objects.select_for_update().filter(pk__in=orders).order_by("pk").values("pk"))
    return {
        line.pk: line
        for line in FulfillmentLine.objects.select_for_update(of=("self",))
        .select_related("item", "order")
        .filter(pk__in=line_ids)
        .order_by("pk")
    }
