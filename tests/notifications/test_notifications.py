"""Who hears of what: the CSR of an order of lines in exception, backordered or in jeopardy;
the buyer of a PO rejected by an approver or the supplier; the approvers of a PO waiting for
them — in the bell and by email (rendered from a template, through the outbox), unless they
opted out of the kind."""

import datetime
from decimal import Decimal

import pytest

from core.models import Notification
from core.outbox import outbox_relay
from procurement.services import purchase_order_reject, purchase_order_submit
from supply.flows.buy import (
    purchase_order_acknowledge,
    purchase_order_cancel,
    purchase_orders_create,
)
from tests.factories import UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_po_approval_needed")]


def kinds_of(user):
    return sorted(Notification.objects.filter(user=user).values_list("kind", flat=True))


def test_the_csr_hears_of_a_line_whose_supply_failed_in_the_bell_and_by_email(world, mailoutbox):
    line = world.supplied(world.laptop, 2)
    po_line = world.on_po(line)
    mailoutbox.clear()

    purchase_order_cancel(po=po_line.purchase_order, reason="supplier closed")
    outbox_relay()

    assert kinds_of(world.csr) == ["line_backordered", "line_exception"]
    exception = Notification.objects.get(user=world.csr, kind="line_exception")
    supply_order = line.supply_orders.earliest("id")
    assert exception.message.startswith(
        f"{line.number} (LAPTOP-15): supply {supply_order.number} is in exception"
    )
    assert exception.url == f"/supply/lines/{line.order.number}/{line.line_number}/"
    assert sorted(m.to[0] for m in mailoutbox) == [world.csr.email, world.csr.email]
    body = next(m.body for m in mailoutbox if "in exception" in m.subject)
    assert "supplier closed" in body and exception.url in body
    assert "change them on your profile page" in body


def test_a_user_who_opted_out_of_a_kind_gets_no_email_of_it(world, client, mailoutbox):
    client.force_login(world.csr)
    kept = ["line_exception", "line_jeopardy", "po_rejected", "po_awaiting_approval"]
    client.post("/profile/email/", {"email": kept})
    line = world.supplied(world.laptop, 2)
    po_line = world.on_po(line)
    mailoutbox.clear()

    purchase_order_cancel(po=po_line.purchase_order, reason="supplier closed")
    outbox_relay()

    assert kinds_of(world.csr) == ["line_backordered", "line_exception"]  # both in the bell
    assert ["in exception" in m.subject for m in mailoutbox] == [True]
    page = client.get("/profile/").content.decode()
    assert 'value="line_backordered" id="email-line_backordered">' in page  # unchecked


def test_approvers_hear_of_a_po_waiting_and_the_buyer_of_its_rejection(world, settings):
    settings.PO_APPROVAL_THRESHOLD = Decimal("1")
    buyer = UserFactory(username="bruno", roles=["buyer"])
    approver = UserFactory(username="max", roles=["procurement_manager"])
    line = world.supplied(world.laptop, 2)
    (po,) = purchase_orders_create(
        requisition_line_ids=[line.requisition_lines.get().pk], acting_user=buyer
    )
    purchase_order_submit(po=po, acting_user=buyer)

    assert kinds_of(approver) == ["po_awaiting_approval"]
    assert kinds_of(buyer) == []
    purchase_order_reject(po=po, reason="too dear", acting_user=approver)

    rejected = Notification.objects.get(user=buyer)
    assert (rejected.kind, rejected.message) == (
        "po_rejected",
        f"{po.number} was rejected by an approver: too dear",
    )


def test_the_buyer_hears_of_a_supplier_rejection_and_the_csr_of_jeopardy(world):
    buyer = UserFactory(username="bruno", roles=["buyer"])
    line = world.supplied(world.laptop, 2)
    (po,) = purchase_orders_create(
        requisition_line_ids=[line.requisition_lines.get().pk], acting_user=buyer
    )
    purchase_order_submit(po=po, acting_user=buyer)
    later = line.scheduled_ship_date + datetime.timedelta(days=5)

    purchase_order_acknowledge(po=po, accepted=True, promised_dates={1: later}, acting_user=buyer)
    assert kinds_of(world.csr) == ["line_jeopardy"]
    assert "days after its promise: supplier promised" in Notification.objects.get().message

    purchase_order_acknowledge(po=po, accepted=False, promised_dates={}, note="no stock")
    assert "po_rejected" in kinds_of(buyer)


def test_the_bell_counts_unread_and_opening_one_marks_it_read(world, client):
    line = world.supplied(world.laptop, 2)
    purchase_order_cancel(po=world.on_po(line).purchase_order, reason="closed")
    client.force_login(world.csr)

    page = client.get("/orders/").content.decode()
    assert 'aria-label="Notifications: 2 unread"' in page
    notification = Notification.objects.get(kind="line_exception")
    opened = client.post("/notifications/read/", {"id": notification.pk})
    assert opened.status_code == 302 and opened["Location"] == notification.url
    client.post("/notifications/read/")
    assert 'aria-label="Notifications: 0 unread"' in client.get("/orders/").content.decode()
    other = UserFactory(username="eve", roles=["customer_service"])
    client.force_login(other)
    assert client.post("/notifications/read/", {"id": notification.pk}).status_code == 404
