"""Supply orchestration: why a source was chosen, the supply order pegged to the demand line,
and the execution documents (requisition/PO lines, work orders, transfer lines) it tracks."""

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django_fsm import FSMField, FSMModelMixin, transition

from catalog.models import (
    PRICE,
    QUANTITY,
    SOURCE_TYPES,
    Organization,
    SourcingRule,
    Supplier,
    SupplyType,
)
from core.documents import document_type_of, document_url
from core.models import SupplyDocumentKind
from manufacturing.models import WorkOrder
from orders.models import FulfillmentLine
from procurement.models import PurchaseOrderLine, RequisitionLine
from warehouse.models import TransferOrderLine


class SourcingDecision(models.Model):
    """The promise made for a line: chosen source and every candidate considered, with why.

    A line gets a new decision each time it is promised (submit, re-promise); the latest is
    the one in force.
    """

    class Outcome(models.TextChoices):
        ON_HAND = "ON_HAND", "On hand"
        SOURCED = "SOURCED", "Sourced"
        BACKORDERED = "BACKORDERED", "Backordered"

    line = models.ForeignKey(FulfillmentLine, on_delete=models.CASCADE, related_name="decisions")
    outcome = models.CharField(max_length=12, choices=Outcome.choices)
    quantity = models.DecimalField(**QUANTITY)
    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    level = models.CharField(max_length=10, blank=True, help_text="Assignment level used.")
    chosen_rule = models.ForeignKey(
        SourcingRule, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    chosen_type = models.CharField(max_length=10, blank=True)
    available_date = models.DateField(null=True, blank=True)
    candidates = models.JSONField(default=list, blank=True)
    reason = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["chosen_rule"])]

    def __str__(self):
        return f"{self.line}: {self.outcome} {self.chosen_type}"

    # The assignment level in the planner's words ("none": no rule applied at all).
    LEVEL_WORDS = {
        "item+org": "rules for this item at this organization",
        "item": "rules for this item",
        "org": "rules for this organization",
        "global": "the global rules",
        "none": "no sourcing rule applies to this item here",
        "manual": "a source the orchestration manager chose",
    }

    @property
    def level_words(self) -> str:
        """Which rules decided, in words (never the bare level code)."""
        return self.LEVEL_WORDS.get(self.level, "")


class SupplyOrder(FSMModelMixin, models.Model):
    """The request for dedicated supply of one demand line (docs/architecture.md)."""

    class Status(models.TextChoices):
        REQUESTED = "REQUESTED", "Requested"
        IN_PROCESS = "IN_PROCESS", "In process"
        FULFILLED = "FULFILLED", "Fulfilled"
        CLOSED = "CLOSED", "Closed"
        EXCEPTION = "EXCEPTION", "Exception"
        CANCELLED = "CANCELLED", "Cancelled"

    Type = SupplyType  # BUY, MAKE or TRANSFER (catalog.models.SOURCE_TYPES)

    number = models.CharField(max_length=20, unique=True)
    demand_line = models.ForeignKey(
        FulfillmentLine, on_delete=models.PROTECT, related_name="supply_orders"
    )
    decision = models.ForeignKey(
        SourcingDecision, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    supply_type = models.CharField(max_length=10, choices=SOURCE_TYPES)
    quantity = models.DecimalField(**QUANTITY)
    need_by_date = models.DateField(default=datetime.date.today)
    supplier = models.ForeignKey(
        Supplier, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    source_organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    unit_price = models.DecimalField(**PRICE, null=True, blank=True)
    status = FSMField(
        max_length=12, choices=Status.choices, default=Status.REQUESTED, protected=True
    )
    exception_reason = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # Re-queue bookkeeping for orders whose create_supply message was lost (docs/architecture.md).
    requeue_count = models.PositiveIntegerField(default=0)
    next_requeue_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["demand_line"],
                condition=~Q(status__in=["CANCELLED", "CLOSED"]),
                name="one_active_supply_order_per_line",
            ),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="supply_quantity_gt_0"),
        ]
        indexes = [
            models.Index(fields=["status", "next_requeue_at"]),
            models.Index(fields=["status", "-id"]),
        ]

    def __str__(self):
        return self.number

    @transition(field=status, source=[Status.REQUESTED, Status.EXCEPTION], target=Status.IN_PROCESS)
    def start(self):
        """The first execution document exists (a requisition line counts)."""

    @transition(field=status, source=[Status.REQUESTED, Status.IN_PROCESS], target=Status.EXCEPTION)
    def fail(self):
        """Creation failed, execution is not available, or the supply was cancelled/rejected."""

    @transition(field=status, source=[Status.IN_PROCESS, Status.EXCEPTION], target=Status.FULFILLED)
    def fulfil(self):
        """Received and reserved on hand (also after an exception: the goods came anyway)."""

    @transition(field=status, source=Status.FULFILLED, target=Status.IN_PROCESS)
    def reopen(self):
        """The line grew: more supply is on its way for it."""

    @transition(field=status, source=Status.FULFILLED, target=Status.CLOSED)
    def close(self):
        pass

    @transition(
        field=status,
        source=[Status.REQUESTED, Status.IN_PROCESS, Status.EXCEPTION],
        target=Status.CANCELLED,
    )
    def cancel(self):
        pass


