"""The event log, document numbering, API tokens and worker heartbeats."""

from django.conf import settings
from django.db import models
from django.utils import timezone


class DocumentType(models.TextChoices):
    SALES_ORDER = "SO", "Sales order"
    SUPPLY_ORDER = "SUP", "Supply order"
    REQUISITION = "REQ", "Requisition line"
    PURCHASE_ORDER = "PO", "Purchase order"
    RECEIPT = "RCV", "Receipt"
    SHIPMENT = "SHP", "Shipment"
    WORK_ORDER = "WO", "Work order"
    TRANSFER_ORDER = "TO", "Transfer order"
    INVOICE = "INV", "Invoice"


class DocumentCounter(models.Model):
    """The last number issued per document type; its row is locked by the creating transaction."""

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
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class WorkerHeartbeat(models.Model):
    """The last time each Celery worker host ran the periodic heartbeat task."""

    hostname = models.CharField(max_length=200, unique=True)
    seen_at = models.DateTimeField()

    def __str__(self):
        return f"{self.hostname} @ {self.seen_at:%Y-%m-%d %H:%M:%S}"
