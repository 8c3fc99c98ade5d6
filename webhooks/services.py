"""Outbound webhooks, Standard Webhooks style.

Events come from the change log (core.events): `events_from_change_log` maps each entry of a
use case to at most one event type (EVENT_TYPES, one mapping), stores the event and owes one
delivery per subscription that wants it — outbox messages written in the transaction of the
change, so no event is lost and none describes a change that rolled back. Nothing is written
while no subscription is active.

A delivery (`webhook_deliver`, an outbox handler) POSTs `{"id", "type", "occurred_at", "data"}`
with the headers `webhook-id` (the event id, the same on every retry), `webhook-timestamp`
(Unix seconds) and `webhook-signature` (`v1,` + base64 HMAC-SHA256 of `{id}.{timestamp}.{body}`
keyed with the base64-decoded secret after `whsec_`; after a rotation, a second signature with
the previous secret until it expires). Any 2xx is success; anything else, a timeout (10 s) or a
connection error is tried again with the same id and body — 15 s first, doubling to an hour,
for more than 24 hours — and every attempt is recorded. Where a webhook may go, and how it is
sent (the address checked, no redirects): `webhooks.addresses`.
"""

import base64
import datetime
import hashlib
import hmac
import json
import secrets
import time
import uuid

import requests
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from core.exceptions import BusinessRuleError, FieldErrors
from core.outbox import outbox_handler, outbox_write
from core.services import user_or_none
from webhooks.addresses import UrlRefused, destination, post
from webhooks.events import EVENT_PERMISSIONS, EVENT_TYPES, events_of
from webhooks.models import DeliveryAttempt, Event, Subscription

DELIVER = "webhooks.deliver"
TIMEOUT_SECONDS = 10
# 32 attempts, 15 s first, doubling up to an hour: the last one more than 24 hours after the
# event (15 + 30 + … + 1920 s, then hourly).
RETRY = (32, 15, 3600)


class DeliveryRefused(Exception):
    """The receiver did not take the event (not 2xx, or no answer): try again later."""


# --- subscriptions ----------------------------------------------------------------------------


def secret_new() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def event_permissions_missing(user, events: list[str]) -> list[str]:
    """The permissions `user` lacks to receive these event types (EVENT_PERMISSIONS)."""
    wanted = EVENT_TYPES if "*" in events else [e for e in events if e in EVENT_PERMISSIONS]
    needed = {EVENT_PERMISSIONS[event_type] for event_type in wanted}
    return sorted(p for p in needed if not user.has_perm(p))


def subscription_create(
    *, url: str, events: list[str], secret: str = "", description: str = "", acting_user=None
) -> Subscription:
    """A new active subscription; without a secret one is generated (the caller shows it once).
    An acting user must be allowed to read what the event types carry (EVENT_PERMISSIONS)."""
    errors = []
    try:
        url = destination(url, allow_private=settings.WEBHOOKS_ALLOW_PRIVATE_URLS).url
    except UrlRefused as refused:
        errors.append(("url", str(refused)))
    if not events:
        errors.append(("events", 'Name at least one event type, or ["*"] for all.'))
    for index, name in enumerate(events):
        if name != "*" and name not in EVENT_TYPES:
            errors.append((f"events[{index}]", f"Unknown event type “{name}”."))
    if secret and not _key(secret):
        errors.append(("secret", "A secret is whsec_ followed by base64 (24 to 64 bytes)."))
    if errors:
        raise FieldErrors(errors)
    missing = event_permissions_missing(acting_user, events) if acting_user is not None else []
    if missing:
        raise PermissionDenied(
            f"Your roles do not allow these events (needs {', '.join(missing)}): an event "
            "carries its document's data."
        )
    return Subscription.objects.create(
        url=url,  # as it is sent: percent-escapes decoded, the host lower-cased and IDNA-encoded
        events=sorted(set(events)),
        secret=secret or secret_new(),
        description=description,
        created_by=user_or_none(acting_user),
    )


ROTATION_OVERLAP_HOURS_MAX = 24


def subscription_secret_rotate(
    *, subscription: Subscription, previous_valid_hours: int = 24
) -> Subscription:
    """A new signing secret (the caller shows it once). The old one keeps signing deliveries, next
    to the new, for `previous_valid_hours` (0: stops at once — a leaked secret).

    While an earlier rotation's overlap is still running, the secret kept is that earlier
    previous one — the one the receiver still checks with — not the secret shown a moment ago
    and most likely never installed (a reload, a double submit, a retried API call): a second
    rotation replaces only the new secret, and the overlap runs `previous_valid_hours` from now."""
    if not 0 <= previous_valid_hours <= ROTATION_OVERLAP_HOURS_MAX:
        raise FieldErrors(
            [("previous_valid_hours", f"Give 0 to {ROTATION_OVERLAP_HOURS_MAX} hours.")]
        )
    with transaction.atomic():
        return _secret_rotate(subscription.pk, previous_valid_hours)


def _secret_rotate(pk: int, previous_valid_hours: int) -> Subscription:
    now = timezone.now()
    subscription = Subscription.objects.select_for_update().get(pk=pk)
    overlapping = bool(subscription.previous_secret) and (
        subscription.previous_secret_expires_at is not None
        and subscription.previous_secret_expires_at > now
    )
    if previous_valid_hours and subscription.secret:
        if not overlapping:
            subscription.previous_secret = subscription.secret
        subscription.previous_secret_expires_at = now + datetime.timedelta(
            hours=previous_valid_hours
        )
    else:
        subscription.previous_secret = ""
        subscription.previous_secret_expires_at = None
    subscription.secret = secret_new()
    subscription.secret_rotated_at = now
    subscription.save(
        update_fields=[
            "secret",
            "previous_secret",
            "previous_secret_expires_at",
            "secret_rotated_at",
        ]
    )
    return subscription


