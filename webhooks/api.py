"""Webhook subscriptions API: subscribe, list, read, delete, rotate the signing secret, and the
delivery attempts of a subscription — each with the model permission the admin uses
(webhooks.add/view/change/delete_subscription)."""

import datetime

from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from core.api import InputSchema, PlainText, require_permission
from core.paging import KeysFirstPagination
from webhooks.events import EVENT_TYPES
from webhooks.models import DeliveryAttempt, Subscription
from webhooks.services import (
    ROTATION_OVERLAP_HOURS_MAX,
    subscription_create,
    subscription_secret_rotate,
)

router = Router(tags=["webhooks"])


class SubscriptionIn(InputSchema):
    url: str = Field(min_length=1, max_length=500)
    events: list[str] = Field(
        min_length=1, max_length=len(EVENT_TYPES) + 1, description=f"{', '.join(EVENT_TYPES)} or *"
    )
    secret: str | None = Field(default=None, max_length=100)
    description: PlainText = Field(default="", max_length=200)


class SubscriptionOut(Schema):
    id: int
    url: str
    events: list[str]
    active: bool
    description: str
    created_at: datetime.datetime


class SubscriptionCreatedOut(SubscriptionOut):
    secret: str = Field(description="Shown only in this answer: keep it to verify signatures.")


class RotateIn(InputSchema):
    previous_valid_hours: int = Field(
        default=24,
        ge=0,
        le=ROTATION_OVERLAP_HOURS_MAX,
        description="How long the old secret keeps signing deliveries next to the new one "
        "(0: it stops at once, for a leaked secret).",
    )


class SubscriptionRotatedOut(SubscriptionCreatedOut):
    previous_secret_expires_at: datetime.datetime | None = Field(
        description="Until when deliveries also carry a signature with the old secret."
    )


class DeliveryOut(Schema):
    event: str = Field(alias="event_id")
    type: str = Field(alias="event.type")
    attempted_at: datetime.datetime
    status_code: int | None
    error: str
    duration_ms: int


@router.post("/webhooks", response={201: SubscriptionCreatedOut})
def create_webhook(request, payload: SubscriptionIn):
    """Subscribe a URL to event types (["*"] for all): needs webhooks.add_subscription and the
    view permission of each event type's document. Without a secret one is generated
    (`whsec_` + base64 of 32 random bytes) and returned only here.

    Each event is POSTed as `{"id", "type", "occurred_at", "data"}` with the Standard Webhooks
    headers `webhook-id`, `webhook-timestamp` and `webhook-signature` (`v1,` + base64
    HMAC-SHA256 over `{id}.{timestamp}.{body}`, keyed with the decoded secret). Event types and
    their data: `sales_order.created` (sales_order, customer, external_reference, currency);
    `sales_order.status_changed` (sales_order, customer, from, to);
    `sales_order.line.status_changed` (sales_order, line_number, item, quantity, supply_type,
    sequence, from, to); `sales_order.line.rescheduled` (the line fields, field,
    scheduled_ship_date, promised_ship_date, jeopardy_days, reason); `supply_order.exception`
    (supply_order, sales_order, line_number, supply_type, reason);
    `purchase_order.status_changed` (purchase_order, supplier, revision, from, to);
    `purchase_order.communicated` (purchase_order, supplier, revision);
    `purchase_order.acknowledged` (purchase_order, supplier, revision, acknowledgment, note);
    `shipment.confirmed`
    (shipment, customer, carrier, tracking_number, lines); `invoice.posted` (invoice,
    sales_order, total, currency). Non-2xx answers are retried with the same id for over 24
    hours."""
    require_permission(request, "webhooks.add_subscription")
    subscription = subscription_create(
        url=payload.url,
        events=payload.events,
        secret=payload.secret or "",
        description=payload.description,
        acting_user=request.user,
    )
    return Status(201, subscription)


@router.get("/webhooks", response=list[SubscriptionOut])
@paginate(KeysFirstPagination)
def list_webhooks(request):
    require_permission(request, "webhooks.view_subscription")
    return Subscription.objects.order_by("id")


@router.get("/webhooks/{subscription_id}", response=SubscriptionOut)
def get_webhook(request, subscription_id: int):
    require_permission(request, "webhooks.view_subscription")
    return get_object_or_404(Subscription, pk=subscription_id)


@router.delete("/webhooks/{subscription_id}", response={204: None})
def delete_webhook(request, subscription_id: int):
    """Stop sending to the URL; deliveries still owed to it are dropped."""
    require_permission(request, "webhooks.delete_subscription")
    get_object_or_404(Subscription, pk=subscription_id).delete()
    return Status(204, None)


@router.post("/webhooks/{subscription_id}/rotate-secret", response=SubscriptionRotatedOut)
def rotate_webhook_secret(request, subscription_id: int, payload: RotateIn | None = None):
    """A new signing secret, returned only here (the current one is never shown again). The old
    secret keeps signing deliveries next to the new one for `previous_valid_hours` (24 by
    default; 0 for a leaked secret), so the receiver can switch without losing events."""
    require_permission(request, "webhooks.change_subscription")
    subscription = get_object_or_404(Subscription, pk=subscription_id)
    hours = payload.previous_valid_hours if payload else 24
    return subscription_secret_rotate(subscription=subscription, previous_valid_hours=hours)


@router.get("/webhooks/{subscription_id}/deliveries", response=list[DeliveryOut])
@paginate(KeysFirstPagination)
def list_deliveries(request, subscription_id: int):
    """Every delivery attempt, newest first: time, HTTP status (null: no answer), error."""
    require_permission(request, "webhooks.view_subscription")
    subscription = get_object_or_404(Subscription, pk=subscription_id)
    return DeliveryAttempt.objects.filter(subscription=subscription).select_related("event")
