"""Query expressions shared by the selectors of several apps."""

from django.db.models import Subquery, Value
from django.db.models.functions import Coalesce


def per_row(grouped_rows, aggregate, output_field, *, default=None):
    """`aggregate` over related rows, as a subquery evaluated for each row of the outer query.

    `grouped_rows` is correlated to the outer row (`OuterRef`) and grouped by that relation
    (`.values("order")`). Unlike an aggregate over a join, it is computed only for the rows
    the outer query returns (a page's rows) and a count of the outer query leaves it out.
    `default` replaces NULL, which is what no related rows give.
    """
    rows = grouped_rows.order_by().annotate(value=aggregate).values("value")
    value = Subquery(rows, output_field=output_field)
    if default is None:
        return value
    return Coalesce(value, Value(default), output_field=output_field)
