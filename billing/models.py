"""Customer invoices, one per shipment and sales order."""

from django.db import models
from django.db.models import Q
from django.utils import timezone

from catalog.models import PRICE, QUANTITY
from core.money import AMOUNT
from orders.models import FulfillmentLine, SalesOrder
from warehouse.models import Shipment


class Invoice(models.Model):
    class Status(models.TextChoices):
        POSTED = "POSTED", "Posted"

    number = models.CharField(max_length=20, unique=True)
    sales_order = models.ForeignKey(SalesOrder, on_delete=models.PROTECT, related_name="invoices")
    shipment = models.ForeignKey(Shipment, on_delete=models.PROTECT, related_name="invoices")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.POSTED)
    invoice_date = models.DateField(default=timezone.localdate)
    due_date = models.DateField()
    currency = models.CharField(max_length=3)
    payment_terms = models.CharField(max_length=40)
    total = models.DecimalField(**AMOUNT)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["shipment", "sales_order"], name="one_invoice_per_shipment_and_order"
            ),
        ]

    def __str__(self):
        return self.number


class InvoiceLine(models.Model):
    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")
    demand_line = models.ForeignKey(FulfillmentLine, on_delete=models.PROTECT, related_name="+")
    quantity = models.DecimalField(**QUANTITY)
    unit_price = models.DecimalField(**PRICE)
    amount = models.DecimalField(**AMOUNT)

    class Meta:
        ordering = ["invoice", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="invoice_quantity_gt_0"),
        ]

    def __str__(self):
        return f"{self.invoice.number}: {self.amount}"
