"""The event log, document numbering, API tokens, worker heartbeats and the outbox."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django_fsm import FSMField, FSMModelMixin, transition


class SupplyDocumentKind(models.TextChoices):
    """The kinds of execution document that work for a supply order — the one enum of the
    concept: a supply tracking line's document type, and a reservation's source when a demand
    line is reserved against such a document."""

    REQUISITION = "REQUISITION", "Requisition"
    PURCHASE_ORDER = "PURCHASE_ORDER", "Purchase order"
    WORK_ORDER = "WORK_ORDER", "Work order"
    TRANSFER_ORDER = "TRANSFER_ORDER", "Transfer order"


class DocumentType(models.TextChoices):
    """The numbering series of documents (their number prefixes)."""

    SALES_ORDER = "SO", "Sales order"
    SUPPLY_ORDER = "SUP", "Supply order"
    REQUISITION = "REQ", "Requisition line"
    PURCHASE_ORDER = "PO", "Purchase order"
    RECEIPT = "RCV", "Receipt"
    SHIPMENT = "SHP", "Shipment"
    WORK_ORDER = "WO", "Work order"
    TRANSFER_ORDER = "TO", "Transfer order"
    INVOICE = "INV", "Invoice"
    PICK_WAVE = "WAVE", "Pick wave"


# Series that must have no gaps (an invoice number the tax office can account for): numbered by
# a counter row locked until the creating transaction commits. Every other series may have
# gaps (a rolled-back order loses its number) and takes its numbers from a database sequence
# on PostgreSQL, so concurrent creators never wait for one another.
GAPLESS_SERIES = frozenset({DocumentType.INVOICE})


def number_sequence_name(prefix: str) -> str:
    """The PostgreSQL sequence of a numbering series."""
    return f"b2b_number_{prefix.lower()}"


class DocumentCounter(models.Model):
    """The last number issued per gapless series (and per series on SQLite, whose writers queue
    anyway); its row is locked by the creating transaction."""

    prefix = models.CharField(max_length=8, primary_key=True, choices=DocumentType.choices)
    last_value = models.PositiveBigIntegerField(default=0)

    def __str__(self):
        return f"{self.prefix}: {self.last_value}"


class TransitionLog(models.Model):
    """Who changed what on which document, when, from what to what and why.

    Documents of every app are referenced by type (`app_label.model`) and id rather than by
    foreign key, so the log can sit in `core` below every other app.
    """

    document_type = models.CharField(max_length=60)
    document_id = models.BigIntegerField()
    document_number = models.CharField(max_length=40, blank=True)
    demand_line_id = models.BigIntegerField(null=True, blank=True)
    field = models.CharField(max_length=40, default="status")
    from_value = models.CharField(max_length=100, blank=True)
    to_value = models.CharField(max_length=100, blank=True)
    reason = models.TextField(blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]
        indexes = [
            models.Index(fields=["document_type", "document_id", "at"]),
            models.Index(fields=["demand_line_id", "at"]),
        ]

    def __str__(self):
        document = self.document_number or self.document_type
        change = f"{self.from_value} → {self.to_value}"
        return f"{document} {self.field}: {change} by {self.actor or 'system'}"


class ApiToken(models.Model):
    """A personal API token. Only its SHA-256 is stored; the key is shown once, at creation."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100)
    prefix = models.CharField(
        max_length=12, help_text="The first characters of the key, to recognise it."
    )
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(
        null=True, blank=True, help_text="Refused from then on; empty: until revoked."
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and not self.is_expired

    @property
    def is_expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= timezone.now()


class WorkerHeartbeat(models.Model):
    """The last time each Celery worker host ran the periodic heartbeat task."""

    hostname = models.CharField(max_length=200, unique=True)
    seen_at = models.DateTimeField()

    def __str__(self):
        return f"{self.hostname} @ {self.seen_at:%Y-%m-%d %H:%M:%S}"


class OutboxMessage(FSMModelMixin, models.Model):
    """A side effect owed to the outside world after a business change (a supplier email),
    written in the transaction of the change and relayed at least once (core/outbox.py).

    `key` makes writing it idempotent (one message per PO revision, say). While a relay is
    working on a message, `locked_until` holds its lease: a relay killed mid-way lets the lease
    run out and the next relay sends the message again.
    """

    class Status(models.TextChoices):
        PENDING = "PENDING", "Pending"
        DELIVERED = "DELIVERED", "Delivered"
        FAILED = "FAILED", "Failed"

    topic = models.CharField(max_length=60)
    key = models.CharField(max_length=200, unique=True, help_text="The idempotency key.")
    payload = models.JSONField(default=dict)
    status = FSMField(max_length=10, choices=Status.choices, default=Status.PENDING, protected=True)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    locked_until = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self):
        return f"{self.topic} {self.key} ({self.status})"

    @transition(field=status, source=Status.PENDING, target=Status.DELIVERED)
    def deliver(self):
        self.delivered_at = timezone.now()
        self.locked_until = None
        self.last_error = ""

    @transition(field=status, source=Status.PENDING, target=Status.FAILED)
    def fail(self):
        self.locked_until = None

    @transition(field=status, source=Status.FAILED, target=Status.PENDING)
    def retry(self):
        self.attempts = 0
        self.next_attempt_at = timezone.now()
        self.locked_until = None


class Notification(models.Model):
    """Something a user should know (a line of their order in exception, a PO waiting for
    their approval): the bell in the header counts the unread ones. Later apps decide who hears
    of what (notifications app); `core` only keeps the inbox."""

    class Kind(models.TextChoices):
        LINE_EXCEPTION = "line_exception", "A line of my order: its supply in exception"
        LINE_BACKORDERED = "line_backordered", "A line of my order: backordered"
        LINE_JEOPARDY = "line_jeopardy", "A line of my order: in jeopardy"
        PO_REJECTED = "po_rejected", "My purchase order: rejected by an approver or the supplier"
        PO_AWAITING_APPROVAL = "po_awaiting_approval", "A purchase order waits for my approval"
        PO_CHANGE_ORDER_HELD = (
            "po_change_order_held",
            "My purchase order: a change order from a sales order change waits for my review",
        )
        WORK_ORDER_DEMAND_CUT = (
            "work_order_demand_cut",
            "A released work order: its sales order line cut or cancelled",
        )

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=40, choices=Kind.choices)
    message = models.CharField(max_length=300)
    url = models.CharField(max_length=200, blank=True, help_text="The document it is about.")
    # What ends the trouble it reports ("<app>.<model>:<id>", e.g. the supply order in
    # exception): when that is resolved, so is the notification.
    about = models.CharField(max_length=60, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["user", "read_at", "-created_at"]),
            models.Index(
                fields=["about"], name="notification_open_about", condition=Q(resolved_at=None)
            ),
        ]

    def __str__(self):
        return f"{self.user}: {self.message}"


class NotificationPreference(models.Model):
    """A user's choices: the notification kinds they do not want by email."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preference"
    )
    email_off = models.JSONField(default=list, blank=True)

    def __str__(self):
        return f"{self.user}: no email for {', '.join(self.email_off) or 'nothing'}"
