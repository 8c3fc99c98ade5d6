"""A receiver that breaks off its answer, or trickles it byte by byte, costs one recorded failed
attempt (retried later as usual) — within WEBHOOKS_DELIVERY_SECONDS for the whole delivery, so a
slow receiver cannot hold the webhooks relay past its lease."""

import socket
import threading
import time
from decimal import Decimal

import pytest

from core.models import OutboxMessage
from core.outbox import outbox_relay
from tests.webhooks.receiver import Receiver
from webhooks.models import DeliveryAttempt
from webhooks.services import subscription_create

pytestmark = pytest.mark.django_db


class RawReceiver:
    """A loopback TCP server that reads the request and then `answer(connection)`s it."""

    def __init__(self, answer):
        self.answer = answer
        self.server = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.server.getsockname()[1]}/hooks"
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self):
        self.server.settimeout(0.2)
        while not self.stop.is_set():
            try:
                connection, _ = self.server.accept()
            except OSError:
                continue
            threading.Thread(target=self.handle, args=(connection,), daemon=True).start()

    def handle(self, connection):
        with connection:
            connection.settimeout(5)
            received = b""
            try:
                while b"\r\n\r\n" not in received:
                    received += connection.recv(65536)
                self.answer(connection, self.stop)
            except OSError:
                pass

    def close(self):
        self.stop.set()
        self.thread.join()
        self.server.close()


@pytest.fixture
def flow(settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_URLS = True
    settings.WEBHOOKS_DELIVERY_SECONDS = 1.5
    settings.PO_APPROVAL_THRESHOLD = Decimal("100000")


def breaks_off(connection, stop):
    connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nshort")


def trickles_the_body(connection, stop):
    connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n")
    while not stop.wait(0.1):
        connection.sendall(b"x")


def trickles_the_headers(connection, stop):
    connection.sendall(b"HTTP/1.1 200 OK\r\n")
    while not stop.wait(0.1):
        connection.sendall(b"X-Slow: y\r\n")


def test_an_answer_broken_off_after_the_headers_is_a_recorded_attempt_retried(world, flow):
    receiver = RawReceiver(breaks_off)
    try:
        subscription = subscription_create(url=receiver.url, events=["sales_order.created"])
        world.order((world.laptop, 1))
        outbox_relay()
        outbox_relay(lane="webhooks")
    finally:
        receiver.close()

    attempt = DeliveryAttempt.objects.get(subscription=subscription)
    assert not attempt.succeeded
    assert "IncompleteRead" in attempt.error or "ProtocolError" in attempt.error
    message = OutboxMessage.objects.get(topic="webhooks.deliver")
    assert message.status == "PENDING" and message.attempts == 1


@pytest.mark.parametrize("answer", [trickles_the_body, trickles_the_headers])
def test_a_receiver_trickling_its_answer_is_cut_off_at_the_delivery_deadline(world, flow, answer):
    receiver = RawReceiver(answer)
    try:
        subscription = subscription_create(url=receiver.url, events=["sales_order.created"])
        world.order((world.laptop, 1))
        outbox_relay()
        started = time.monotonic()
        outbox_relay(lane="webhooks")
        took = time.monotonic() - started
    finally:
        receiver.close()

    assert took < 4  # the deadline (1.5 s), not 10 s per read for ever
    attempt = DeliveryAttempt.objects.get(subscription=subscription)
    assert not attempt.succeeded
    assert "deadline" in attempt.error
    assert OutboxMessage.objects.get(topic="webhooks.deliver").status == "PENDING"


def test_at_most_three_of_a_names_addresses_are_tried(world, flow, dns):
    receiver = Receiver()  # on 127.0.0.1; nothing listens on 127.0.0.2-4 (refused at once)
    url = f"http://hooks.example.com:{receiver.port}/hooks"
    try:
        dns.point("hooks.example.com", ["127.0.0.2", "127.0.0.1"])
        second = subscription_create(url=url, events=["sales_order.created"])
        world.order((world.laptop, 1))
        outbox_relay()
        outbox_relay(lane="webhooks")
        assert len(receiver.requests) == 1  # the second address answered

        second.delete()
        dns.point("hooks.example.com", ["127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.1"])
        fourth = subscription_create(url=url, events=["sales_order.created"])
        world.order((world.laptop, 2))
        outbox_relay()
        outbox_relay(lane="webhooks")
    finally:
        receiver.close()

    assert len(receiver.requests) == 1
    attempt = DeliveryAttempt.objects.get(subscription=fourth)
    assert attempt.status_code is None and "ConnectionError" in attempt.error
