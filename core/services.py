"""Shared use cases: the event log, document numbers, state transitions, API tokens."""

import contextvars
import gc
import hashlib
import secrets
from contextlib import contextmanager
from datetime import timedelta

from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.utils import timezone
from django_fsm import can_proceed, has_transition_perm

from core.documents import document_reference
from core.events import change_log_written
from core.exceptions import BusinessRuleError, InvalidTransition
from core.models import (
    GAPLESS_SERIES,
    ApiToken,
    DocumentCounter,
    DocumentType,
    TransitionLog,
    WorkerHeartbeat,
    number_sequence_name,
)
from core.queries import insert_rows


def _require_transaction(what: str) -> None:
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError(f"{what} must run inside the transaction that changes the document")


def user_or_none(acting_user):
    """The user to record on a document, or None for the system (a Celery task, an import)."""
    return acting_user if getattr(acting_user, "is_authenticated", False) else None


def change_log(
    *,
    document: models.Model,
    to_value: object,
    from_value: object = "",
    field: str = "status",
    acting_user=None,
    reason: str = "",
    demand_line_id: int | None = None,
) -> TransitionLog:
    """Record a change of a document's state, quantity, date or promise.

    Must be called inside the transaction that makes the change, so that the log and the change
    commit or roll back together. `acting_user=None` means the system (a Celery task). Inside
    a `use_case()` the entry is returned unsaved and inserted with the others at its end.
    """
    _require_transaction("change_log")
    entry = TransitionLog(
        **document_reference(document),
        demand_line_id=demand_line_id,
        field=field,
        from_value="" if from_value is None else str(from_value),
        to_value="" if to_value is None else str(to_value),
        reason=reason,
        actor_id=getattr(user_or_none(acting_user), "pk", None),
    )
    batch = _log_batch.get()
    if batch is None:
        entry.save(force_insert=True)
        change_log_written([entry])
    else:
        batch.append(entry)
    return entry


_log_batch: contextvars.ContextVar[list | None] = contextvars.ContextVar("log_batch", default=None)


