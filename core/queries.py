"""Query expressions shared by the selectors of several apps."""

from django.db import connections, router
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


def bulk_update_rows(objs, fields: list[str]) -> None:
    """Write `fields` of many rows of one model in one UPDATE.

    On PostgreSQL: `UPDATE … FROM (VALUES …)`, each value cast to its column's type — one
    statement whose cost grows with the rows, not Django's bulk_update CASE WHEN per row and
    field (which spends more time composing the statement than the database running it).
    Elsewhere, Django's bulk_update.
    """
    objs = list(objs)
    if not objs:
        return
    model = type(objs[0])
    connection = connections[router.db_for_write(model)]
    if connection.vendor != "postgresql":
        model.objects.bulk_update(objs, fields)
        return
    meta = model._meta
    columns = [meta.get_field(name) for name in fields]
    pk = meta.pk
    quote = connection.ops.quote_name
    casts = [f"%s::{pk.db_type(connection)}"] + [
        f"%s::{_column_type(c, connection)}" for c in columns
    ]
    row = "(" + ", ".join(casts) + ")"
    params = []
    for obj in objs:
        params.append(obj.pk)
        for column in columns:
            params.append(column.get_db_prep_save(getattr(obj, column.attname), connection))
    names = [quote(column.column) for column in columns]
    table = quote(meta.db_table)
    sql = (
        f"UPDATE {table} AS t SET "
        + ", ".join(f"{name} = v.{name}" for name in names)
        + f" FROM (VALUES {', '.join([row] * len(objs))}) AS v({quote(pk.column)}, "
        + ", ".join(names)
        + f") WHERE t.{quote(pk.column)} = v.{quote(pk.column)}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _column_type(field, connection) -> str:
    if field.is_relation:
        return field.target_field.rel_db_type(connection)
    return field.db_type(connection)
