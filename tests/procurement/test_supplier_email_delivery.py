"""Supplier emails through a real worker and a real SMTP server: a PO is communicated once the
mail server has its email, and a crash or an outage of the mail server loses no email."""

import pytest

from core.models import OutboxMessage, TransitionLog
from core.tasks import relay_outbox
from procurement.models import PurchaseOrder
from supply.services import sales_order_submit
from tests.workers import wait_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def touchless_po(world):
    """An order whose line the worker turns into an OPEN touchless PO (2 × 900, under the
    approval threshold), which it then emails."""
    world.contoso.automatic_po = True
    world.contoso.save()
    sales_order_submit(order=world.order((world.laptop, 2)), acting_user=world.csr)
    return wait_for(
        lambda: PurchaseOrder.objects.filter(status="OPEN").first(),
        timeout=40,
        what="the worker to open the touchless PO",
    )


def emails_for(mail_server, po) -> int:
    return sum(po.number in subject for subject in mail_server.subjects())


def relayed(mail_server, po) -> bool:
    """One beat of the outbox safety net, then: has the email arrived?"""
    relay_outbox.delay()
    return emails_for(mail_server, po) > 0


def test_an_email_cut_off_by_a_killed_worker_goes_out_when_the_worker_is_back(
    celery_worker, mail_server, world
):
    mail_server.stalling = True
    try:
        po = touchless_po(world)
        # The worker has leased the message and is inside the SMTP conversation: kill it there.
        wait_for(lambda: mail_server.stalled, timeout=30, what="the worker to start sending")
        celery_worker.kill()
    finally:
        mail_server.stalling = False
    message = OutboxMessage.objects.get(key__startswith=f"purchase-order-email:{po.pk}:")
    assert (message.status, message.attempts) == ("PENDING", 1)
    po.refresh_from_db()
    assert po.communicated_at is None  # not "sent" while the mail server has nothing

    celery_worker.start()
    wait_for(lambda: relayed(mail_server, po), timeout=40, interval=1, what="the email")

    po.refresh_from_db()
    assert po.communicated_at is not None and po.communicated_revision == po.revision
    assert emails_for(mail_server, po) == 1
    assert TransitionLog.objects.filter(document_id=po.pk, field="communicated").count() == 1
    assert OutboxMessage.objects.get(pk=message.pk).status == "DELIVERED"


def test_an_email_refused_by_a_mail_server_that_is_down_goes_out_when_it_is_back(
    celery_worker, mail_server, world
):
    mail_server.refusing = True
    try:
        po = touchless_po(world)
        # Beat keeps relaying; each try is refused and the next waits longer.
        wait_for(
            lambda: relayed(mail_server, po) or mail_server.refused >= 2,
            timeout=30,
            interval=1,
            what="two refused attempts",
        )
        message = OutboxMessage.objects.get(key__startswith=f"purchase-order-email:{po.pk}:")
        assert message.status == "PENDING" and message.attempts >= 2
        assert "451" in message.last_error
        po.refresh_from_db()
        assert po.communicated_at is None and emails_for(mail_server, po) == 0
    finally:
        mail_server.refusing = False

    wait_for(lambda: relayed(mail_server, po), timeout=30, interval=1, what="the email")

    po.refresh_from_db()
    assert po.communicated_at is not None
    assert emails_for(mail_server, po) == 1
    assert OutboxMessage.objects.get(pk=message.pk).status == "DELIVERED"
