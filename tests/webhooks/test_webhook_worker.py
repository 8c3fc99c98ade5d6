"""Webhooks through a real Celery worker: a receiver that hangs holds up one relay at a time,
never supply creation; the worker delivers once the receiver answers."""

import time

import pytest

from procurement.models import RequisitionLine
from tests.webhooks.receiver import Receiver
from tests.workers import wait_for
from webhooks.models import DeliveryAttempt
from webhooks.services import subscription_create

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_a_hanging_receiver_does_not_hold_up_supply_creation(
    celery_worker, client, world, settings
):
    settings.WEBHOOKS_ALLOW_PRIVATE_URLS = True
    receiver = Receiver(delay=12)  # past the 10-second timeout
    try:
        subscription_create(url=receiver.url, events=["*"])
        client.force_login(world.csr)
        started = time.monotonic()
        for reference in ("A", "B"):
            answer = client.post(
                "/api/v1/sales-orders",
                {
                    "customer": "C-ACME",
                    "external_reference": reference,
                    "submit": True,
                    "lines": [{"item": "LAPTOP-15", "quantity": 2}],
                },
                content_type="application/json",
            )
            assert answer.status_code == 201
        wait_for(
            lambda: RequisitionLine.objects.count() == 2,
            timeout=15,
            what="supply creation while a webhook receiver hangs",
        )
        assert time.monotonic() - started < 10  # not behind even one webhook timeout
        attempt = wait_for(
            DeliveryAttempt.objects.first, timeout=30, what="the first webhook attempt"
        )
        assert attempt.status_code is None and "Timeout" in attempt.error
    finally:
        receiver.delay = 0
        receiver.close()
