"""Requisitions (and, with the Buy flow, purchase orders) pegged to their demand lines."""

import datetime

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django_fsm import FSMField, FSMModelMixin, transition

from catalog.models import PRICE, QUANTITY, Item, Organization, Supplier
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
