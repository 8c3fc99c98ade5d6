"""Change orders that come from sales order changes: held for the buyer's review when
PO_CHANGE_ORDER_REVIEW is on (sent at once by default), rapid changes make one revision while
the latest one is not sent yet, and the buyer and the approver see what changed, old → new."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from core.models import OutboxMessage
from core.outbox import outbox_relay
from procurement.models import PurchaseOrder
from supply.services import line_change
from tests.factories import UserFactory
from tests.world import assert_pegging_holds

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_po_approval_needed")]


def change(line, quantity):
    line_change(
        line=line, quantity=Decimal(quantity), acting_user=line.order.created_by, reason="customer"
    )


def subjects(mailoutbox) -> list[str]:
    """The revisions emailed to the supplier."""
    return [m.subject.split()[-1] for m in mailoutbox if m.subject.startswith("Purchase order")]


def test_by_default_a_sales_order_change_goes_to_the_supplier_at_once(world, mailoutbox):
    line = world.supplied(world.laptop, 5)
    world.on_po(line)

    change(line, 6)
    outbox_relay()

    po = PurchaseOrder.objects.get()
    assert (po.revision, po.communicated_revision, po.change_order_held_at) == (1, 1, None)
    assert subjects(mailoutbox) == ["0", "1"]


def test_a_held_change_order_waits_for_the_buyer_and_later_changes_join_it(
    world, settings, mailoutbox, client_for
):
    settings.PO_CHANGE_ORDER_REVIEW = True
    line = world.supplied(world.laptop, 5)
    world.on_po(line)

    change(line, 6)
    change(line, 8)
    change(line, 7)
    outbox_relay()

    po = PurchaseOrder.objects.get()
    assert (po.revision, po.communicated_revision) == (1, 0)  # one revision, not three
    assert po.change_order_held_at is not None
    assert subjects(mailoutbox) == ["0"]  # nothing went to the supplier
    buyer = client_for("buyer")
    assert po.number in buyer.get("/procurement/purchase-orders/?held=1").content.decode()
    page = buyer.get(f"/procurement/purchase-orders/{po.number}/").content.decode()
    assert "held for your review" in page
    changes = page[page.index('data-testid="changes-not-sent"') :]
    assert "Quantity" in changes and "5" in changes and "<strong>7</strong>" in changes
    assert "Send to supplier" in page

    buyer.post(f"/procurement/purchase-orders/{po.number}/communicate/")
    outbox_relay()

    po.refresh_from_db()
    assert (po.revision, po.communicated_revision, po.change_order_held_at) == (1, 1, None)
    assert subjects(mailoutbox) == ["0", "1"]
    assert " x 7 at " in mailoutbox[-1].body
    page = buyer.get(f"/procurement/purchase-orders/{po.number}/").content.decode()
    assert 'data-testid="changes-not-sent"' not in page and "held for your review" not in page
    assert_pegging_holds()


def test_the_buyers_own_change_is_not_held(world, settings, mailoutbox, client_for):
    settings.PO_CHANGE_ORDER_REVIEW = True
    line = world.supplied(world.laptop, 5)
    po_line = world.on_po(line)

    answer = client_for("buyer").patch(
        f"/api/v1/purchase-orders/{po_line.purchase_order.number}/lines/1",
        {"quantity": "6"},
        content_type="application/json",
    )
    outbox_relay()

    assert answer.status_code == 200
    assert subjects(mailoutbox) == ["0", "1"]


def test_changes_within_the_window_make_one_revision_sent_when_it_ends(
    world, settings, mailoutbox, time_machine
):
    settings.PO_CHANGE_ORDER_WINDOW_MINUTES = 5
    time_machine.move_to(timezone.now(), tick=False)
    line = world.supplied(world.laptop, 5)
    world.on_po(line)

    change(line, 6)
    time_machine.shift(datetime.timedelta(minutes=1))
    change(line, 9)
    outbox_relay()
    assert subjects(mailoutbox) == ["0"]  # still inside the window

    time_machine.shift(datetime.timedelta(minutes=5))
    outbox_relay()
    change(line, 4)  # after it was sent: a new revision
    time_machine.shift(datetime.timedelta(minutes=6))
    outbox_relay()

    po = PurchaseOrder.objects.get()
    assert (po.revision, po.communicated_revision) == (2, 2)
    assert subjects(mailoutbox) == ["0", "1", "2"]
    assert " x 9 at " in mailoutbox[1].body and " x 4 at " in mailoutbox[2].body
    assert OutboxMessage.objects.filter(key__startswith="purchase-order-email:").count() == 3
    assert_pegging_holds()


def test_the_approver_sees_what_a_change_order_changed_per_line(world, settings, client_for):
    settings.PO_APPROVAL_THRESHOLD = Decimal("5000")  # 5 × 900 under, 7 × 900 over
    line = world.supplied(world.laptop, 5)
    world.on_po(line)

    change(line, 7)

    po = PurchaseOrder.objects.get()
    assert po.status == "PENDING_APPROVAL"
    approver = client_for("procurement_manager")
    queue = approver.get("/procurement/approvals/").content.decode()
    changes = queue[queue.index(f'data-testid="changes-{po.number}"') :]
    assert "Change order, revision 1" in changes
    assert "line 1 quantity: 5 → <strong>7</strong>" in changes
    page = approver.get(f"/procurement/purchase-orders/{po.number}/").content.decode()
    assert 'data-testid="changes-not-sent"' in page


def test_a_change_order_waiting_in_the_window_that_needs_approval_is_sent_once_approved(
    world, settings, mailoutbox, time_machine
):
    from procurement.services import purchase_order_approve

    settings.PO_CHANGE_ORDER_WINDOW_MINUTES = 5
    settings.PO_APPROVAL_THRESHOLD = Decimal("5000")
    time_machine.move_to(timezone.now(), tick=False)
    line = world.supplied(world.laptop, 4)
    world.on_po(line)

    change(line, 5)  # 4500: under, waits out the window
    change(line, 6)  # 5400: over, to the approver first

    po = PurchaseOrder.objects.get()
    assert (po.status, po.revision) == ("PENDING_APPROVAL", 1)
    purchase_order_approve(po=po, acting_user=UserFactory(roles=["procurement_manager"]))
    time_machine.shift(datetime.timedelta(minutes=6))
    outbox_relay()

    assert subjects(mailoutbox) == ["0", "1"]
    assert " x 6 at " in mailoutbox[1].body


def test_the_api_lists_held_change_orders_and_what_changed(world, settings, client_for):
    settings.PO_CHANGE_ORDER_REVIEW = True
    line = world.supplied(world.laptop, 5)
    world.on_po(line)
    change(line, 3)
    po = PurchaseOrder.objects.get()
    buyer = client_for("buyer")

    held = buyer.get("/api/v1/purchase-orders?change_order_held=true").json()["items"]
    detail = buyer.get(f"/api/v1/purchase-orders/{po.number}").json()

    assert [row["number"] for row in held] == [po.number]
    assert held[0]["change_order_held_at"] is not None
    assert detail["changes_not_sent"] == [
        {"line_number": 1, "field": "Quantity", "before": "5", "after": "3"}
    ]


def test_the_buyer_is_notified_once_of_a_held_change_order(world, settings):
    from django.contrib.auth import get_user_model

    from core.models import Notification

    settings.PO_CHANGE_ORDER_REVIEW = True
    line = world.supplied(world.laptop, 5)
    world.on_po(line)

    change(line, 6)
    change(line, 4)

    buyer = get_user_model().objects.get(username="bruno")
    (told,) = Notification.objects.filter(user=buyer, kind="po_change_order_held")
    po = PurchaseOrder.objects.get()
    assert f"{po.number} revision 1" in told.message and "waits for your review" in told.message
    assert told.url == f"/procurement/purchase-orders/{po.number}/"


def test_the_buyers_change_during_a_review_joins_the_held_revision(
    world, settings, mailoutbox, client_for
):
    settings.PO_CHANGE_ORDER_REVIEW = True
    line = world.supplied(world.laptop, 5)
    po_line = world.on_po(line)
    change(line, 6)
    buyer = client_for("buyer")
    url = f"/api/v1/purchase-orders/{po_line.purchase_order.number}"

    buyer.patch(url + "/lines/1", {"quantity": "8"}, content_type="application/json")
    outbox_relay()
    assert subjects(mailoutbox) == ["0"]  # still held: the buyer sends it when done
    buyer.post(url + "/communicate", content_type="application/json")
    outbox_relay()

    po = PurchaseOrder.objects.get()
    assert (po.revision, po.communicated_revision) == (1, 1)
    assert subjects(mailoutbox) == ["0", "1"] and " x 8 at " in mailoutbox[-1].body


def test_a_buyers_change_waiting_out_the_window_is_held_when_a_sales_order_change_joins_it(
    world, settings, mailoutbox, time_machine, client_for
):
    settings.PO_CHANGE_ORDER_REVIEW = True
    settings.PO_CHANGE_ORDER_WINDOW_MINUTES = 5
    time_machine.move_to(timezone.now(), tick=False)
    line = world.supplied(world.laptop, 5)
    po_line = world.on_po(line)
    buyer = client_for("buyer")
    number = po_line.purchase_order.number
    buyer.patch(  # the buyer's own change: queued to go when the window ends
        f"/api/v1/purchase-orders/{number}/lines/1",
        {"quantity": "6"},
        content_type="application/json",
    )

    change(line, 8)  # a sales order change joins revision 1: held for the buyer's review
    time_machine.shift(datetime.timedelta(minutes=10))
    outbox_relay()

    po = PurchaseOrder.objects.get()
    assert subjects(mailoutbox) == ["0"]  # the window ran out, the held revision did not go
    assert (po.revision, po.communicated_revision) == (1, 0)
    assert po.change_order_held_at is not None
    buyer.patch(  # a later buyer change joins the held revision, it does not strand it
        f"/api/v1/purchase-orders/{number}/lines/1",
        {"quantity": "9"},
        content_type="application/json",
    )

    buyer.post(f"/procurement/purchase-orders/{number}/communicate/")
    outbox_relay()

    po.refresh_from_db()
    assert (po.revision, po.communicated_revision, po.change_order_held_at) == (1, 1, None)
    assert subjects(mailoutbox) == ["0", "1"]
    assert " x 9 at " in mailoutbox[-1].body
    buyer.patch(
        f"/api/v1/purchase-orders/{number}/lines/1",
        {"quantity": "10"},
        content_type="application/json",
    )
    time_machine.shift(datetime.timedelta(minutes=10))
    outbox_relay()
    assert subjects(mailoutbox) == ["0", "1", "2"]  # the next change goes after the window
