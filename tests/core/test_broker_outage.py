"""Redis goes down while users work: what they did is committed and answered as done (never a
500 after the commit), nothing is duplicated, and once Redis is back the safety nets supply
every line."""

import threading

import pytest
from django.db.models import Count
from kombu import Connection

from billing.models import Invoice
from core.services import api_token_create
from core.tasks import relay_outbox
from orders.models import FulfillmentLine
from procurement.models import PurchaseOrder
from supply.flows.buy import touchless_run
from supply.models import SupplyOrder
from supply.services import sales_order_submit, supply_order_create_document
from supply.tasks import requeue_stale_supply_orders
from tests.conftest import WORKER_SETTINGS
from tests.factories import UserFactory
from tests.workers import WebServer, post_json, wait_for
from tests.world import api_order
from warehouse.shipments import ShipLine, shipment_create, shipment_move

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

USERS, ORDERS_EACH = 4, 5
BIG_ORDER_LINES = 12


def po_waiting_for_approval(world) -> PurchaseOrder:
    """A touchless PO over the approval threshold (20 × 900): its approval owes an email."""
    world.contoso.automatic_po = True
    world.contoso.save()
    sales_order_submit(order=world.order((world.laptop, 20)), acting_user=world.csr)
    # The session's embedded worker may be doing the same from the submit's tasks: both ways
    # end in one PO (creating supply and the touchless run are idempotent).
    supply_order_create_document(supply_order_id=SupplyOrder.objects.get().pk)
    touchless_run()
    po = PurchaseOrder.objects.get()
    assert po.status == "PENDING_APPROVAL"
    return po


def packed_shipment(world):
    """A shipment of stock on hand, packed: its ship confirm owes an invoice."""
    world.stock(world.laptop, 3)
    order = world.order((world.laptop, 3), external_reference="FROM-STOCK")
    sales_order_submit(order=order, acting_user=world.csr)
    shipment = shipment_create(organization=world.w1, lines=[ShipLine(order.lines.get())])
    for action in ("pick", "pack"):
        shipment_move(shipment=shipment, action=action)
    return shipment


def test_orders_entered_while_redis_is_down_are_answered_and_supplied_when_it_is_back(
    world, redis_server, celery_worker_redis
):
    po = po_waiting_for_approval(world)
    shipment = packed_shipment(world)
    shipper = UserFactory(username="wally", roles=["warehouse"])
    _, shipper_key = api_token_create(user=shipper, name="outage")
    _, csr_key = api_token_create(user=world.csr, name="outage")
    manager = UserFactory(username="max", roles=["procurement_manager"])
    _, manager_key = api_token_create(user=manager, name="outage")
    web = WebServer(env={"CELERY_BROKER_URL": redis_server.url, **WORKER_SETTINGS})
    statuses: list[int] = []

    def enter_orders(user):
        for n in range(ORDERS_EACH):
            order = api_order(f"OUTAGE-{user}-{n}")
            statuses.append(post_json(f"{web.url}/api/v1/sales-orders", csr_key, order))

    redis_server.kill()
    try:
        users = [threading.Thread(target=enter_orders, args=(n,)) for n in range(USERS)]
        for user in users:
            user.start()
        approved = post_json(
            f"{web.url}/api/v1/purchase-orders/{po.number}/approve", manager_key, {}
        )
        shipped = post_json(
            f"{web.url}/api/v1/shipments/{shipment.number}/confirm", shipper_key, {}
        )
        # One task per line: the first failed publish stops the others waiting.
        big_order = api_order("OUTAGE-BIG", lines=BIG_ORDER_LINES)
        statuses.append(post_json(f"{web.url}/api/v1/sales-orders", csr_key, big_order))
        for user in users:
            user.join(120)
    finally:
        redis_server.start()
    log = web.log()
    web.stop()

    assert statuses == [201] * (USERS * ORDERS_EACH + 1), log[-3000:]
    assert (approved, shipped) == (200, 200)
    assert "Broker unavailable" in log and "Internal Server Error" not in log
    lines = FulfillmentLine.objects.filter(order__external_reference__startswith="OUTAGE-")
    assert lines.count() == USERS * ORDERS_EACH + BIG_ORDER_LINES  # each order once
    assert (
        list(SupplyOrder.objects.values("demand_line").annotate(n=Count("id")).filter(n__gt=1))
        == []
    )

    def supplied():
        # What beat sends every 30 s; the worker has reconnected to the new Redis by itself.
        with Connection(redis_server.url) as connection:
            requeue_stale_supply_orders.apply_async(connection=connection)
        return not lines.exclude(status="AWAITING_SUPPLY").exists()

    wait_for(supplied, timeout=60, interval=1, what="every line supplied after the outage")
    assert SupplyOrder.objects.filter(status="IN_PROCESS").count() == lines.count() + 1

    def invoiced():
        with Connection(redis_server.url) as connection:
            relay_outbox.apply_async(connection=connection)  # the outbox's safety net
        return Invoice.objects.filter(sales_order__external_reference="FROM-STOCK").count()

    assert wait_for(invoiced, timeout=30, interval=1, what="the shipment invoiced") == 1
