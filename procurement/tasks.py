from contextlib import suppress

from celery import shared_task
from django.db import InterfaceError, OperationalError

from core.exceptions import Conflict
from procurement.models import PurchaseOrder
from procurement.services import purchase_order_communicate, purchase_orders_to_communicate


@shared_task(
    name="procurement.communicate_purchase_order",
    acks_late=True,
    autoretry_for=(OperationalError, InterfaceError, OSError),
    retry_backoff=True,
    retry_backoff_max=300,
    max_retries=10,
    ignore_result=True,
)
def communicate_purchase_order(purchase_order_id: int) -> None:
    """Email a PO to its supplier; a retry after it was sent does nothing (claimed once)."""
    with suppress(Conflict):  # this revision was already sent: nothing to do
        purchase_order_communicate(po=PurchaseOrder.objects.get(pk=purchase_order_id))


@shared_task(name="procurement.communicate_pending", acks_late=True, ignore_result=True)
def communicate_pending() -> int:
    """Safety net: OPEN touchless POs whose current revision was never sent."""
    ids = list(purchase_orders_to_communicate().filter(touchless=True)[:100])
    for purchase_order_id in ids:
        communicate_purchase_order.delay(purchase_order_id)
    return len(ids)
