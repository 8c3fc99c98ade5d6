"""Who hears of what, in the app (the bell) and by email.

From the change log of each use case (core.events), like the webhooks: a line of an order
whose supply goes to EXCEPTION, that is BACKORDERED or whose schedule slips into jeopardy →
the customer service rep who entered the order; a PO sent back by an approver or rejected by
the supplier → the buyer who created or submitted it (every buyer for a touchless PO); a PO
waiting for approval → every procurement manager but its submitter. Each notification is a
row in the recipient's inbox and, unless they opted out of its kind on their profile, an
email owed through the outbox in the same transaction (sent once, retried until the mail
server takes it)."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse

from core.models import Notification, NotificationPreference
from core.outbox import outbox_handler, outbox_write
from orders.models import FulfillmentLine
from procurement.models import PurchaseOrder
from supply.models import SupplyOrder

Kind = Notification.Kind
EMAIL = "notifications.email"


def _kind_of(entry) -> str | None:
    kind, field, before, after = entry.document_type, entry.field, entry.from_value, entry.to_value
    if kind == "supply.supplyorder" and field == "status" and after == "EXCEPTION":
        return Kind.LINE_EXCEPTION
    if kind == "orders.fulfillmentline" and field == "status" and after == "BACKORDERED":
        return Kind.LINE_BACKORDERED
    if kind == "orders.fulfillmentline" and field == "scheduled_ship_date" and before:
        return Kind.LINE_JEOPARDY  # a move, not the first schedule; only when now behind
    if kind == "procurement.purchaseorder" and field == "status":
        if before == "PENDING_APPROVAL" and after == "DRAFT":
            return Kind.PO_REJECTED
        if after == "PENDING_APPROVAL":
            return Kind.PO_AWAITING_APPROVAL
    if kind == "procurement.purchaseorder" and field == "acknowledgment" and after == "REJECTED":
        return Kind.PO_REJECTED
    return None


def _users_with(permission: str):
    app_label, codename = permission.split(".")
    granted = Q(groups__permissions__codename=codename) & Q(
        groups__permissions__content_type__app_label=app_label
    )
    return list(get_user_model().objects.filter(granted, is_active=True).distinct())


def _about_line(line: FulfillmentLine, kind: str, entry):
    """(recipients, message, url) of a notification about a sales order line."""
    if kind == Kind.LINE_JEOPARDY and not line.jeopardy_days:
        return None
    creator = line.order.created_by
    if creator is None:
        return None
    number = line.number
    message = {
        Kind.LINE_BACKORDERED: f"{number} ({line.item.sku}) is backordered: {entry.reason}",
        Kind.LINE_JEOPARDY: f"{number} ({line.item.sku}) now ships "
        f"{line.scheduled_ship_date}, {line.jeopardy_days} days after its promise"
        + (f": {line.jeopardy_reason}" if line.jeopardy_reason else ""),
    }[kind]
    return [creator], message, reverse("orders:detail", args=[line.order.number])


def _recipients_and_message(kind: str, entry):
    if kind == Kind.LINE_EXCEPTION:
        supply_order = SupplyOrder.objects.select_related(
            "demand_line__order__created_by", "demand_line__item"
        ).get(pk=entry.document_id)
        line = supply_order.demand_line
        if line.order.created_by is None:
            return None
        return (
            [line.order.created_by],
            f"{line.number} ({line.item.sku}): supply {supply_order.number} is in exception — "
            f"{entry.reason or supply_order.exception_reason}",
            reverse("orders:detail", args=[line.order.number]),
        )
    if kind in (Kind.LINE_BACKORDERED, Kind.LINE_JEOPARDY):
        line = FulfillmentLine.objects.select_related("order__created_by", "item").get(
            pk=entry.document_id
        )
        return _about_line(line, kind, entry)
    po = PurchaseOrder.objects.select_related("created_by", "submitted_by", "supplier").get(
        pk=entry.document_id
    )
    url = reverse("procurement:purchase_order", args=[po.number])
    if kind == Kind.PO_AWAITING_APPROVAL:
        approvers = [
            u for u in _users_with("procurement.approve_purchaseorder") if not po.prepared_by(u)
        ]
        return approvers, f"{po.number} ({po.supplier.name}) waits for your approval", url
    buyers = {u for u in (po.created_by, po.submitted_by) if u is not None}
    if not buyers:
        buyers = set(_users_with("procurement.change_purchaseorder"))
    by = "the supplier" if entry.field == "acknowledgment" else "an approver"
    reason = f": {entry.reason}" if entry.reason else ""
    return sorted(buyers, key=lambda u: u.pk), f"{po.number} was rejected by {by}{reason}", url


def notify_from_change_log(entries) -> None:
    """The change-log listener: notifications (and their emails) of a use case's entries."""
    for entry in entries:
        kind = _kind_of(entry)
        if kind is None:
            continue
        found = _recipients_and_message(kind, entry)
        if not found:
            continue
        users, message, url = found
        for user in users:
            notification = Notification.objects.create(
                user=user, kind=kind, message=message[:300], url=url
            )
            if user.email and kind not in _email_off(user):
                outbox_write(
                    topic=EMAIL,
                    key=f"notification-email:{notification.pk}",
                    payload={"notification": notification.pk},
                )


def _email_off(user) -> set[str]:
    preference = NotificationPreference.objects.filter(user=user).first()
    return set(preference.email_off) if preference else set()


@outbox_handler(EMAIL)
def notification_email_send(payload: dict) -> str | None:
    """Email one notification to its user (the outbox retries while the mail server refuses)."""
    notification = (
        Notification.objects.select_related("user").filter(pk=payload["notification"]).first()
    )
    if notification is None or not notification.user.email:
        return "nothing to send: the notification or the address is gone"
    base = settings.SITE_URL.rstrip("/") if settings.SITE_URL else ""
    body = render_to_string(
        "notifications/email.txt",
        {
            "user": notification.user,
            "notification": notification,
            "link": f"{base}{notification.url}" if base and notification.url else notification.url,
            "profile": f"{base}{reverse('profile')}" if base else "",
        },
    )
    EmailMessage(
        subject=f"B2B Portal: {notification.message[:120]}",
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[notification.user.email],
    ).send()
    return None
