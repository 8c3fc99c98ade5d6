"""Who hears of what, in the app (the bell) and by email — users, and customers' contacts.

From the change log of each use case (core.events), like the webhooks: a line of an order
whose supply goes to EXCEPTION, that is BACKORDERED or whose schedule slips into jeopardy →
the customer service rep who entered the order; a PO sent back by an approver or rejected by
the supplier → the buyer who created or submitted it (every buyer for a touchless PO); a PO
waiting for approval → every procurement manager but its submitter. Each notification is a
row in the recipient's inbox and, unless they opted out of its kind on their profile, an
email owed through the outbox in the same transaction (sent once, retried until the mail
server takes it).

A customer with a contact email gets an order acknowledgment with the promised dates when
the order is submitted, a ship notice with carrier and tracking when a shipment is confirmed,
and each invoice as a PDF."""

import contextvars
import datetime
from collections import defaultdict
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from billing.documents import invoice_pdf
from billing.models import Invoice
from core.formatting import qty
from core.models import Notification, NotificationPreference, OutboxMessage
from core.outbox import outbox_handler, outbox_write
from manufacturing.models import WorkOrder
from orders.models import FulfillmentLine, SalesOrder
from procurement.models import PurchaseOrder
from supply.models import SupplyOrder
from warehouse.models import Shipment
from webhooks.events import event_type_of

Kind = Notification.Kind
EMAIL = "notifications.email"


def _kind_of(entry) -> str | None:
    """The notification kind of a change-log entry, from its event type (webhooks.events: the
    one mapping of log entries to events)."""
    event, before, after = event_type_of(entry), entry.from_value, entry.to_value
    if event == "supply_order.exception":
        return Kind.LINE_EXCEPTION
    if event == "sales_order.line.status_changed" and after == "BACKORDERED":
        return Kind.LINE_BACKORDERED
    if event == "sales_order.line.rescheduled" and entry.field == "scheduled_ship_date" and before:
        return Kind.LINE_JEOPARDY  # a move, not the first schedule; only when now behind
    if (
        event == "purchase_order.status_changed"
        and before == "PENDING_APPROVAL"
        and after == "DRAFT"
    ):
        return Kind.PO_REJECTED
    if event == "purchase_order.status_changed" and after == "PENDING_APPROVAL":
        return Kind.PO_AWAITING_APPROVAL
    if event == "purchase_order.acknowledged" and after == "REJECTED":
        return Kind.PO_REJECTED
    return _production_or_buyer_kind(entry)


def _production_or_buyer_kind(entry) -> str | None:
    """A released work order whose demand was cut or that was cancelled after release; a change
    order held for the buyer's review (procurement.changes)."""
    if entry.document_type == "manufacturing.workorder" and entry.field == "quantity_for_demand":
        return Kind.WORK_ORDER_DEMAND_CUT  # from the demand side, never the operator's cancel
    if (
        entry.document_type == "procurement.purchaseorder"
        and entry.field == "communication"
        and entry.to_value.endswith("held for the buyer's review")
    ):
        return Kind.PO_CHANGE_ORDER_HELD
    return None


def _about_work_order(entry):
    """Production hears of a released work order cut or cancelled by someone else (the
    operator who cancelled it knows)."""
    work_order = WorkOrder.objects.select_related("organization", "item", "demand_line").get(
        pk=entry.document_id
    )
    users = [u for u in _users_with("manufacturing.change_workorder") if u.pk != entry.actor_id]
    if work_order.status == WorkOrder.Status.CANCELLED:
        returned = [
            f"{qty(c.quantity_returned)} {c.item.sku}"
            for c in work_order.components.select_related("item").order_by("item__sku")
            if c.quantity_returned > 0
        ]
        message = (
            f"{work_order.number} ({work_order.item.sku} at {work_order.organization.code}) was "
            f"cancelled after release: {entry.reason}. "
            + (
                f"{', '.join(returned)} went back to stock."
                if returned
                else "Its held components are free again."
            )
        )
    elif not entry.to_value:
        message = (
            f"{work_order.number} ({work_order.item.sku} at {work_order.organization.code}): its "
            f"sales order line {work_order.demand_line.number} needs all "
            f"{qty(work_order.quantity)} again; nothing goes to free stock."
        )
    else:
        message = (
            f"{work_order.number} ({work_order.item.sku} at {work_order.organization.code}): its "
            f"sales order line {work_order.demand_line.number} now needs "
            f"{qty(Decimal(entry.to_value))} of {qty(work_order.quantity)}; the rest goes "
            "to free stock when made."
        )
    return users, message, reverse("manufacturing:work_order", args=[work_order.number])