@contextmanager
def gc_paused():
    """Pause Python's cycle collector while a batch builds its rows (usable as a decorator).

    A batch holds tens of thousands of model instances at once; the collector would walk them
    all again and again as they are created (a fifth to a third of a bulk import's time).
    Batches are bounded (CHUNK orders, a receipt's or a wave's line limit), so what they leave
    behind is collected when the collector resumes. Whoever paused it resumes it, so
    concurrent batches in threads never leave it paused.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


@contextmanager
def use_case():
    """The transaction of a use case with its change log written in one INSERT at the end:
    `with use_case():` is `transaction.atomic()` + `change_log_batch()`. A step whose error
    the caller catches and recovers from must be its own `use_case()` (its savepoint and its
    log entries then roll back together)."""
    with transaction.atomic(), change_log_batch():
        yield


@contextmanager
def change_log_batch():
    """Write the change log of a use case in one INSERT, when the use case ends.

    Use it through `use_case()`, inside the use case's transaction: the entries are inserted
    before that transaction commits, so they still commit or roll back
    with the changes. A nested batch joins the outer one; when its block raises, the entries it
    added are dropped (their savepoint rolled back), so a caught error logs nothing.
    """
    batch = _log_batch.get()
    if batch is not None:
        start = len(batch)
        try:
            yield
        except BaseException:
            del batch[start:]
            raise
        return
    batch = []
    token = _log_batch.set(batch)
    try:
        yield
    finally:
        _log_batch.reset(token)
    if batch:
        _require_transaction("change_log_batch")
        insert_rows(batch)
        change_log_written(batch)


def field_change(
    document: models.Model,
    field: str,
    value,
    *,
    acting_user=None,
    demand_line_id: int | None = None,
    reason: str = "",
) -> bool:
    """Set one field of a document to `value`, save it and log the change (from → to); a
    value that is None or unchanged writes nothing. Returns whether it changed."""
    before = getattr(document, field)
    if value is None or value == before:
        return False
    setattr(document, field, value)
    document.save(update_fields=[field])
    change_log(
        document=document,
        field=field,
        from_value=before,
        to_value=value,
        acting_user=acting_user,
        demand_line_id=demand_line_id,
        reason=reason,
    )
    return True


def transition(
    document: models.Model,
    name: str,
    *,
    acting_user=None,
    reason: str = "",
    demand_line_id: int | None = None,
    save: bool = True,
    consequence: bool = False,
    **kwargs,
) -> TransitionLog:
    """Move a document through the django-fsm transition `name`, save it and log it.

    Refuses (InvalidTransition) a move the state machine does not allow from the current state,
    and (PermissionDenied) one whose transition permission the acting user lacks; the caller
    holds the row lock and the transaction. `save=False` when the caller moves the document on
    again and saves once (every move is still logged). A `consequence` is a move the rules make
    follow from the user's own change (a PO line cancelled because its sales order line was):
    logged with the user, without the transition's own permission.
    """
    _require_transaction("transition")
    method = getattr(document, name)
    state_field = method._django_fsm.field
    state_name = state_field if isinstance(state_field, str) else state_field.name
    before = getattr(document, state_name)
    label = f"{document._meta.verbose_name} {getattr(document, 'number', '') or document.pk}"
    if not can_proceed(method):
        raise InvalidTransition(f"Cannot {name.replace('_', ' ')} {label}: it is {before}.")
    if acting_user is not None and not consequence and not has_transition_perm(method, acting_user):
        raise PermissionDenied(f"You may not {name.replace('_', ' ')} {label}.")
    method(**kwargs)
    if save:
        document.save()
    return change_log(
        document=document,
        from_value=before,
        to_value=getattr(document, state_name),
        field=state_name,
        acting_user=acting_user,
        reason=reason,
        demand_line_id=demand_line_id,
    )


def document_number_next(document_type: DocumentType | str) -> str:
    """The next number of a document type (`PO-000042`)."""
    return document_numbers_next(document_type, 1)[0]


def document_numbers_next(document_type: DocumentType | str, count: int) -> list[str]:
    """The next `count` numbers of a document type, ascending, in one statement.

    A gapless series (GAPLESS_SERIES: invoices) bumps its counter row in the caller's
    transaction: the update locks the row until commit, so concurrent creators queue on it and
    a rollback gives the numbers back. Other series take them from a sequence on PostgreSQL:
    nobody waits, and a rolled-back document leaves a gap.
    """
    _require_transaction("document_number_next")
    prefix = DocumentType(document_type).value
    connection = transaction.get_connection()
    if connection.vendor == "postgresql" and prefix not in GAPLESS_SERIES:
        values = _sequence_next(connection, prefix, count)
    else:
        last = _counter_increment(prefix, count)
        if last is None:
            DocumentCounter.objects.bulk_create(
                [DocumentCounter(prefix=prefix, last_value=0)], ignore_conflicts=True
            )
            last = _counter_increment(prefix, count)
        values = range(last - count + 1, last + 1)
    return [f"{prefix}-{value:06d}" for value in values]


def _sequence_next(connection, prefix: str, count: int) -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(%s) FROM generate_series(1, %s)",
            [number_sequence_name(prefix), count],
        )
        return sorted(row[0] for row in cursor.fetchall())


def _counter_increment(prefix: str, count: int) -> int | None:
    """One statement: bump the counter and read the new value (None: no counter row yet)."""
    connection = transaction.get_connection()
    table = connection.ops.quote_name(DocumentCounter._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET last_value = last_value + %s WHERE prefix = %s "
            "RETURNING last_value",
            [count, prefix],
        )
        row = cursor.fetchone()
    return None if row is None else row[0]


# --- API tokens ------------------------------------------------------------------------------

TOKEN_PREFIX = "b2b_"
TOKEN_MAX_DAYS = 3650  # ten years: longer is "until revoked", which says so
_TOKEN_TOUCH_INTERVAL = timedelta(minutes=1)


def _token_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def api_token_create(*, user, name: str, days: int | None = None) -> tuple[ApiToken, str]:
    """Issue a personal API token, valid for `days` (None: until revoked); the returned key
    is the only time it is ever shown. A validity of 0 or fewer days (a token dead on arrival,
    or read as "forever") or over TOKEN_MAX_DAYS is refused."""
    if days is not None and not 1 <= days <= TOKEN_MAX_DAYS:
        raise BusinessRuleError(
            f"A token is valid for 1 to {TOKEN_MAX_DAYS} days; leave the days out for a token "
            "valid until revoked.",
            field="days",
        )
    key = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name.strip() or "API token",
        prefix=key[:12],
        key_hash=_token_hash(key),
        expires_at=None if days is None else timezone.now() + timedelta(days=days),
    )
    return token, key


def api_token_revoke(*, token: ApiToken) -> ApiToken:
    """Revoke a token for good; requests with it are refused from now on."""
    ApiToken.objects.filter(pk=token.pk, revoked_at=None).update(revoked_at=timezone.now())
    token.refresh_from_db()
    return token


def api_token_authenticate(key: str):
    """The active user a token belongs to, or None for an unknown, revoked or expired token."""
    if not key.startswith(TOKEN_PREFIX):
        return None
    now = timezone.now()
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=_token_hash(key), revoked_at=None, user__is_active=True)
        .filter(models.Q(expires_at=None) | models.Q(expires_at__gt=now))
        .first()
    )
    if token is None:
        return None
    if token.last_used_at is None or now - token.last_used_at > _TOKEN_TOUCH_INTERVAL:
        # At most one write a minute per token: a busy integration must not write on every call.
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


def worker_heartbeat_record(*, hostname: str) -> WorkerHeartbeat:
    heartbeat, _ = WorkerHeartbeat.objects.update_or_create(
        hostname=hostname, defaults={"seen_at": timezone.now()}
    )
    return heartbeat
