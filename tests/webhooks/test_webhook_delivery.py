"""Webhooks to a real HTTP receiver on loopback: a Buy order through the flow produces its
events in order, each signed so that the Standard Webhooks check passes; a receiver that
answers 500 gets the same webhook-id again later, and every attempt is listed; a change that
rolls back sends nothing."""

import base64
import datetime
import hashlib
import hmac
from decimal import Decimal

import pytest
import time_machine
from django.db import transaction

from core.models import OutboxMessage
from core.outbox import outbox_relay
from supply.flows.receive import receipt_create
from supply.flows.ship import shipment_confirm
from tests.webhooks.people import webhook_user
from warehouse.services import ReceiveLine
from warehouse.shipments import ShipLine, shipment_create, shipment_move
from webhooks.models import DeliveryAttempt
from webhooks.services import subscription_create

pytestmark = pytest.mark.django_db


def verified(request, secret: str) -> bool:
    """The Standard Webhooks check, written from the specification."""
    headers = request["headers"]
    signed = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.".encode() + request["body"]
    key = base64.b64decode(secret.removeprefix("whsec_"))
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    return any(
        hmac.compare_digest(expected, part.removeprefix("v1,"))
        for part in headers["webhook-signature"].split()
    )


def relay_all():
    while outbox_relay() + outbox_relay(lane="webhooks"):
        pass


def test_a_buy_order_sends_its_events_in_order_signed(world, receiver):
    subscription = subscription_create(url=receiver.url, events=["*"])
    line = world.supplied(world.laptop, 2)
    po_line = world.on_po(line)
    receipt_create(purchase_order=po_line.purchase_order, lines=[ReceiveLine(1, Decimal(2))])
    shipment = shipment_create(organization=world.w1, lines=[ShipLine(line)])
    shipment_move(shipment=shipment, action="pick")
    shipment_move(shipment=shipment, action="pack")
    shipment_confirm(shipment=shipment, carrier="UPS", tracking_number="1Z999")
    relay_all()

    assert all(verified(r, subscription.secret) for r in receiver.requests)
    events = receiver.events()
    types = [e["type"] for e in events]
    assert types[0] == "sales_order.created"
    for expected in (
        "purchase_order.status_changed",
        "purchase_order.communicated",
        "shipment.confirmed",
        "invoice.posted",
    ):
        assert expected in types
    line_moves = [
        (e["data"]["from"], e["data"]["to"])
        for e in sorted(events, key=lambda e: e["data"].get("sequence", 0))
        if e["type"] == "sales_order.line.status_changed"
    ]
    assert line_moves == [
        ("DRAFT", "SCHEDULED"),
        ("SCHEDULED", "AWAITING_SUPPLY"),
        ("AWAITING_SUPPLY", "AWAITING_SHIPPING"),
        ("AWAITING_SHIPPING", "SHIPPED"),
        ("SHIPPED", "AWAITING_BILLING"),
        ("AWAITING_BILLING", "CLOSED"),
    ]
    confirmed = next(e for e in events if e["type"] == "shipment.confirmed")["data"]
    assert (confirmed["carrier"], confirmed["tracking_number"]) == ("UPS", "1Z999")
    invoice = next(e for e in events if e["type"] == "invoice.posted")["data"]
    assert (invoice["currency"], invoice["total"]) == ("USD", "2400.00")
    assert len({r["headers"]["webhook-id"] for r in receiver.requests}) == len(events)


def test_a_receiver_answering_500_gets_the_same_event_again_later(world, receiver, client):
    subscription = subscription_create(url=receiver.url, events=["sales_order.created"])
    receiver.answers = [500]
    world.order((world.laptop, 1))

    assert outbox_relay(lane="webhooks") == 0
    message = OutboxMessage.objects.get(topic="webhooks.deliver")
    assert message.next_attempt_at - message.created_at < datetime.timedelta(seconds=20)
    with time_machine.travel(message.next_attempt_at + datetime.timedelta(seconds=1)):
        assert outbox_relay(lane="webhooks") == 1

    first, second = receiver.requests
    assert first["headers"]["webhook-id"] == second["headers"]["webhook-id"]
    assert first["body"] == second["body"]
    client.force_login(webhook_user("ops", "view_subscription"))
    attempts = client.get(f"/api/v1/webhooks/{subscription.pk}/deliveries").json()
    assert attempts["count"] == 2
    assert [a["status_code"] for a in attempts["items"]] == [200, 500]
    assert attempts["items"][1]["error"].startswith("HTTP 500")


def test_only_the_event_types_subscribed_are_sent_and_nothing_without_a_subscription(
    world, receiver
):
    world.order((world.laptop, 1))
    assert not OutboxMessage.objects.filter(topic="webhooks.deliver").exists()
    subscription_create(url=receiver.url, events=["invoice.posted"])
    world.supplied(world.laptop, 1)
    assert not OutboxMessage.objects.filter(topic="webhooks.deliver").exists()


def test_a_change_that_rolls_back_sends_nothing(world, receiver):
    subscription_create(url=receiver.url, events=["*"])
    with pytest.raises(RuntimeError), transaction.atomic():
        world.order((world.laptop, 1))
        raise RuntimeError("the caller gives up")
    assert not OutboxMessage.objects.filter(topic="webhooks.deliver").exists()


def test_a_dead_receiver_is_retried_and_each_attempt_recorded(world, receiver):
    subscription = subscription_create(url="http://127.0.0.1:9/nobody", events=["*"])
    world.order((world.laptop, 1))

    assert outbox_relay() == 0  # the default lane leaves webhooks to their own relay
    assert not DeliveryAttempt.objects.exists()
    assert outbox_relay(lane="webhooks") == 0

    attempt = DeliveryAttempt.objects.get(subscription=subscription)
    assert attempt.status_code is None and "ConnectionError" in attempt.error
    assert OutboxMessage.objects.get(topic="webhooks.deliver").status == "PENDING"