_users_cache: contextvars.ContextVar[dict | None] = contextvars.ContextVar(
    "notification_users", default=None
)


def _users_with(permission: str):
    """The active users granted `permission` through their roles: read once per
    notify_from_change_log call, however many entries need them."""
    cache = _users_cache.get()
    if cache is not None and permission in cache:
        return cache[permission]
    app_label, codename = permission.split(".")
    granted = Q(groups__permissions__codename=codename) & Q(
        groups__permissions__content_type__app_label=app_label
    )
    users = list(get_user_model().objects.filter(granted, is_active=True).distinct())
    if cache is not None:
        cache[permission] = users
    return users


WITHDRAW_WITHIN = datetime.timedelta(minutes=1)


def line_url(line: FulfillmentLine, user) -> str:
    """Where "Open" takes a user from a notification about a line: the line's pegging page
    (its whole chain of documents) for those who may read supply, else the line on its order
    page."""
    if user.has_perm("supply.view_supplyorder"):
        return reverse("supply:pegging", args=[line.order.number, line.line_number])
    return f"{reverse('orders:detail', args=[line.order.number])}#line-{line.line_number}"


def _about(document_type: str, document_id: int) -> str:
    return f"{document_type}:{document_id}"


def _resolved_by(entry) -> tuple[str, str] | None:
    """(kind, about) of the notifications a change-log entry resolves: a supply order leaving
    EXCEPTION resolves the exception notices of it; a line leaving BACKORDERED, its backorder
    notices."""
    if entry.field != "status" or entry.from_value == entry.to_value:
        return None
    if entry.document_type == "supply.supplyorder" and entry.from_value == "EXCEPTION":
        return Kind.LINE_EXCEPTION, _about(entry.document_type, entry.document_id)
    if entry.document_type == "orders.fulfillmentline" and entry.from_value == "BACKORDERED":
        return Kind.LINE_BACKORDERED, _about(entry.document_type, entry.document_id)
    return None


def _resolve(entries) -> None:
    """Resolve the notifications whose trouble the entries ended. One solved within a minute
    of being raised is withdrawn (deleted: the user never needs to see it) when its email has
    not gone out: none was owed, or it still waits untried and no relay holds it (its outbox
    message goes too). Any other stays in the inbox, marked resolved and read, so the bell
    counts only what still needs someone and an email already sent keeps its inbox entry."""
    resolved = {found for entry in entries if (found := _resolved_by(entry))}
    if not resolved:
        return
    now = timezone.now()
    about_kind = Q()
    for kind, about in resolved:
        about_kind |= Q(kind=kind, about=about)
    open_ones = Notification.objects.filter(about_kind, resolved_at=None)
    fresh = list(
        open_ones.filter(created_at__gt=now - WITHDRAW_WITHIN).values_list("pk", flat=True)
    )
    if fresh:
        keys = {f"notification-email:{pk}": pk for pk in fresh}
        messages = OutboxMessage.objects.select_for_update().filter(key__in=keys)
        untried, sent = [], set()
        for message in messages:
            if (
                message.status == OutboxMessage.Status.PENDING
                and not message.attempts
                and (message.locked_until is None or message.locked_until < now)
            ):
                untried.append(message.pk)
            else:
                sent.add(keys[message.key])
        OutboxMessage.objects.filter(pk__in=untried).delete()
        Notification.objects.filter(pk__in=set(fresh) - sent).delete()
    open_ones.filter(read_at=None).update(resolved_at=now, read_at=now)
    open_ones.update(resolved_at=now)


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
    return [creator], message, line


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
            line,
        )
    if kind == Kind.WORK_ORDER_DEMAND_CUT:
        return _about_work_order(entry)
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
    if kind == Kind.PO_CHANGE_ORDER_HELD:
        return (
            sorted(buyers, key=lambda u: u.pk),
            f"{po.number} revision {po.revision} ({po.supplier.name}) comes from sales order "
            "changes and waits for your review before it goes to the supplier",
            url,
        )
    by = "the supplier" if entry.field == "acknowledgment" else "an approver"
    reason = f": {entry.reason}" if entry.reason else ""
    return sorted(buyers, key=lambda u: u.pk), f"{po.number} was rejected by {by}{reason}", url


