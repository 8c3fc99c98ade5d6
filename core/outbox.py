"""The transactional outbox: side effects owed after a business change, sent at least once.

A service writes a message with `outbox_write()` inside the transaction of its change, so the
message exists exactly when the change does. After commit the relay task is sent; the beat
runs the relay too (the safety net for a lost task or a killed worker). The relay leases a due
message, runs its topic's handler outside any transaction (an email may take seconds), then
marks it delivered. A handler that raises is tried again with exponential backoff, and after
`OUTBOX_MAX_ATTEMPTS` the message is FAILED, shown in the admin, where "Retry" sends it again.
A relay killed between the lease and "delivered" leaves the lease to run out: the message is
sent again (at least once; handlers skip work that a previous attempt finished).

Handlers are registered per topic by the app that owns the side effect (`core` imports no
later app), from its AppConfig.ready().
"""

import logging
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from core.enqueue import enqueue_on_commit
from core.models import OutboxMessage

logger = logging.getLogger(__name__)

RELAY_TASK = "core.relay_outbox"
_handlers: dict[str, Callable[[dict], None]] = {}


def outbox_handler(topic: str):
    """Register the function that performs the side effect of `topic` (called with the
    payload; raising means "try again later")."""

    def register(function):
        _handlers[topic] = function
        return function

    return register


def outbox_write(*, topic: str, key: str, payload: dict) -> tuple[OutboxMessage, bool]:
    """Owe a side effect: inside the business transaction, once per `key`. Returns the
    message and whether it was new (an existing one is left as it is)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("outbox_write must run inside the transaction of the change")
    message, created = OutboxMessage.objects.get_or_create(
        key=key, defaults={"topic": topic, "payload": payload}
    )
    if created:
        enqueue_on_commit(RELAY_TASK)
    return message, created


def outbox_retry(*, message: OutboxMessage) -> OutboxMessage:
    """Send a FAILED message again (the admin's "Retry"), with a fresh set of attempts."""
    with transaction.atomic():
        message = OutboxMessage.objects.select_for_update().get(pk=message.pk)
        message.retry()
        message.save()
        enqueue_on_commit(RELAY_TASK)
    return message


def backoff(attempts: int) -> timedelta:
    """The wait before attempt `attempts + 1`: doubling from OUTBOX_BACKOFF_SECONDS, capped."""
    seconds = settings.OUTBOX_BACKOFF_SECONDS * 2 ** max(attempts - 1, 0)
    return timedelta(seconds=min(seconds, settings.OUTBOX_BACKOFF_MAX_SECONDS))


def _due(now):
    return OutboxMessage.objects.filter(
        status=OutboxMessage.Status.PENDING, next_attempt_at__lte=now
    ).filter(Q(locked_until__isnull=True) | Q(locked_until__lte=now))


def _lease(limit: int) -> list[OutboxMessage]:
    """Take up to `limit` due messages for this relay (SKIP LOCKED: relays running at the same
    time take different ones; on SQLite the writers queue instead)."""
    now = timezone.now()
    with transaction.atomic():
        messages = list(
            _due(now).select_for_update(skip_locked=True).order_by("next_attempt_at", "id")[:limit]
        )
        lease = now + timedelta(seconds=settings.OUTBOX_LEASE_SECONDS)
        for message in messages:
            message.attempts += 1
            message.locked_until = lease
        OutboxMessage.objects.bulk_update(messages, ["attempts", "locked_until"])
    return messages


def _settle(message: OutboxMessage, error: Exception | None) -> None:
    with transaction.atomic():
        current = OutboxMessage.objects.select_for_update().get(pk=message.pk)
        if current.status != OutboxMessage.Status.PENDING:
            return  # settled by another relay whose lease ran out on this one
        if error is None:
            current.deliver()
        else:
            current.last_error = f"{type(error).__name__}: {error}"[:2000]
            if current.attempts >= settings.OUTBOX_MAX_ATTEMPTS:
                current.fail()
                logger.error("Outbox %s failed for good: %s", current.key, current.last_error)
            else:
                current.locked_until = None
                current.next_attempt_at = timezone.now() + backoff(current.attempts)
                logger.warning(
                    "Outbox %s attempt %d failed, next at %s: %s",
                    current.key,
                    current.attempts,
                    current.next_attempt_at,
                    current.last_error,
                )
        current.save()


# Messages leased at a time: each may take up to EMAIL_TIMEOUT (30 s), and all of a lease must
# be done before OUTBOX_LEASE_SECONDS (300 s), or another relay would send them again.
LEASE_BATCH = 5


def outbox_relay(*, limit: int = 100) -> int:
    """Perform up to `limit` due side effects; returns how many were delivered."""
    delivered = tried = 0
    while tried < limit and (batch := _lease(min(LEASE_BATCH, limit - tried))):
        tried += len(batch)
        for message in batch:
            handler = _handlers.get(message.topic)
            try:
                if handler is None:
                    raise LookupError(f"no handler for outbox topic {message.topic!r}")
                handler(message.payload)
            except Exception as exc:
                _settle(message, exc)
            else:
                _settle(message, None)
                delivered += 1
    return delivered


def outbox_due_count() -> int:
    return _due(timezone.now()).count()
