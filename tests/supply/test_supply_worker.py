"""Through a real Celery worker process: submit an order, the supply appears; a lost message
is recovered by the re-queue task."""

import datetime
import time

import pytest
from django.utils import timezone

from procurement.models import RequisitionLine
from supply.models import SupplyOrder
from supply.tasks import requeue_stale_supply_orders
from tests.workers import purge_embedded_broker, wait_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_an_order_submitted_through_the_api_gets_its_requisition(celery_worker, client, world):
    client.force_login(world.csr)

    response = client.post(
        "/api/v1/sales-orders",
        {"customer": "C-ACME", "submit": True, "lines": [{"item": "LAPTOP-15", "quantity": 50}]},
        content_type="application/json",
    )
    assert response.status_code == 201

    requisition = wait_for(
        RequisitionLine.objects.first, timeout=30, what="the worker to create the requisition"
    )
    assert requisition.supplier == world.contoso and requisition.quantity == 50
    supply_order = SupplyOrder.objects.get()
    assert supply_order.status == "IN_PROCESS"
    number = response.json()["number"]
    line = client.get(f"/api/v1/sales-orders/{number}").json()["lines"][0]
    assert line["status"] == "AWAITING_SUPPLY"
    assert line["supply"]["documents"][0]["number"] == requisition.number


def test_a_lost_create_supply_message_is_requeued(celery_worker, world):
    from supply.services import sales_order_submit

    celery_worker.kill()  # the worker takes nothing now
    try:
        sales_order_submit(order=world.order((world.laptop, 5)), acting_user=world.csr)
        # The message is lost, as when a killed worker had taken it.
        purge_embedded_broker()
    finally:
        celery_worker.start()
    long_ago = timezone.now() - datetime.timedelta(minutes=5)
    SupplyOrder.objects.update(created_at=long_ago, next_requeue_at=long_ago)

    requeue_stale_supply_orders.delay()  # what beat sends every 30 seconds

    wait_for(RequisitionLine.objects.exists, timeout=30, what="the requeued supply")
    assert SupplyOrder.objects.get().requeue_count == 1


def _sessions_opened() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute("SELECT sessions FROM pg_stat_database WHERE datname = current_database()")
        return cursor.fetchone()[0]


def test_the_worker_keeps_its_database_connection_across_tasks(celery_worker, world):
    """A new PostgreSQL session per task costs more than a short task's own work (Celery
    closes the connection around every task unless told otherwise)."""
    from django.db import connection

    from supply.services import sales_order_submit

    if connection.vendor != "postgresql":
        pytest.skip("session statistics need PostgreSQL")
    sales_order_submit(order=world.order((world.laptop, 1)), acting_user=world.csr)
    wait_for(RequisitionLine.objects.exists, timeout=30, what="the worker's first task")
    time.sleep(1.5)  # statistics reach pg_stat_database within a second
    before = _sessions_opened()
    for _ in range(6):
        sales_order_submit(order=world.order((world.laptop, 1)), acting_user=world.csr)
    wait_for(lambda: RequisitionLine.objects.count() == 7, timeout=30, what="six more requisitions")
    time.sleep(1.5)
    assert _sessions_opened() - before < 6
