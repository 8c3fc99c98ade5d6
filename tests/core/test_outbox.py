"""The transactional outbox: owed with the change, sent at least once, retried with backoff,
FAILED in the admin after the last attempt and sent again from there."""

import datetime

import pytest
from django.db import DataError, transaction
from django.utils import timezone

from core.models import OutboxMessage
from core.outbox import backoff, outbox_handler, outbox_relay, outbox_retry, outbox_write
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

TOPIC = "tests.receiver"
received: list[dict] = []
refusals: list[Exception] = []


@outbox_handler(TOPIC)
def _receive(payload):
    if refusals:
        raise refusals.pop(0)
    received.append(payload)


@pytest.fixture
def clock(time_machine):
    """The real time, which the test may move forward."""
    time_machine.move_to(timezone.now())
    return time_machine


@pytest.fixture(autouse=True)
def receiver():
    received.clear()
    refusals.clear()
    yield
    refusals.clear()


def owe(key="k1", payload=None):
    with transaction.atomic():
        return outbox_write(topic=TOPIC, key=key, payload=payload or {"n": 1})[0]


def later(seconds):
    """Let the clock run: the message's next attempt is now due."""
    message = OutboxMessage.objects.get()
    return message.next_attempt_at - timezone.now() + datetime.timedelta(seconds=seconds)


def test_a_message_is_owed_only_if_the_change_commits():
    with pytest.raises(RuntimeError), transaction.atomic():
        outbox_write(topic=TOPIC, key="rolled-back", payload={})
        raise RuntimeError("the business change failed")

    assert not OutboxMessage.objects.exists()
    assert outbox_relay() == 0 and received == []


def test_writing_the_same_key_twice_owes_it_once_and_it_is_delivered_once():
    owe()
    with transaction.atomic():
        _, created = outbox_write(topic=TOPIC, key="k1", payload={"n": 2})

    assert created is False
    assert outbox_relay() == 1 and received == [{"n": 1}]
    assert outbox_relay() == 0 and received == [{"n": 1}]
    message = OutboxMessage.objects.get()
    assert message.status == "DELIVERED" and message.delivered_at is not None


def test_a_refused_delivery_waits_longer_each_time_then_fails_for_good(settings, clock):
    settings.OUTBOX_MAX_ATTEMPTS = 3
    settings.OUTBOX_BACKOFF_SECONDS = 30
    owe()
    refusals.extend([ConnectionRefusedError("mail server down")] * 3)

    assert outbox_relay() == 0
    first = OutboxMessage.objects.get()
    assert (first.status, first.attempts) == ("PENDING", 1)
    assert "ConnectionRefusedError: mail server down" in first.last_error
    assert outbox_relay() == 0 and OutboxMessage.objects.get().attempts == 1  # not due yet

    clock.shift(later(1))
    assert outbox_relay() == 0
    second = OutboxMessage.objects.get()
    waited = second.next_attempt_at - timezone.now()
    assert datetime.timedelta(seconds=59) < waited <= datetime.timedelta(seconds=60)

    clock.shift(later(1))
    assert outbox_relay() == 0
    assert OutboxMessage.objects.get().status == "FAILED" and received == []
    clock.shift(datetime.timedelta(days=1))
    assert outbox_relay() == 0  # a FAILED message waits for a person


def test_an_error_no_attempt_can_cure_fails_the_message_at_once():
    owe()
    refusals.append(DataError("numeric field overflow"))

    assert outbox_relay() == 0

    message = OutboxMessage.objects.get()
    assert (message.status, message.attempts) == ("FAILED", 1)
    assert message.last_error == "DataError: numeric field overflow"


def test_backoff_doubles_up_to_its_cap(settings):
    settings.OUTBOX_BACKOFF_SECONDS = 30
    settings.OUTBOX_BACKOFF_MAX_SECONDS = 100
    assert [backoff(n).total_seconds() for n in (1, 2, 3, 4)] == [30, 60, 100, 100]


