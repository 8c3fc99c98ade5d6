"""The worker is SIGKILLed (with its pool processes) at random moments while four users enter
orders through the API, and started again: on both brokers, every line still gets exactly one
supply order, requisition line and PO line, every touchless PO reaches the supplier, every
webhook event reaches its subscriber at least once with the same id, and no worker exits on
what a crash left behind."""

import random
import threading
import time
from decimal import Decimal

import pytest
from django.db.models import Count

from core.services import api_token_create
from core.tasks import relay_outbox
from orders.models import FulfillmentLine
from procurement.models import PurchaseOrder, PurchaseOrderLine, RequisitionLine
from procurement.selectors import purchase_order_total
from supply.models import SupplyOrder
from supply.tasks import convert_touchless_requisitions, requeue_stale_supply_orders
from tests.conftest import WORKER_SETTINGS
from tests.webhooks.receiver import Receiver
from tests.workers import WebServer, post_json, wait_for
from tests.world import api_order
from webhooks.models import Event
from webhooks.services import subscription_create

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

USERS = 4
KILLS = 3


def enter_orders(web: WebServer, key: str, user: int, stop: threading.Event, rng, statuses):
    """One user entering one-line orders until told to stop."""
    n = 0
    while not stop.is_set():
        n += 1
        order = api_order(f"U{user}-{n}", quantity=2)
        statuses.append(post_json(f"{web.url}/api/v1/sales-orders", key, order))
        time.sleep(rng.uniform(0.1, 0.6))


def everything_supplied_and_sent(send) -> bool:
    """One beat of every safety net (what Celery beat sends), then: is the flow through?"""
    for task in (requeue_stale_supply_orders, convert_touchless_requisitions, relay_outbox):
        send(task)
    send(relay_outbox, "webhooks")
    lines = FulfillmentLine.objects.count()
    ordered = PurchaseOrderLine.objects.values("demand_line").distinct().count()
    unsent = PurchaseOrder.objects.filter(status="OPEN", communicated_at=None).count()
    undelivered = Event.objects.exclude(attempts__status_code__range=(200, 299)).count()
    return lines > 0 and ordered == lines and unsent == 0 and undelivered == 0


def flow_state() -> dict:
    """Where the lines are, for the message of a failure."""
    return {
        "lines": dict(FulfillmentLine.objects.values_list("status").annotate(n=Count("id"))),
        "supply": dict(SupplyOrder.objects.values_list("status").annotate(n=Count("id"))),
        "requisitions": dict(RequisitionLine.objects.values_list("status").annotate(n=Count("id"))),
        "pos": list(PurchaseOrder.objects.values_list("number", "status", "communicated_at")),
    }


def duplicates(model, field="demand_line") -> list:
    return list(model.objects.values(field).annotate(n=Count("id")).filter(n__gt=1))


@pytest.mark.parametrize(("broker", "seed"), [("embedded", 20261202), ("redis", 7)])
def test_killing_the_worker_loses_nothing_and_duplicates_nothing(
    broker, seed, request, world, mail_server, settings
):
    # Touchless POs opened at once: a worker creates the requisitions of many lines in one
    # batch and the touchless run puts them on one PO, so a line is 2 × 100, far under the
    # approval threshold however many lines share a PO.
    world.contoso.automatic_po = True
    world.contoso.save()
    world.rule.unit_price = Decimal(100)
    world.rule.save()
    rng = random.Random(seed)
    if broker == "redis":
        from kombu import Connection

        worker = request.getfixturevalue("celery_worker_redis")
        redis_url = request.getfixturevalue("redis_url")
        web = WebServer(env={"CELERY_BROKER_URL": redis_url, **WORKER_SETTINGS})

        def send(task, *args):
            with Connection(redis_url) as connection:
                task.apply_async(args=args, connection=connection)
    else:
        worker = request.getfixturevalue("celery_worker")
        web = WebServer(env=WORKER_SETTINGS)

        def send(task, *args):
            task.delay(*args)

    _, key = api_token_create(user=world.csr, name="fault test")
    settings.WEBHOOKS_ALLOW_PRIVATE_URLS = True
    receiver = Receiver()
    request.addfinalizer(receiver.close)
    subscription_create(url=receiver.url, events=["*"])
    statuses: list[int] = []
    stop = threading.Event()
    users = [
        threading.Thread(
            target=enter_orders, args=(web, key, n, stop, random.Random(seed + n), statuses)
        )
        for n in range(USERS)
    ]
    try:
        for user in users:
            user.start()
        for _ in range(KILLS):
            time.sleep(rng.uniform(0.5, 3.0))
            worker.kill()
            assert worker.log().count("ready.") >= 1
            time.sleep(rng.uniform(0.0, 1.5))
            worker.start()
        time.sleep(rng.uniform(0.5, 2.0))
    finally:
        stop.set()
        for user in users:
            user.join(60)
        web.stop()

    assert statuses and set(statuses) == {201}, web.log()
    assert FulfillmentLine.objects.count() == len(statuses)
    try:
        wait_for(
            lambda: everything_supplied_and_sent(send),
            timeout=90,
            interval=1,
            what="the safety nets to finish what the killed workers left",
        )
    except AssertionError as timed_out:
        raise AssertionError(f"{timed_out}: {flow_state()}\n{worker.log()[-3000:]}") from None
    assert duplicates(SupplyOrder) == []
    assert duplicates(RequisitionLine) == []
    assert duplicates(PurchaseOrderLine) == []
    assert SupplyOrder.objects.count() == len(statuses)
    assert SupplyOrder.objects.exclude(status="IN_PROCESS").count() == 0
    emailed = " ".join(mail_server.subjects())
    opened = PurchaseOrder.objects.filter(status="OPEN")
    assert opened and all(po.number in emailed for po in opened)  # never zero times
    # A touchless run groups lines into one PO: from 10,000 on it waits for a manager.
    for po in PurchaseOrder.objects.exclude(status="OPEN"):
        assert po.status == "PENDING_APPROVAL" and purchase_order_total(po) >= 10_000
    received = {r["headers"]["webhook-id"] for r in receiver.requests}
    assert received == set(Event.objects.values_list("id", flat=True))  # each, none invented
    assert Event.objects.filter(type="sales_order.created").count() == len(statuses)
    log = worker.log()
    assert "Unrecoverable error" not in log and worker.alive(), log[-3000:]