class SupplyTrackingLine(models.Model):
    """One execution document line working for a supply order, with its quantity and status.

    `sequence` numbers the documents of a supply order: the first is created exactly once
    (unique constraint), later ones come from change management.
    """

    DocumentType = SupplyDocumentKind  # core.models: the one enum of document kinds

    supply_order = models.ForeignKey(
        SupplyOrder, on_delete=models.CASCADE, related_name="tracking_lines"
    )
    sequence = models.PositiveSmallIntegerField(default=1)
    document_type = models.CharField(max_length=20, choices=DocumentType.choices)
    requisition_line = models.ForeignKey(
        RequisitionLine, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    purchase_order_line = models.ForeignKey(
        PurchaseOrderLine, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    work_order = models.ForeignKey(
        WorkOrder, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    transfer_order_line = models.ForeignKey(
        TransferOrderLine, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    quantity = models.DecimalField(**QUANTITY)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["supply_order", "sequence"]
        constraints = [
            models.UniqueConstraint(
                fields=["supply_order", "sequence"], name="tracking_line_sequence_unique"
            ),
        ]

    def __str__(self):
        return f"{self.supply_order.number}#{self.sequence} {self.document_type}"

    @property
    def document(self):
        """The execution document now working for the supply order (PO line, else requisition
        line, work order or transfer line); select_related them to read it without queries."""
        return (
            self.purchase_order_line
            or self.requisition_line
            or self.work_order
            or self.transfer_order_line
        )

    @property
    def pegged_document(self):
        """The document the demand line's reservation names (a transfer order, not its line)."""
        if self.transfer_order_line_id:
            return self.transfer_order_line.transfer_order
        return self.document

    @property
    def document_number(self) -> str:
        if self.purchase_order_line_id:
            return self.purchase_order_line.purchase_order.number
        if self.transfer_order_line_id:
            return self.transfer_order_line.transfer_order.number
        document = self.document
        return document.number if document is not None else ""

    @property
    def document_line_number(self) -> int | None:
        if self.purchase_order_line_id:
            return self.purchase_order_line.line_number
        if self.transfer_order_line_id:
            return self.transfer_order_line.line_number
        return None

    @property
    def document_url(self) -> str:
        """Where the document's page is (every document reference is a link): the one map of
        document pages (core.documents); a PO or transfer line leads to its order's page."""
        document = self.document
        if document is None:
            return ""
        return document_url(document_type_of(document), self.document_number)

    @property
    def document_status(self) -> str:
        if self.transfer_order_line_id:
            return self.transfer_order_line.transfer_order.status
        return self.document.status if self.document is not None else ""


class SupplyException(models.Model):
    """Why a supply order cannot deliver what its line needs, until someone (or the automatic
    next source) resolves it: the orchestration manager's exceptions queue."""

    class Kind(models.TextChoices):
        CREATION_REFUSED = "CREATION_REFUSED", "Document refused"
        DOCUMENT_CANCELLED = "DOCUMENT_CANCELLED", "Document cancelled"
        SUPPLIER_REJECTED = "SUPPLIER_REJECTED", "Supplier rejected"
        QUANTITY_REDUCED = "QUANTITY_REDUCED", "Supply reduced"

    supply_order = models.ForeignKey(
        SupplyOrder, on_delete=models.CASCADE, related_name="exceptions"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    reason = models.CharField(max_length=300)
    raised_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    resolution = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["raised_at", "id"]
        indexes = [models.Index(fields=["resolved_at", "kind"])]

    def __str__(self):
        return f"{self.supply_order.number}: {self.get_kind_display()}"

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None