def test_a_relay_killed_mid_send_leaves_a_lease_that_runs_out_then_it_is_sent_again(
    settings, clock
):
    settings.OUTBOX_LEASE_SECONDS = 300
    owe()

    class Killed(BaseException):
        """What SIGKILL looks like to the code after it: nothing runs."""

    refusals.append(Killed())
    with pytest.raises(Killed):
        outbox_relay()
    leased = OutboxMessage.objects.get()
    assert (leased.status, leased.attempts) == ("PENDING", 1) and leased.locked_until

    assert outbox_relay() == 0  # another relay leaves it alone while the lease holds
    clock.shift(datetime.timedelta(seconds=301))
    assert outbox_relay() == 1 and received == [{"n": 1}]
    assert OutboxMessage.objects.get().attempts == 2


def test_staff_retry_a_failed_message_from_the_admin(client, settings):
    settings.OUTBOX_MAX_ATTEMPTS = 1
    owe()
    refusals.append(OSError("relay refused"))
    outbox_relay()
    message = OutboxMessage.objects.get()
    assert message.status == "FAILED"
    admin = UserFactory(username="ada", is_staff=True, is_superuser=True)
    client.force_login(admin)

    page = client.get("/admin/core/outboxmessage/?status__exact=FAILED")
    assert page.status_code == 200 and "OSError: relay refused" in page.text
    assert message.key in page.text
    response = client.post(
        "/admin/core/outboxmessage/",
        {"action": "retry", "_selected_action": [message.pk]},
        follow=True,
    )

    assert "1 failed message(s) queued again" in response.text
    retried = OutboxMessage.objects.get()
    assert (retried.status, retried.attempts) == ("PENDING", 0)
    assert outbox_relay() == 1 and received == [{"n": 1}]


def test_a_user_without_the_permission_cannot_retry(client, settings):
    settings.OUTBOX_MAX_ATTEMPTS = 1
    owe()
    refusals.append(OSError("relay refused"))
    outbox_relay()
    viewer = UserFactory(username="vic", is_staff=True)
    from django.contrib.auth.models import Permission

    viewer.user_permissions.add(Permission.objects.get(codename="view_outboxmessage"))
    client.force_login(viewer)

    client.post(
        "/admin/core/outboxmessage/",
        {"action": "retry", "_selected_action": [OutboxMessage.objects.get().pk]},
    )

    assert OutboxMessage.objects.get().status == "FAILED"


def test_one_relay_sends_everything_due_up_to_its_limit():
    for n in range(12):
        owe(key=f"k{n}", payload={"n": n})

    assert outbox_relay(limit=8) == 8
    assert outbox_relay() == 4
    assert sorted(p["n"] for p in received) == list(range(12))


def test_a_relay_whose_lease_ran_out_does_not_overrule_the_relay_that_took_over(settings, clock):
    from core.outbox import _lease, _settle

    settings.OUTBOX_LEASE_SECONDS = 300
    owe()
    first = _lease()  # relay 1 starts sending …
    clock.shift(datetime.timedelta(seconds=301))  # … and is still at it when its lease ends
    refusals.append(OSError("451 try again later"))
    assert outbox_relay() == 0  # relay 2 took over, was refused and scheduled a retry
    scheduled = OutboxMessage.objects.get()

    _settle(first, TimeoutError("the mail server answered too late"))  # relay 1 gives up

    message = OutboxMessage.objects.get()
    assert (message.next_attempt_at, message.last_error) == (
        scheduled.next_attempt_at,
        "OSError: 451 try again later",
    )


def test_a_message_whose_relay_dies_every_time_fails_after_the_last_attempt(settings, clock):
    settings.OUTBOX_MAX_ATTEMPTS = 2
    settings.OUTBOX_LEASE_SECONDS = 60
    owe()

    class Killed(BaseException):
        pass

    for _ in range(2):
        refusals.append(Killed())
        with pytest.raises(Killed):
            outbox_relay()
        clock.shift(datetime.timedelta(seconds=61))

    assert outbox_relay() == 0
    message = OutboxMessage.objects.get()
    assert message.status == "FAILED" and "relay stopped" in message.last_error
    assert received == []


def test_retrying_a_message_that_is_not_failed_changes_nothing():
    owe()
    outbox_relay()

    message = outbox_retry(message=OutboxMessage.objects.get())

    assert message.status == "DELIVERED" and outbox_relay() == 0 and len(received) == 1
