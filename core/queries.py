"""Query expressions shared by the selectors of several apps."""

import time

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


# Below this many rows one INSERT … RETURNING is as fast as COPY and one statement fewer, so
# the one-at-a-time paths keep their statement counts and only batches take the COPY path.
COPY_THRESHOLD = 200


def insert_rows(objs) -> list:
    """Insert many new rows of one model; `bulk_create` without conflicts handling, faster.

    On PostgreSQL, from COPY_THRESHOLD rows: the primary keys come from the table's sequence
    in one statement, then the rows go in by `COPY … FROM STDIN` — no INSERT text with a
    placeholder per value for Django to compose and the driver to parse, which is where a
    bulk INSERT of thousands of rows spends its time. The objects get their primary keys, as
    from `bulk_create`; a constraint violation is Django's IntegrityError, as from
    `bulk_create`. Two statements whatever the number of rows. Otherwise Django's bulk_create.
    """
    objs = list(objs)
    if not objs:
        return objs
    model = type(objs[0])
    connection = connections[router.db_for_write(model)]
    if connection.vendor != "postgresql" or len(objs) < COPY_THRESHOLD:
        return model.objects.bulk_create(objs)
    meta = model._meta
    quote = connection.ops.quote_name
    fields = [f for f in meta.concrete_fields if not getattr(f, "generated", False)]
    for obj in objs:
        obj._prepare_related_fields_for_save(operation_name="insert_rows")
    started = time.monotonic()
    with connection.cursor() as cursor:
        missing = [obj for obj in objs if obj.pk is None]
        if missing:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [meta.db_table, meta.pk.column, len(missing)],
            )
            for obj, (value,) in zip(missing, cursor.fetchall(), strict=True):
                obj.pk = value
        columns = ", ".join(quote(f.column) for f in fields)
        sql = f"COPY {quote(meta.db_table)} ({columns}) FROM STDIN"
        with connection.wrap_database_errors, cursor.cursor.copy(sql) as copy:
            for obj in objs:
                copy.write_row(
                    [f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields]
                )
    if connection.queries_logged:  # what CaptureQueriesContext and DEBUG show
        connection.queries_log.append(
            {"sql": f"{sql} -- {len(objs)} rows", "time": f"{time.monotonic() - started:.3f}"}
        )
    for obj in objs:
        obj._state.adding = False
        obj._state.db = connection.alias
    return objs
