"""Sales orders and their fulfillment lines (the demand that supply is pegged to)."""

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django_fsm import FSMField, FSMModelMixin, transition

from catalog.models import PRICE, QUANTITY, Customer, Item, Organization, SupplyType


class SalesOrder(models.Model):
    """A customer's order; its status is rolled up from its lines (orders.services)."""

    class Status(models.TextChoices):
        DRAFT = "DRAFT", "Draft"
        PROCESSING = "PROCESSING", "Processing"
        CLOSED = "CLOSED", "Closed"
        CANCELLED = "CANCELLED", "Cancelled"

    number = models.CharField(max_length=20, unique=True)
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="orders")
    external_reference = models.CharField(
        max_length=60, blank=True, help_text="The customer's PO number; unique per customer."
    )
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.DRAFT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    submitted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "external_reference"],
                condition=~Q(external_reference=""),
                name="sales_order_external_reference_per_customer",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "-id"]),
            models.Index(fields=["customer", "-id"]),
        ]

    def __str__(self):
        return self.number


class FulfillmentLine(FSMModelMixin, models.Model):
    """A sales order line: what, how many, when; its status follows it from entry to close."""

    class Status(models.TextChoices):
        DRAFT = "DRAFT", "Draft"
        SCHEDULED = "SCHEDULED", "Scheduled"
        AWAITING_SUPPLY = "AWAITING_SUPPLY", "Awaiting supply"
        AWAITING_SHIPPING = "AWAITING_SHIPPING", "Awaiting shipping"
        BACKORDERED = "BACKORDERED", "Backordered"
        SHIPPED = "SHIPPED", "Shipped"
        AWAITING_BILLING = "AWAITING_BILLING", "Awaiting billing"
        CLOSED = "CLOSED", "Closed"
        CANCELLED = "CANCELLED", "Cancelled"

    SupplyType = SupplyType  # catalog.models.SupplyType, the one enum of the concept

    # The fields a (re)schedule writes.
    SCHEDULE_FIELDS = [
        "scheduled_ship_date",
        "promised_ship_date",
        "jeopardy_days",
        "jeopardy_reason",
    ]

    OPEN_STATES = [
        Status.DRAFT,
        Status.SCHEDULED,
        Status.AWAITING_SUPPLY,
        Status.AWAITING_SHIPPING,
        Status.BACKORDERED,
    ]

    order = models.ForeignKey(SalesOrder, on_delete=models.CASCADE, related_name="lines")
    line_number = models.PositiveIntegerField()
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="+")
    quantity = models.DecimalField(**QUANTITY)
    unit_price = models.DecimalField(**PRICE)
    requested_ship_date = models.DateField(default=datetime.date.today)
    ship_from = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    promised_ship_date = models.DateField(null=True, blank=True)
    scheduled_ship_date = models.DateField(null=True, blank=True)
    jeopardy_days = models.PositiveIntegerField(default=0)
    jeopardy_reason = models.CharField(
        max_length=200, blank=True, help_text="Why the schedule slipped past the promise."
    )
    supply_type = models.CharField(max_length=10, choices=SupplyType.choices, blank=True)
    split_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="splits"
    )
    status = FSMField(max_length=20, choices=Status.choices, default=Status.DRAFT, protected=True)
    cancel_reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["order", "line_number"]
        constraints = [
            models.UniqueConstraint(fields=["order", "line_number"], name="line_number_per_order"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="line_quantity_gt_0"),
            models.CheckConstraint(condition=Q(unit_price__gte=0), name="line_unit_price_gte_0"),
        ]
        indexes = [
            models.Index(fields=["status", "requested_ship_date"]),
            models.Index(fields=["item", "status"]),
        ]

    def __str__(self):
        return f"{self.order.number}/{self.line_number}"

    @property
    def number(self) -> str:
        return f"{self.order.number}/{self.line_number}"

    # --- state machine; services call these through core.services.transition ---

    @transition(
        field=status, source=[Status.DRAFT, Status.BACKORDERED], target=Status.AWAITING_SHIPPING
    )
    def reserve_on_hand(self):
        """Promised from stock: the full quantity is reserved on hand."""

    @transition(
        field=status,
        source=[Status.DRAFT, Status.BACKORDERED, Status.AWAITING_SUPPLY],
        target=Status.SCHEDULED,
    )
    def schedule(self):
        """A source was chosen; the supply request is queued."""

    @transition(
        field=status,
        source=[Status.DRAFT, Status.SCHEDULED, Status.AWAITING_SUPPLY],
        target=Status.BACKORDERED,
    )
    def backorder(self):
        """Nothing can supply the line now; re-promising will try again."""

    @transition(field=status, source=Status.SCHEDULED, target=Status.AWAITING_SUPPLY)
    def await_supply(self):
        """The supply document exists and the line is reserved against it."""

    @transition(field=status, source=Status.AWAITING_SHIPPING, target=Status.AWAITING_SUPPLY)
    def await_more_supply(self):
        """The line grew beyond what is reserved on hand: more supply is on its way."""

    @transition(field=status, source=Status.AWAITING_SUPPLY, target=Status.AWAITING_SHIPPING)
    def supply_reserved(self):
        """The full quantity is now reserved on hand."""

    @transition(field=status, source=Status.AWAITING_SHIPPING, target=Status.SHIPPED)
    def ship(self):
        pass

    @transition(field=status, source=Status.SHIPPED, target=Status.AWAITING_BILLING)
    def await_billing(self):
        pass

    @transition(field=status, source=Status.AWAITING_BILLING, target=Status.CLOSED)
    def close(self):
        pass

    @transition(field=status, source=OPEN_STATES, target=Status.CANCELLED)
    def cancel(self):
        pass
