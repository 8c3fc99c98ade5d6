"""The transactional outbox: side effects owed after a business change, sent at least once.

A service writes a message with `outbox_write()` inside the transaction of its change, so the
message exists exactly when the change does. After commit the relay task is sent; the beat
runs the relay too (the safety net for a lost task or a killed worker). The relay leases a due
message, runs its topic's handler outside any transaction (an email may take seconds), then
marks it delivered. A handler that raises is tried again with exponential backoff, and after
`OUTBOX_MAX_ATTEMPTS` the message is FAILED, shown in the admin, where "Retry" sends it again;
an error no attempt can cure (NEVER_SUCCEEDS) fails it at once.
A relay killed between the lease and "delivered" leaves the lease to run out: the message is
sent again (at least once; handlers skip work that a previous attempt finished).

Handlers are registered per topic by the app that owns the side effect (`core` imports no
later app), from its AppConfig.ready().
"""

import logging
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import DataError, transaction
from django.db.models import Q
from django.utils import timezone

from core.enqueue import enqueue_on_commit
from core.exceptions import BusinessRuleError
from core.models import OutboxMessage

logger = logging.getLogger(__name__)

RELAY_TASK = "core.relay_outbox"
# Failures that no later attempt can cure (a value that does not fit its column, a business
# rule the data breaks): the message is FAILED at once, for a person to look at.
NEVER_SUCCEEDS = (DataError, BusinessRuleError)
_handlers: dict[str, Callable[[dict], None]] = {}
# Per topic: (attempts before FAILED, first wait in seconds, longest wait in seconds); topics
# without one use the OUTBOX_* settings.
_policies: dict[str, tuple[int, int, int]] = {}
# Topics relayed in a lane of their own (by their own relay task), so that a slow receiver
# there never holds up the default lane's messages (invoices, supplier emails).
_lanes: dict[str, str] = {}


def outbox_handler(topic: str, *, retry: tuple[int, int, int] | None = None, lane: str = ""):
    """Register the function that performs the side effect of `topic` (called with the
    payload; raising means "try again later"), with its own retry policy if given:
    (attempts, first wait, longest wait) in seconds, and its own relay `lane` if given."""

    def register(function):
        _handlers[topic] = function
        if retry is not None:
            _policies[topic] = retry
        if lane:
            _lanes[topic] = lane
        return function

    return register


def _max_attempts(topic: str) -> int:
    return _policies[topic][0] if topic in _policies else settings.OUTBOX_MAX_ATTEMPTS


