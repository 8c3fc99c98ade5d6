"""Work orders: making an item at a plant for one demand line (the Make flow)."""

from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django_fsm import FSMField, FSMModelMixin, transition

from catalog.models import QUANTITY, Item, Organization
from orders.models import FulfillmentLine


class WorkOrder(FSMModelMixin, models.Model):
    """Make `quantity` of `item` at the plant `organization`, pegged to one demand line.

    UNRELEASED → RELEASED (components held for it) → IN_PROGRESS (components issued) →
    COMPLETED (all made) → CLOSED (the demand shipped); CANCELLED before completion.
    """

    class Status(models.TextChoices):
        UNRELEASED = "UNRELEASED", "Unreleased"
        RELEASED = "RELEASED", "Released"
        IN_PROGRESS = "IN_PROGRESS", "In progress"
        COMPLETED = "COMPLETED", "Completed"
        CLOSED = "CLOSED", "Closed"
        CANCELLED = "CANCELLED", "Cancelled"

    OPEN_STATES = (Status.UNRELEASED, Status.RELEASED, Status.IN_PROGRESS)

    number = models.CharField(max_length=20, unique=True)
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="+", help_text="The plant."
    )
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="+")
    quantity = models.DecimalField(**QUANTITY)
    quantity_completed = models.DecimalField(**QUANTITY, default=0)
    due_date = models.DateField()
    demand_line = models.ForeignKey(
        FulfillmentLine, on_delete=models.PROTECT, related_name="work_orders"
    )
    status = FSMField(
        max_length=12, choices=Status.choices, default=Status.UNRELEASED, protected=True
    )
    cancel_reason = models.CharField(max_length=200, blank=True)
    quantity_for_demand = models.DecimalField(
        **QUANTITY,
        null=True,
        blank=True,
        help_text="Set when the demand line was cut after release: what it still needs of this "
        "work order (the rest goes to free stock when made).",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="work_order_quantity_gt_0"),
            models.CheckConstraint(
                condition=Q(quantity_completed__gte=0, quantity_completed__lte=F("quantity")),
                name="work_order_never_over_completed",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "-id"]),
            models.Index(fields=["organization", "status"]),
        ]

    def __str__(self):
        return self.number

    @property
    def quantity_open(self):
        return self.quantity - self.quantity_completed

    @property
    def quantity_beyond_demand(self):
        """What it makes beyond what its demand line still needs (after a cut): free stock."""
        if self.quantity_for_demand is None:
            return 0
        return max(self.quantity - self.quantity_for_demand, 0)

    @transition(field=status, source=Status.UNRELEASED, target=Status.RELEASED)
    def release(self):
        """Its components are held at the plant: no order and no other work order takes them."""

    @transition(field=status, source=Status.RELEASED, target=Status.IN_PROGRESS)
    def issue(self):
        """Its components left stock for production (ledger WIP_ISSUE)."""

    @transition(field=status, source=Status.IN_PROGRESS, target=Status.COMPLETED)
    def complete(self):
        """All of it was made (ledger WIP_COMPLETION); partial completions stay IN_PROGRESS."""

    @transition(field=status, source=Status.COMPLETED, target=Status.CLOSED)
    def close(self):
        """The demand it was made for has shipped."""

    @transition(
        field=status,
        source=[Status.UNRELEASED, Status.RELEASED, Status.IN_PROGRESS],
        target=Status.CANCELLED,
    )
    def cancel(self):
        """Before anything was completed: held components are released, issued ones return."""


class WorkOrderComponent(models.Model):
    """A material requirement of a work order, from the plant's bill of materials."""

    work_order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="components")
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="+")
    quantity_per_unit = models.DecimalField(**QUANTITY)
    quantity_required = models.DecimalField(**QUANTITY)
    quantity_issued = models.DecimalField(**QUANTITY, default=0)
    quantity_scrapped = models.DecimalField(
        **QUANTITY, default=0, help_text="Issued and lost in production: written off."
    )
    quantity_returned = models.DecimalField(
        **QUANTITY, default=0, help_text="Issued and given back to stock (a cancelled work order)."
    )

    class Meta:
        ordering = ["work_order", "item__sku"]
        constraints = [
            models.UniqueConstraint(fields=["work_order", "item"], name="wo_component_unique"),
            # Scrapped material may be issued again: never more than required plus scrapped.
            models.CheckConstraint(
                condition=Q(quantity_issued__lte=F("quantity_required") + F("quantity_scrapped")),
                name="wo_component_never_over_issued",
            ),
            models.CheckConstraint(
                condition=Q(
                    quantity_scrapped__gte=0,
                    quantity_returned__gte=0,
                    quantity_issued__gte=F("quantity_scrapped") + F("quantity_returned"),
                ),
                name="wo_component_scrap_and_return_within_issued",
            ),
        ]

    def __str__(self):
        return f"{self.work_order.number}: {self.quantity_required} × {self.item.sku}"

    @property
    def number(self) -> str:
        """The work order's number (what a hold on this component shows as its document)."""
        return self.work_order.number

    @property
    def quantity_to_issue(self):
        """What production still needs issued: the requirement plus replacements of scrap."""
        return max(self.quantity_required + self.quantity_scrapped - self.quantity_issued, 0)

    @property
    def quantity_in_production(self):
        """Issued, neither scrapped nor returned: what a cancellation gives back to stock."""
        return self.quantity_issued - self.quantity_scrapped - self.quantity_returned