CUSTOMER_EMAIL = "notifications.customer_email"
# What a customer's contact is sent, by event: the order submitted, a shipment confirmed, an
# invoice posted.
CUSTOMER_OF = {
    "orders.salesorder": "customer__email",
    "warehouse.shipment": "customer__email",
    "billing.invoice": "sales_order__customer__email",
}


def _customer_email_of(entry) -> str | None:
    event = event_type_of(entry)
    if event == "sales_order.status_changed" and entry.from_value == "DRAFT":
        return "order_acknowledgment"
    return {"shipment.confirmed": "ship_notice", "invoice.posted": "invoice"}.get(event)


def _customer_emails(entries) -> None:
    """Owe the customer emails of a use case's entries; the contacts' addresses are read in
    one query per kind of document, however many documents the use case wrote."""
    owed: dict[str, dict[int, str]] = defaultdict(dict)  # document type: {id: email kind}
    for entry in entries:
        kind = _customer_email_of(entry)
        if kind is not None:
            owed[entry.document_type][entry.document_id] = kind
    for document_type, kinds in owed.items():
        model = {"orders.salesorder": SalesOrder, "warehouse.shipment": Shipment}.get(
            document_type, Invoice
        )
        addresses = model.objects.filter(pk__in=kinds).values_list("pk", CUSTOMER_OF[document_type])
        for document_id, address in addresses.order_by("pk"):
            if address:
                kind = kinds[document_id]
                outbox_write(
                    topic=CUSTOMER_EMAIL,
                    key=f"customer-email:{kind}:{document_id}",
                    payload={"kind": kind, "id": document_id},
                )


def notify_from_change_log(entries) -> None:
    """The change-log listener: notifications (and their emails) of a use case's entries, the
    notifications its entries resolve, and the emails owed to customers."""
    _customer_emails(entries)
    _resolve(entries)
    token = _users_cache.set({})
    try:
        _notify(entries)
    finally:
        _users_cache.reset(token)


def _notify(entries) -> None:
    for entry in entries:
        kind = _kind_of(entry)
        if kind is None:
            continue
        found = _recipients_and_message(kind, entry)
        if not found:
            continue
        users, message, target = found
        about = ""
        if kind in (Kind.LINE_EXCEPTION, Kind.LINE_BACKORDERED):
            about = _about(entry.document_type, entry.document_id)
        for user in users:
            url = line_url(target, user) if isinstance(target, FulfillmentLine) else target
            notification = Notification.objects.create(
                user=user, kind=kind, message=message[:300], url=url, about=about
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


@outbox_handler(CUSTOMER_EMAIL)
def customer_email_send(payload: dict) -> str | None:
    """Email a customer's contact: the order acknowledgment, a ship notice or an invoice."""
    kind, pk = payload["kind"], payload["id"]
    attachments = []
    if kind == "order_acknowledgment":
        order = SalesOrder.objects.select_related("customer").get(pk=pk)
        lines = order.lines.select_related("item").order_by("line_number")
        address = order.customer.email
        subject = f"Order {order.number} received" + (
            f" (your PO {order.external_reference})" if order.external_reference else ""
        )
        body = render_to_string(
            "notifications/order_acknowledgment.txt", {"order": order, "lines": lines}
        )
    elif kind == "ship_notice":
        shipment = Shipment.objects.select_related("customer").get(pk=pk)
        lines = shipment.lines.filter(active=True).select_related(
            "demand_line__order", "demand_line__item"
        )
        address = shipment.customer.email
        subject = f"Shipment {shipment.number} is on its way"
        body = render_to_string(
            "notifications/ship_notice.txt", {"shipment": shipment, "lines": lines}
        )
    else:
        invoice = Invoice.objects.select_related("sales_order__customer", "shipment").get(pk=pk)
        address = invoice.sales_order.customer.email
        subject = f"Invoice {invoice.number}"
        body = render_to_string("notifications/invoice.txt", {"invoice": invoice})
        attachments.append((f"{invoice.number}.pdf", invoice_pdf(invoice), "application/pdf"))
    if not address:
        return "the customer has no email address any more"
    message = EmailMessage(
        subject=subject, body=body, from_email=settings.DEFAULT_FROM_EMAIL, to=[address]
    )
    for attachment in attachments:
        message.attach(*attachment)
    message.send()
    return None
