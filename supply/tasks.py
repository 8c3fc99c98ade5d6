"""Celery entry points of supply orchestration: thin, idempotent, retried on transient errors."""

from celery import shared_task
from django.db import InterfaceError, OperationalError

from supply import services
from supply.flows import buy
from supply.services import jeopardy

TRANSIENT = (OperationalError, InterfaceError)


@shared_task(
    name="supply.create_supply",
    acks_late=True,
    autoretry_for=TRANSIENT,
    retry_backoff=True,
    retry_backoff_max=60,
    max_retries=8,
    ignore_result=True,
)
def create_supply(supply_order_id: int) -> None:
    """Create the document of a supply order, and those of other supply orders waiting, up
    to a batch, set-based; safe to run any number of times (a message whose supply order a
    batch already created finds nothing to do)."""
    services.supply_orders_create_documents(including=supply_order_id)


@shared_task(name="supply.requeue_stale_supply_orders", acks_late=True, ignore_result=True)
def requeue_stale_supply_orders() -> int:
    return len(services.supply_orders_requeue_stale())


@shared_task(
    name="supply.repromise_backorders",
    acks_late=True,
    autoretry_for=TRANSIENT,
    retry_backoff=True,
    max_retries=5,
    ignore_result=True,
)
def repromise_backorders(item_id: int | None = None) -> int:
    return services.backorders_repromise(item_id=item_id)


@shared_task(
    name="supply.convert_touchless_requisitions",
    acks_late=True,
    autoretry_for=TRANSIENT,
    retry_backoff=True,
    max_retries=8,
    ignore_result=True,
)
def convert_touchless_requisitions(supplier_id: int | None = None) -> int:
    """Touchless POs: open requisitions of automatic suppliers become POs without a buyer."""
    return len(buy.touchless_run(supplier_id=supplier_id))


@shared_task(
    name="supply.scan_late_supply",
    acks_late=True,
    autoretry_for=TRANSIENT,
    retry_backoff=True,
    max_retries=5,
    ignore_result=True,
)
def scan_late_supply() -> int:
    """Lines whose supply is late are rescheduled, in jeopardy with the reason."""
    return jeopardy.late_supply_scan()
