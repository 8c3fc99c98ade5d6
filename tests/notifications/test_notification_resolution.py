"""A notification about trouble follows the trouble: when the exception (or backorder) it
reports is resolved, it is marked resolved — or withdrawn when that happened within a minute —
and its "Open" goes to the line it is about."""

import datetime

import pytest
import time_machine
from django.utils import timezone

from core.models import Notification
from core.outbox import outbox_relay
from supply.flows.buy import purchase_order_cancel
from supply.services import supply_order_retry
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def in_exception(world):
    """A line whose PO was cancelled: its supply order in EXCEPTION, the line BACKORDERED."""
    line = world.supplied(world.laptop, 2)
    purchase_order_cancel(po=world.on_po(line).purchase_order, reason="supplier closed")
    return line, line.supply_orders.get()


def later(minutes: int):
    moment = timezone.now() + datetime.timedelta(minutes=minutes)
    return time_machine.travel(moment, tick=False)


def test_a_resolved_exception_marks_its_notification_resolved_and_read(world, client):
    _line, supply_order = in_exception(world)
    manager = UserFactory(username="om", roles=["orchestration_manager"])

    with later(5):
        supply_order_retry(supply_order=supply_order, acting_user=manager)

    exception = Notification.objects.get(user=world.csr, kind="line_exception")
    backorder = Notification.objects.get(user=world.csr, kind="line_backordered")
    assert exception.resolved_at is not None and exception.read_at is not None
    assert backorder.resolved_at is not None  # the line is awaiting supply again
    client.force_login(world.csr)
    inbox = client.get("/notifications/").content.decode()
    assert inbox.count('data-testid="resolved"') == 2
    assert 'aria-label="Notifications: 0 unread"' in inbox


def test_an_exception_solved_within_the_minute_withdraws_its_notification(world, mailoutbox):
    _line, supply_order = in_exception(world)
    manager = UserFactory(username="om", roles=["orchestration_manager"])

    supply_order_retry(supply_order=supply_order, acting_user=manager)
    outbox_relay()

    assert not Notification.objects.filter(user=world.csr).exists()
    assert [m.subject for m in mailoutbox if "exception" in m.subject] == []


def test_an_emailed_notification_solved_within_the_minute_stays_in_the_inbox(world, mailoutbox):
    _line, supply_order = in_exception(world)
    manager = UserFactory(username="om", roles=["orchestration_manager"])
    outbox_relay()  # the CSR has the emails before the exception is solved
    emailed = {m.subject for m in mailoutbox}
    assert any("exception" in subject for subject in emailed)

    supply_order_retry(supply_order=supply_order, acting_user=manager)

    exception = Notification.objects.get(user=world.csr, kind="line_exception")
    assert exception.resolved_at is not None  # the email names it: the inbox keeps it, resolved


def test_a_notification_still_open_stays_unresolved(world):
    in_exception(world)

    assert set(
        Notification.objects.filter(user=world.csr).values_list("resolved_at", "read_at")
    ) == {(None, None)}


def test_open_goes_to_the_lines_pegging_page(world, client):
    line, _supply_order = in_exception(world)
    client.force_login(world.csr)
    exception = Notification.objects.get(user=world.csr, kind="line_exception")

    opened = client.post("/notifications/read/", {"id": exception.pk})

    pegging = f"/supply/lines/{line.order.number}/{line.line_number}/"
    assert opened["Location"] == pegging
    assert client.get(pegging).status_code == 200


def test_a_user_who_cannot_read_supply_opens_the_line_on_its_order(world):
    from notifications.services import line_url

    line, _supply_order = in_exception(world)
    warehouse = UserFactory(username="wh", roles=["warehouse"])

    assert line_url(line, warehouse) == f"/orders/{line.order.number}/#line-{line.line_number}"
