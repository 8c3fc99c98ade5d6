"""The one order in which use cases lock rows, so that two of them never wait on each other
in a circle (PostgreSQL; SQLite serialises writers anyway):

    shipments → sales orders and their lines → purchase orders → PO lines
    → supply orders → balances

Sales orders are locked in id order, each with its lines (in id order) right after it; every
use case locks an order before any of its lines. Each helper locks its rows in that order
and only the tables it names (`of=`).
"""

from orders.models import FulfillmentLine


def lock_orders_and_lines(line_ids) -> dict[int, FulfillmentLine]:
    """Lock these lines and their sales orders in one statement (each order, then its lines,
    in id order); returns the locked lines by id, with their item and order."""
    rows = (
        FulfillmentLine.objects.select_for_update(of=("self", "order"))
        .select_related("item", "order")
        .filter(pk__in=sorted(set(line_ids)))
        .order_by("order_id", "pk")
    )
    return {line.pk: line for line in rows}