def outbox_write(*, topic: str, key: str, payload: dict) -> tuple[OutboxMessage, bool]:
    """Owe a side effect: inside the business transaction, once per `key`. Returns the
    message and whether it was new (an existing one is left as it is)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("outbox_write must run inside the transaction of the change")
    message, created = OutboxMessage.objects.get_or_create(
        key=key, defaults={"topic": topic, "payload": payload}
    )
    if created:
        enqueue_on_commit(RELAY_TASK, *([_lanes[topic]] if topic in _lanes else []))
    return message, created


def outbox_retry(*, message: OutboxMessage) -> OutboxMessage:
    """Send a FAILED message again (the admin's "Retry"), with a fresh set of attempts; one
    that is no longer FAILED (retried by someone else meanwhile) is left as it is."""
    with transaction.atomic():
        message = OutboxMessage.objects.select_for_update().get(pk=message.pk)
        if message.status == OutboxMessage.Status.FAILED:
            message.retry()
            message.save()
            enqueue_on_commit(RELAY_TASK)
    return message


def backoff(attempts: int, topic: str = "") -> timedelta:
    """The wait before attempt `attempts + 1`: doubling from the topic's first wait
    (OUTBOX_BACKOFF_SECONDS by default), capped at its longest (OUTBOX_BACKOFF_MAX_SECONDS)."""
    _, first, longest = _policies.get(
        topic, (0, settings.OUTBOX_BACKOFF_SECONDS, settings.OUTBOX_BACKOFF_MAX_SECONDS)
    )
    return timedelta(seconds=min(first * 2 ** max(attempts - 1, 0), longest))


def _due(now, lane: str = ""):
    due = OutboxMessage.objects.filter(
        status=OutboxMessage.Status.PENDING, next_attempt_at__lte=now
    ).filter(Q(locked_until__isnull=True) | Q(locked_until__lte=now))
    if lane:
        return due.filter(topic__in=[t for t, name in _lanes.items() if name == lane])
    return due.exclude(topic__in=list(_lanes)) if _lanes else due


def _lease(lane: str = "") -> OutboxMessage | None:
    """Take the next due message for this relay, one at a time: a lease must outlast the one
    send it covers (OUTBOX_LEASE_SECONDS > EMAIL_TIMEOUT), not a batch of them. SKIP LOCKED:
    relays running at the same time take different messages (on SQLite, writers queue)."""
    now = timezone.now()
    due = _due(now, lane).select_for_update(skip_locked=True).order_by("next_attempt_at", "id")
    with transaction.atomic():
        while (message := due.first()) is not None:
            if message.attempts >= _max_attempts(message.topic):
                # Every attempt so far died with its relay (the lease ran out each time).
                message.last_error = message.last_error or "every attempt's relay stopped"
                message.fail()
                message.save()
                logger.error("Outbox %s failed for good: %s", message.key, message.last_error)
                continue
            message.attempts += 1
            message.locked_until = now + timedelta(seconds=settings.OUTBOX_LEASE_SECONDS)
            message.save(update_fields=["attempts", "locked_until"])
            return message
    return None


def _settle(message: OutboxMessage, error: Exception | None, note: str = "") -> None:
    with transaction.atomic():
        current = OutboxMessage.objects.select_for_update().get(pk=message.pk)
        if current.status != OutboxMessage.Status.PENDING:
            return  # settled by another relay whose lease ran out on this one
        if error is None:
            current.deliver()
            current.last_error = note
        elif current.locked_until != message.locked_until:
            return  # the lease ran out and another relay holds it now: its outcome counts
        else:
            current.last_error = f"{type(error).__name__}: {error}"[:2000]
            if current.attempts >= _max_attempts(current.topic) or isinstance(
                error, NEVER_SUCCEEDS
            ):
                current.fail()
                logger.error("Outbox %s failed for good: %s", current.key, current.last_error)
            else:
                current.locked_until = None
                current.next_attempt_at = timezone.now() + backoff(current.attempts, current.topic)
                logger.warning(
                    "Outbox %s attempt %d failed, next at %s: %s",
                    current.key,
                    current.attempts,
                    current.next_attempt_at,
                    current.last_error,
                )
        current.save()


def outbox_relay(*, limit: int = 100, lane: str = "") -> int:
    """Perform up to `limit` due side effects of a lane (the default one: every topic without
    a lane of its own); returns how many were delivered. A handler may return a note (why
    nothing needed sending), kept on the delivered message."""
    if lane:  # one relay at a time per lane: a slow receiver holds up one worker process only
        token = f"outbox-relay-lane:{lane}"
        if not cache.add(token, "busy", timeout=settings.OUTBOX_LEASE_SECONDS):
            return 0
        try:
            return _relay(limit, lane)
        finally:
            cache.delete(token)
    return _relay(limit, lane)


def _relay(limit: int, lane: str) -> int:
    delivered = 0
    for _ in range(limit):
        message = _lease(lane)
        if message is None:
            break
        handler = _handlers.get(message.topic)
        try:
            if handler is None:
                raise LookupError(f"no handler for outbox topic {message.topic!r}")
            note = handler(message.payload)
        except Exception as exc:
            _settle(message, exc)
        else:
            _settle(message, None, note or "")
            delivered += 1
    return delivered
