"""Query expressions shared by the selectors of several apps."""

import datetime as dt
import time
from decimal import Decimal

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

    On PostgreSQL: `UPDATE … FROM unnest(…)`, one array of values per column cast to the
    column's type — one statement with one parameter per column whatever the number of rows,
    not Django's bulk_update CASE WHEN per row and field (which spends more time composing
    the statement than the database running it). Elsewhere, Django's bulk_update.
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
    pk = meta.pk
    columns = [pk] + [meta.get_field(name) for name in fields]
    arrays = [[_db_value(column, obj, connection) for obj in objs] for column in columns]
    quote = connection.ops.quote_name
    names = [quote(column.column) for column in columns]
    sql = (
        f"UPDATE {quote(meta.db_table)} AS t SET "
        + ", ".join(f"{name} = v.{name}" for name in names[1:])
        + " FROM unnest("
        + ", ".join(f"%s::{_column_type(column, connection)}[]" for column in columns)
        + f") AS v({', '.join(names)}) WHERE t.{names[0]} = v.{names[0]}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, arrays)


# The Python types PostgreSQL takes as they are: for them a field's conversion to the
# database value is the identity (Django's PostgreSQL backend adapts nothing further).
_AS_IS = frozenset({int, str, bool, Decimal, dt.date})


def _db_value(field, obj, connection, *, set_on_insert: bool = False):
    """`field.get_db_prep_save(value)`, without the call for the plain values most fields hold
    (it costs more than the rest of writing a row); `set_on_insert` fields (auto_now_add) take
    their value from `pre_save`, as Django's inserts do."""
    value = field.pre_save(obj, True) if set_on_insert else getattr(obj, field.attname)
    if _is_plain(value):
        return value
    return field.get_db_prep_save(value, connection)


def _is_plain(value) -> bool:
    return (
        value is None
        or type(value) in _AS_IS
        or isinstance(value, str)
        or (type(value) is dt.datetime and value.tzinfo is not None)
    )


def _set_on_insert(field) -> bool:
    return getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)


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
    relations = [f for f in fields if f.is_relation]
    for obj in objs:
        # Django's check and fill-in of foreign keys assigned as objects, for the rows where a
        # key is still empty (an object saved since, or an unsaved one: refused).
        if any(getattr(obj, f.attname) is None and f.is_cached(obj) for f in relations):
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
        stamps = [(f, _set_on_insert(f)) for f in fields]
        with connection.wrap_database_errors, cursor.cursor.copy(sql) as copy:
            for obj in objs:
                row = [_db_value(f, obj, connection, set_on_insert=s) for f, s in stamps]
                copy.write_row(row)
    if connection.queries_logged:  # what CaptureQueriesContext and DEBUG show
        connection.queries_log.append(
            {"sql": f"{sql} -- {len(objs)} rows", "time": f"{time.monotonic() - started:.3f}"}
        )
    for obj in objs:
        obj._state.adding = False
        obj._state.db = connection.alias
    return objs
