"""Celery entry points of billing: thin and idempotent."""

from celery import shared_task
from django.db import InterfaceError, OperationalError

from billing import services

BATCH = 500


@shared_task(
    name="billing.invoice_shipped",
    acks_late=True,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=True,
    max_retries=5,
    ignore_result=True,
)
def invoice_shipped() -> int:
    """The batch invoicing run: every confirmed shipment not invoiced yet, 500 shipments per
    set-based transaction; returns the invoices created. Safe to run at any time and any
    number of times (each shipment and order is invoiced once)."""
    created = 0
    while count := services.invoices_create_pending(limit=BATCH):
        created += count
    return created