def _key(secret: str) -> bytes | None:
    if not secret.startswith("whsec_"):
        return None
    try:
        key = base64.b64decode(secret[len("whsec_") :], validate=True)
    except ValueError:
        return None
    return key if 24 <= len(key) <= 64 else None


def signature(secret: str, event_id: str, timestamp: int, body: str) -> str:
    """The Standard Webhooks signature of one delivery."""
    message = f"{event_id}.{timestamp}.{body}".encode()
    digest = hmac.new(_key(secret), message, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


# --- events -------------------------------------------------------------------------------------


_active: dict = {"read_at": None, "subscriptions": []}


def active_subscriptions() -> list[Subscription]:
    """The active subscriptions, read at most every WEBHOOKS_SUBSCRIPTIONS_CACHE_SECONDS per
    process (a change in this process is seen at once: `subscriptions_changed`), so a use case
    pays no query for webhooks while nobody subscribes."""
    read_at = _active["read_at"]
    now = time.monotonic()
    if read_at is None or now - read_at >= settings.WEBHOOKS_SUBSCRIPTIONS_CACHE_SECONDS:
        _active["subscriptions"] = list(Subscription.objects.filter(active=True))
        _active["read_at"] = now
    return _active["subscriptions"]


def subscriptions_changed(**kwargs) -> None:
    """Forget the cached subscriptions (a subscription was saved or deleted)."""
    _active["read_at"] = None


def events_from_change_log(entries) -> None:
    """The change-log listener: events of a use case's entries, owed to the subscriptions that
    want them (inside the use case's transaction)."""
    subscriptions = active_subscriptions()
    if not subscriptions:
        return
    for event_type, occurred_at, data in events_of(entries):
        wanting = [s for s in subscriptions if s.wants(event_type)]
        if not wanting:
            continue
        event = Event.objects.create(
            id=f"evt_{uuid.uuid4().hex}", type=event_type, occurred_at=occurred_at, data=data
        )
        for subscription in wanting:
            outbox_write(
                topic=DELIVER,
                key=f"webhook:{event.id}:{subscription.pk}",
                payload={"event": event.id, "subscription": subscription.pk},
            )


def _creator_refusal(subscription: Subscription, event_type: str) -> str:
    """Why this event is not sent to this subscription (empty: it is): whoever subscribed must
    still be active and allowed to read what the event carries — checked at every delivery, not
    only when subscribing. A subscription made without a user (by the system) is not checked."""
    creator = subscription.created_by
    if creator is None:
        return ""
    if not creator.is_active:
        return (
            f"Not sent: {creator.get_username()}, who made this subscription, is deactivated. "
            "Have an active user subscribe again."
        )
    missing = event_permissions_missing(creator, [event_type])
    if missing:
        return (
            f"Not sent: {creator.get_username()}, who made this subscription, may no longer "
            f"read what a {event_type} event carries (lacks {', '.join(missing)})."
        )[:500]
    return ""


@outbox_handler(DELIVER, retry=RETRY, lane="webhooks")
def webhook_deliver(payload: dict) -> str | None:
    """POST one event to one subscription; raise (try again later) unless it answers 2xx."""
    subscription = Subscription.objects.filter(pk=payload["subscription"]).first()
    if subscription is None or not subscription.active:
        return "the subscription was deleted or deactivated"
    event = Event.objects.get(pk=payload["event"])
    refusal = _creator_refusal(subscription, event.type)
    if refusal:
        DeliveryAttempt.objects.create(subscription=subscription, event=event, error=refusal)
        raise BusinessRuleError(refusal)  # not sent, not retried: FAILED, shown in the admin
    body = json.dumps(event.body, separators=(",", ":"), ensure_ascii=False)
    timestamp = int(time.time())
    headers = {
        "content-type": "application/json",
        "user-agent": "B2B-Portal-Webhooks/1",
        "webhook-id": event.id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": " ".join(
            signature(secret, event.id, timestamp, body)
            for secret in subscription.signing_secrets()
        ),
    }
    attempt = DeliveryAttempt(subscription=subscription, event=event)
    started = time.monotonic()
    refused = None
    try:
        # Checked again at every attempt (the name may point elsewhere now), and the connection
        # goes to the address checked.
        target = destination(subscription.url, allow_private=settings.WEBHOOKS_ALLOW_PRIVATE_URLS)
    except UrlRefused as exc:
        refused = exc
        attempt.error = str(exc)[:500]
    else:
        try:
            answer = post(
                target,
                data=body.encode(),
                headers=headers,
                timeout=TIMEOUT_SECONDS,
                deadline=settings.WEBHOOKS_DELIVERY_SECONDS,
            )
            attempt.status_code = answer.status_code
            if 300 <= answer.status_code < 400:
                attempt.error = (
                    f"HTTP {answer.status_code}: redirects are not followed "
                    f"(to {answer.location or 'nowhere'}); subscribe the final URL."
                )[:500]
            elif not attempt.succeeded:
                attempt.error = f"HTTP {answer.status_code}: {answer.body[:200]}"
        except requests.RequestException as exc:
            attempt.error = f"{type(exc).__name__}: {exc}"[:500]
    attempt.duration_ms = int((time.monotonic() - started) * 1000)
    attempt.attempted_at = timezone.now()
    attempt.save()
    if refused is not None and not refused.transient:
        raise BusinessRuleError(str(refused))  # no retry can cure it: FAILED, shown in the admin
    if not attempt.succeeded:
        raise DeliveryRefused(attempt.error)
    return None
