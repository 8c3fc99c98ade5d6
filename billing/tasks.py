from celery import shared_task
from django.db import InterfaceError, OperationalError

from billing.services import invoices_create_for_shipment, shipments_not_invoiced


@shared_task(
    name="billing.create_invoices",
    acks_late=True,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=True,
    max_retries=8,
    ignore_result=True,
)
def create_invoices(shipment_id: int) -> int:
    """Invoice a confirmed shipment; safe to run any number of times."""
    return len(invoices_create_for_shipment(shipment_id=shipment_id))


@shared_task(name="billing.invoice_pending", acks_late=True, ignore_result=True)
def invoice_pending() -> int:
    """Safety net (beat): shipments whose invoice message was lost get invoiced."""
    ids = list(shipments_not_invoiced()[:200])
    for shipment_id in ids:
        create_invoices.delay(shipment_id)
    return len(ids)
