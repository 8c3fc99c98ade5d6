"""Requisitions (and, with the Buy flow, purchase orders) pegged to their demand lines."""

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django_fsm import FSMField, FSMModelMixin, transition

from catalog.models import PRICE, QUANTITY, Item, Organization, Supplier
from core.money import line_amount
from orders.models import FulfillmentLine


class RequisitionLine(FSMModelMixin, models.Model):
    """A request to buy for exactly one demand line, from the supplier sourcing chose."""

    class Status(models.TextChoices):
        OPEN = "OPEN", "Open"
        ORDERED = "ORDERED", "Ordered"
        CANCELLED = "CANCELLED", "Cancelled"

    number = models.CharField(max_length=20, unique=True)
    demand_line = models.ForeignKey(
        FulfillmentLine, on_delete=models.PROTECT, related_name="requisition_lines"
    )
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="+")
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="+", help_text="Ship-to."
    )
    supplier = models.ForeignKey(Supplier, on_delete=models.PROTECT, related_name="requisitions")
    quantity = models.DecimalField(**QUANTITY)
    unit_price = models.DecimalField(**PRICE)
    currency = models.CharField(max_length=3)
    need_by_date = models.DateField(default=datetime.date.today)
    status = FSMField(max_length=10, choices=Status.choices, default=Status.OPEN, protected=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="requisition_quantity_gt_0"),
        ]
        indexes = [models.Index(fields=["status", "supplier"])]

    def __str__(self):
        return self.number

    @transition(field=status, source=Status.OPEN, target=Status.ORDERED)
    def order(self):
        pass

    @transition(field=status, source=Status.ORDERED, target=Status.OPEN)
    def reopen(self):
        pass

    @transition(field=status, source=[Status.OPEN, Status.ORDERED], target=Status.CANCELLED)
    def cancel(self):
        pass


class PurchaseOrder(FSMModelMixin, models.Model):
    """An order to a supplier; each of its lines is dedicated to one demand line."""

    class Status(models.TextChoices):
        DRAFT = "DRAFT", "Draft"
        PENDING_APPROVAL = "PENDING_APPROVAL", "Pending approval"
        OPEN = "OPEN", "Open"
        CLOSED_FOR_RECEIVING = "CLOSED_FOR_RECEIVING", "Closed for receiving"
        CLOSED = "CLOSED", "Closed"
        CANCELLED = "CANCELLED", "Cancelled"

    class Acknowledgment(models.TextChoices):
        PENDING = "PENDING", "Pending"
        ACCEPTED = "ACCEPTED", "Accepted"
        REJECTED = "REJECTED", "Rejected"

    number = models.CharField(max_length=20, unique=True)
    supplier = models.ForeignKey(Supplier, on_delete=models.PROTECT, related_name="purchase_orders")
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="+", help_text="Ship-to."
    )
    currency = models.CharField(max_length=3)
    status = FSMField(max_length=20, choices=Status.choices, default=Status.DRAFT, protected=True)
    revision = models.PositiveIntegerField(default=0)
    touchless = models.BooleanField(default=False, help_text="Created without a buyer.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    communicated_at = models.DateTimeField(null=True, blank=True)
    communicated_revision = models.IntegerField(default=-1)
    change_order_held_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="A change order from a sales order change waits for the buyer's review.",
    )
    acknowledgment = models.CharField(
        max_length=10, choices=Acknowledgment.choices, default=Acknowledgment.PENDING
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledgment_note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-id"]
        permissions = [("approve_purchaseorder", "Can approve or reject purchase orders")]
        indexes = [
            models.Index(fields=["status", "-id"]),
            models.Index(fields=["supplier", "status"]),
        ]

    def __str__(self):
        return self.number

    @transition(
        field=status,
        source=Status.DRAFT,
        target=Status.PENDING_APPROVAL,
        permission="procurement.change_purchaseorder",
    )
    def submit(self):
        """Submitted at or above the approval threshold: a manager must approve."""

    @transition(
        field=status,
        source=Status.DRAFT,
        target=Status.OPEN,
        permission="procurement.change_purchaseorder",
    )
    def auto_approve(self):
        """Submitted under the approval threshold: open at once."""

    @transition(
        field=status,
        source=Status.PENDING_APPROVAL,
        target=Status.OPEN,
        permission="procurement.approve_purchaseorder",
    )
    def approve(self):
        pass

    @transition(
        field=status,
        source=Status.PENDING_APPROVAL,
        target=Status.DRAFT,
        permission="procurement.approve_purchaseorder",
    )
    def reject(self):
        pass

    @transition(field=status, source=Status.OPEN, target=Status.PENDING_APPROVAL)
    def require_approval(self):
        """A change order took the total to the approval threshold: approved again first."""

    @transition(field=status, source=Status.OPEN, target=Status.CLOSED_FOR_RECEIVING)
    def close_for_receiving(self):
        pass

    @transition(field=status, source=Status.CLOSED_FOR_RECEIVING, target=Status.CLOSED)
    def close(self):
        pass

    @transition(
        field=status,
        source=[Status.DRAFT, Status.PENDING_APPROVAL, Status.OPEN],
        target=Status.CANCELLED,
        permission="procurement.change_purchaseorder",
    )
    def cancel(self):
        pass

    @property
    def needs_communication(self) -> bool:
        return self.status == self.Status.OPEN and self.communicated_revision < self.revision

    def prepared_by(self, user) -> bool:
        """Segregation of duties: the user who created or submitted a PO may not approve or
        reject it."""
        return user.pk is not None and user.pk in (self.created_by_id, self.submitted_by_id)

    @property
    def email_key(self) -> str:
        """The outbox key of this revision's supplier email: one email per PO revision."""
        return f"purchase-order-email:{self.pk}:rev{self.revision}"


class PurchaseOrderLine(FSMModelMixin, models.Model):
    """A PO line for exactly one demand line (never merged: pegging stays exact)."""

    class Status(models.TextChoices):
        OPEN = "OPEN", "Open"
        CLOSED_FOR_RECEIVING = "CLOSED_FOR_RECEIVING", "Closed for receiving"
        CANCELLED = "CANCELLED", "Cancelled"

    purchase_order = models.ForeignKey(
        PurchaseOrder, on_delete=models.CASCADE, related_name="lines"
    )
    line_number = models.PositiveIntegerField()
    demand_line = models.ForeignKey(
        FulfillmentLine, on_delete=models.PROTECT, related_name="purchase_order_lines"
    )
    requisition_line = models.ForeignKey(
        RequisitionLine, on_delete=models.PROTECT, related_name="purchase_order_lines"
    )
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="+")
    quantity = models.DecimalField(**QUANTITY)
    unit_price = models.DecimalField(**PRICE)
    quantity_received = models.DecimalField(**QUANTITY, default=0)
    need_by_date = models.DateField()
    promised_date = models.DateField(null=True, blank=True)
    status = FSMField(max_length=20, choices=Status.choices, default=Status.OPEN, protected=True)

    class Meta:
        ordering = ["purchase_order", "line_number"]
        constraints = [
            models.UniqueConstraint(
                fields=["purchase_order", "line_number"], name="po_line_number_unique"
            ),
            models.UniqueConstraint(
                fields=["requisition_line"],
                condition=~Q(status="CANCELLED"),
                name="one_active_po_line_per_requisition",
            ),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="po_line_quantity_gt_0"),
            models.CheckConstraint(
                condition=Q(quantity_received__gte=0), name="po_line_received_gte_0"
            ),
        ]

    def __str__(self):
        return self.number

    @property
    def number(self) -> str:
        return f"{self.purchase_order.number}/{self.line_number}"

    @property
    def amount(self):
        return line_amount(self.quantity, self.unit_price)

    @property
    def open_quantity(self):
        return max(self.quantity - self.quantity_received, 0)

    @property
    def is_late(self) -> bool:
        return self.need_by_date < timezone.localdate() and self.open_quantity > 0

    @transition(field=status, source=Status.OPEN, target=Status.CLOSED_FOR_RECEIVING)
    def close_for_receiving(self):
        pass

    @transition(field=status, source=Status.OPEN, target=Status.CANCELLED)
    def cancel(self):
        pass
