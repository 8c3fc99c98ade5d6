"""The Buy flow through services: requisitions → POs, approval, communication, acknowledgment,
cancellation."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from core.exceptions import BusinessRuleError, Conflict, InvalidTransition
from core.models import OutboxMessage, TransitionLog
from core.outbox import outbox_relay
from procurement.models import PurchaseOrderLine, RequisitionLine
from procurement.services import (
    purchase_order_approve,
    purchase_order_communicate,
    purchase_order_reject,
    purchase_order_submit,
)
from supply.flows.buy import (
    purchase_order_acknowledge,
    purchase_order_cancel,
    purchase_orders_create,
    touchless_run,
)
from supply.models import SupplyOrder, SupplyTrackingLine
from supply.services import (
    sales_order_submit,
    supply_order_create_document,
    supply_order_retry,
)
from tests.factories import BuyRuleFactory, ItemFactory, SupplierFactory, UserFactory
from tests.world import assert_pegging_holds, run_concurrently
from warehouse.models import Reservation

pytestmark = pytest.mark.django_db


def requisition_for(world, item=None, quantity=2):
    order = world.order((item or world.laptop, quantity))
    sales_order_submit(order=order, acting_user=world.csr)
    supply_order = SupplyOrder.objects.get(demand_line__order=order)
    supply_order_create_document(supply_order_id=supply_order.pk)
    return RequisitionLine.objects.get(demand_line__order=order)


@pytest.fixture
def managers(db):
    """A manager who also buys (so may submit) and a manager who only approves."""
    return UserFactory(username="paula", roles=["buyer", "procurement_manager"]), UserFactory(
        username="max", roles=["procurement_manager"]
    )


def test_two_demand_lines_of_one_supplier_make_one_po_with_two_pegged_lines(world, buyer):
    first, second = requisition_for(world), requisition_for(world, quantity=3)

    (po,) = purchase_orders_create(requisition_line_ids=[first.pk, second.pk], acting_user=buyer)

    lines = list(po.lines.order_by("line_number"))
    assert (po.supplier, po.organization, po.status) == (world.contoso, world.w1, "DRAFT")
    assert [(line.demand_line, line.requisition_line, line.quantity) for line in lines] == [
        (first.demand_line, first, Decimal(2)),
        (second.demand_line, second, Decimal(3)),
    ]
    first.refresh_from_db()
    assert first.status == "ORDERED"
    tracking = SupplyTrackingLine.objects.get(requisition_line=first)
    assert (tracking.document_type, tracking.purchase_order_line) == ("PURCHASE_ORDER", lines[0])


def test_two_suppliers_make_two_pos(world, buyer):
    monitor = ItemFactory(sku="MONITOR-27")
    BuyRuleFactory(item=monitor, organization=world.w1, supplier=SupplierFactory(number="S-NW"))
    laptops, monitors = requisition_for(world), requisition_for(world, item=monitor)

    orders = purchase_orders_create(
        requisition_line_ids=[laptops.pk, monitors.pk], acting_user=buyer
    )

    assert sorted(po.supplier.number for po in orders) == ["S-CONTOSO", "S-NW"]
    assert all(po.lines.count() == 1 for po in orders)


def test_the_reservation_moves_from_the_requisition_to_the_po_line(world, buyer):
    requisition = requisition_for(world)
    (po,) = purchase_orders_create(requisition_line_ids=[requisition.pk], acting_user=buyer)

    active = Reservation.objects.get(demand_line=requisition.demand_line, status="ACTIVE")
    assert (active.supply_source, active.document_number) == ("PURCHASE_ORDER", f"{po.number}/1")
    assert Reservation.objects.get(
        demand_line=requisition.demand_line, status="MOVED"
    ).supply_source == ("REQUISITION")


def test_a_requisition_is_ordered_only_once(world, buyer):
    requisition = requisition_for(world)
    purchase_orders_create(requisition_line_ids=[requisition.pk], acting_user=buyer)
    with pytest.raises(Conflict, match=requisition.number), transaction.atomic():
        purchase_orders_create(requisition_line_ids=[requisition.pk], acting_user=buyer)
    assert PurchaseOrderLine.objects.count() == 1


def test_under_the_threshold_a_submitted_po_opens_at_once(world, buyer, settings):
    settings.PO_APPROVAL_THRESHOLD = Decimal("10000")
    (po,) = purchase_orders_create(
        requisition_line_ids=[requisition_for(world).pk], acting_user=buyer
    )

    po = purchase_order_submit(po=po, acting_user=buyer)

    assert po.status == "OPEN" and po.submitted_by == buyer
    assert TransitionLog.objects.filter(
        document_id=po.pk, reason__startswith="auto-approved"
    ).exists()


def test_at_the_threshold_a_manager_other_than_the_submitter_approves(world, managers, settings):
    settings.PO_APPROVAL_THRESHOLD = Decimal("1800")  # 2 × 900 = 1800: needs approval
    submitter, approver = managers
    (po,) = purchase_orders_create(
        requisition_line_ids=[requisition_for(world).pk], acting_user=submitter
    )
    po = purchase_order_submit(po=po, acting_user=submitter)
    assert po.status == "PENDING_APPROVAL"

    with pytest.raises(PermissionDenied, match="another procurement manager"), transaction.atomic():
        purchase_order_approve(po=po, acting_user=submitter)
    po = purchase_order_approve(po=po, acting_user=approver)

    assert (po.status, po.approved_by) == ("OPEN", approver)


def test_the_manager_who_created_the_po_cannot_approve_or_reject_it_either(
    world, buyer, managers, settings, client
):
    settings.PO_APPROVAL_THRESHOLD = Decimal("1800")
    creator, other = managers
    (po,) = purchase_orders_create(
        requisition_line_ids=[requisition_for(world).pk], acting_user=creator
    )
    po = purchase_order_submit(po=po, acting_user=buyer)  # submitted by someone else

    with pytest.raises(PermissionDenied, match="created or submitted"), transaction.atomic():
        purchase_order_approve(po=po, acting_user=creator)
    with pytest.raises(PermissionDenied, match="created or submitted"), transaction.atomic():
        purchase_order_reject(po=po, reason="too dear", acting_user=creator)
    client.force_login(creator)
    queue = client.get("/procurement/approvals/").content.decode()
    assert "You created or submitted it: another manager decides." in queue
    assert f"{po.number}/approve/" not in queue

    assert purchase_order_approve(po=po, acting_user=other).status == "OPEN"


def test_a_buyer_cannot_approve(world, buyer, managers, settings):
    settings.PO_APPROVAL_THRESHOLD = Decimal("1")
    (po,) = purchase_orders_create(
        requisition_line_ids=[requisition_for(world).pk], acting_user=buyer
    )
    purchase_order_submit(po=po, acting_user=managers[0])
    with pytest.raises(PermissionDenied), transaction.atomic():
        purchase_order_approve(po=po, acting_user=buyer)
    po.refresh_from_db()
    assert po.status == "PENDING_APPROVAL"


def test_rejection_returns_the_po_to_draft_with_the_reason_in_the_timeline(
    world, buyer, managers, settings
):
    settings.PO_APPROVAL_THRESHOLD = Decimal("1")
    (po,) = purchase_orders_create(
        requisition_line_ids=[requisition_for(world).pk], acting_user=buyer
    )
    purchase_order_submit(po=po, acting_user=buyer)

    po = purchase_order_reject(po=po, reason="price above contract", acting_user=managers[0])

    assert po.status == "DRAFT"
    log = TransitionLog.objects.filter(
        document_id=po.pk, document_type="procurement.purchaseorder"
    ).last()
    assert (log.from_value, log.to_value, log.reason, log.actor) == (
        "PENDING_APPROVAL",
        "DRAFT",
        "price above contract",
        managers[0],
    )


def test_the_po_is_emailed_once_with_the_pdf_and_the_backing_sales_order(world, buyer, mailoutbox):
    requisition = requisition_for(world)
    (po,) = purchase_orders_create(requisition_line_ids=[requisition.pk], acting_user=buyer)
    purchase_order_submit(po=po, acting_user=buyer)

    purchase_order_communicate(po=po, acting_user=buyer)
    with pytest.raises(Conflict, match="on its way"):
        purchase_order_communicate(po=po, acting_user=buyer)
    assert mailoutbox == []  # sent by the outbox relay, after commit
    outbox_relay()
    with pytest.raises(Conflict, match="already sent"):
        purchase_order_communicate(po=po, acting_user=buyer)
    outbox_relay()

    (message,) = mailoutbox
    assert message.to == [world.contoso.email]
    assert po.number in message.subject
    order_number = requisition.demand_line.order.number
    assert f"for sales order {order_number} line 1" in message.body
    (name, content, mimetype) = message.attachments[0]
    assert (name, mimetype) == (f"{po.number}.pdf", "application/pdf")
    assert content.startswith(b"%PDF")
    po.refresh_from_db()
    assert po.communicated_at is not None and po.communicated_revision == po.revision


def test_an_email_queued_for_a_po_cancelled_meanwhile_is_not_sent_and_says_why(
    world, buyer, mailoutbox
):
    (po,) = purchase_orders_create(
        requisition_line_ids=[requisition_for(world).pk], acting_user=buyer
    )
    purchase_order_submit(po=po, acting_user=buyer)
    purchase_order_communicate(po=po, acting_user=buyer)
    purchase_order_cancel(po=po, reason="supplier closed", acting_user=buyer)

    outbox_relay()

    assert [m for m in mailoutbox if world.contoso.email in m.to] == []  # the CSR is told
    message = OutboxMessage.objects.get(topic="procurement.purchase_order_email")
    assert message.status == "DELIVERED"
    assert message.last_error == f"not sent: {po.number} is CANCELLED at revision 0"


def test_a_draft_po_cannot_be_communicated(world, buyer, mailoutbox):
    (po,) = purchase_orders_create(
        requisition_line_ids=[requisition_for(world).pk], acting_user=buyer
    )
    with pytest.raises(InvalidTransition):
        purchase_order_communicate(po=po)
    assert mailoutbox == []


def test_a_later_promised_date_reschedules_the_line_and_sets_jeopardy(world, buyer):
    requisition = requisition_for(world)
    (po,) = purchase_orders_create(requisition_line_ids=[requisition.pk], acting_user=buyer)
    purchase_order_submit(po=po, acting_user=buyer)
    line = requisition.demand_line
    promised_ship = line.promised_ship_date
    late = promised_ship + datetime.timedelta(days=3)  # + 1 receiving day → 4 days late

    purchase_order_acknowledge(po=po, accepted=True, promised_dates={1: late}, acting_user=buyer)

    line.refresh_from_db()
    assert line.scheduled_ship_date == late + datetime.timedelta(days=1)
    assert line.promised_ship_date == promised_ship
    assert line.jeopardy_days == 4
    po.refresh_from_db()
    assert po.acknowledgment == "ACCEPTED" and po.lines.get().promised_date == late


def test_an_early_promise_changes_nothing_on_the_sales_line(world, buyer):
    requisition = requisition_for(world)
    (po,) = purchase_orders_create(requisition_line_ids=[requisition.pk], acting_user=buyer)
    purchase_order_submit(po=po, acting_user=buyer)
    before = requisition.demand_line.scheduled_ship_date
    purchase_order_acknowledge(po=po, accepted=True, promised_dates={1: timezone.localdate()})
    requisition.demand_line.refresh_from_db()
    assert requisition.demand_line.scheduled_ship_date == before
    assert requisition.demand_line.jeopardy_days == 0


def test_a_rejection_by_the_supplier_puts_the_supply_in_exception(world, buyer):
    requisition = requisition_for(world)
    (po,) = purchase_orders_create(requisition_line_ids=[requisition.pk], acting_user=buyer)
    purchase_order_submit(po=po, acting_user=buyer)

    purchase_order_acknowledge(po=po, accepted=False, promised_dates={}, note="discontinued")

    supply_order = SupplyOrder.objects.get(demand_line=requisition.demand_line)
    assert supply_order.status == "EXCEPTION"
    assert supply_order.exception_reason == f"Supplier rejected {po.number}: discontinued"


def test_cancelling_a_po_without_another_source_backorders_its_line_for_the_manager(world, buyer):
    requisition = requisition_for(world)
    (po,) = purchase_orders_create(requisition_line_ids=[requisition.pk], acting_user=buyer)
    purchase_order_submit(po=po, acting_user=buyer)

    purchase_order_cancel(po=po, reason="wrong supplier", acting_user=buyer)

    po.refresh_from_db()
    requisition.refresh_from_db()
    line = requisition.demand_line
    line.refresh_from_db()
    supply_order = SupplyOrder.objects.get(demand_line=line)
    assert (po.status, requisition.status, line.status) == ("CANCELLED", "CANCELLED", "BACKORDERED")
    assert not Reservation.objects.filter(demand_line=line, status="ACTIVE").exists()
    assert (supply_order.status, supply_order.exception_reason) == (
        "EXCEPTION",
        f"{po.number} cancelled: wrong supplier",
    )
    exception = supply_order.exceptions.get()
    assert (exception.kind, exception.resolved_at) == ("DOCUMENT_CANCELLED", None)
    # the orchestration manager tries the supplier again: a new requisition for the line
    supply_order_retry(supply_order=supply_order, acting_user=buyer)
    line.refresh_from_db()
    exception.refresh_from_db()
    assert line.status == "AWAITING_SUPPLY" and exception.resolved_by == buyer
    assert RequisitionLine.objects.filter(demand_line=line, status="OPEN").count() == 1
    assert_pegging_holds()


def test_a_po_with_receipts_cannot_be_cancelled(world, buyer):
    (po,) = purchase_orders_create(
        requisition_line_ids=[requisition_for(world).pk], acting_user=buyer
    )
    PurchaseOrderLine.objects.update(quantity_received=1)
    with pytest.raises(InvalidTransition, match="has receipts"), transaction.atomic():
        purchase_order_cancel(po=po, reason="late")


def test_the_touchless_run_batches_all_open_lines_of_an_automatic_supplier(world, settings):
    settings.PO_APPROVAL_THRESHOLD = Decimal("100000")
    world.contoso.automatic_po = True
    world.contoso.save()
    requisitions = [requisition_for(world), requisition_for(world, quantity=5)]

    (po,) = touchless_run()

    assert po.touchless and po.status == "OPEN" and po.submitted_by is None
    assert sorted(line.requisition_line_id for line in po.lines.all()) == sorted(
        r.pk for r in requisitions
    )
    assert touchless_run() == []


def test_requisitions_of_manual_suppliers_wait_for_the_buyer(world):
    requisition_for(world)
    assert touchless_run() == []


def test_the_touchless_run_owes_the_email_with_the_po_and_sends_it_after_commit(world, mailoutbox):
    world.contoso.automatic_po = True
    world.contoso.save()
    requisition_for(world)

    (po,) = touchless_run()

    assert po.status == "OPEN" and po.communicated_at is None and mailoutbox == []
    assert OutboxMessage.objects.get().key == po.email_key
    assert outbox_relay() == 1
    (message,) = mailoutbox
    assert po.number in message.subject
    po.refresh_from_db()
    assert po.communicated_revision == po.revision


def test_upgrading_owes_the_email_of_a_touchless_po_left_unsent_before(world, mailoutbox):
    """Before the outbox, a beat task looked for unsent touchless POs; the upgrade's data
    migration hands them to the outbox instead."""
    from importlib import import_module

    from django.apps import apps

    world.contoso.automatic_po = True
    world.contoso.save()
    requisition_for(world)
    (po,) = touchless_run()
    OutboxMessage.objects.all().delete()  # as a PO opened before the upgrade has none
    migration = import_module("procurement.migrations.0003_unsent_touchless_pos_to_the_outbox")

    migration.owe_their_emails(apps, None)
    migration.owe_their_emails(apps, None)  # running it again owes nothing more

    assert outbox_relay() == 1 and [m.subject for m in mailoutbox] == [
        f"Purchase order {po.number} rev 0"
    ]


def test_a_touchless_supplier_without_email_gets_its_po_and_the_buyer_sends_it_later(world):
    world.contoso.automatic_po = True
    world.contoso.email = ""
    world.contoso.save()
    requisition_for(world)

    (po,) = touchless_run()

    assert po.status == "OPEN" and po.communicated_at is None
    assert not OutboxMessage.objects.exists()
    with pytest.raises(BusinessRuleError, match="has no email address"):
        purchase_order_communicate(po=po)


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_touchless_runs_never_duplicate_po_lines(world):
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    for _ in range(6):
        requisition_for(world)
    # automatic only now, so that no conversion was queued for a worker while setting up
    world.contoso.automatic_po = True
    world.contoso.save()

    errors = run_concurrently(lambda _: touchless_run(), range(3))

    assert not errors
    assert PurchaseOrderLine.objects.count() == 6
    assert set(RequisitionLine.objects.values_list("status", flat=True)) == {"ORDERED"}


def test_the_po_total_is_one_figure_rounded_half_up_wherever_it_shows(
    world, buyer, client, settings, mailoutbox
):
    screw = ItemFactory(sku="SCREW")
    BuyRuleFactory(
        item=screw, organization=world.w1, supplier=world.contoso, unit_price=Decimal("6.75")
    )
    requisition = requisition_for(world, item=screw, quantity=Decimal("1.5"))  # 10.125
    (po,) = purchase_orders_create(requisition_line_ids=[requisition.pk], acting_user=buyer)
    settings.PO_APPROVAL_THRESHOLD = Decimal("10.13")  # at the threshold: needs approval

    assert purchase_order_submit(po=po, acting_user=buyer).status == "PENDING_APPROVAL"
    client.force_login(buyer)
    assert client.get(f"/api/v1/purchase-orders/{po.number}").json()["total"] == "10.13"
    page = client.get(f"/procurement/purchase-orders/{po.number}/").content.decode()
    assert "total <strong>10.13 USD</strong>" in page
    printed = client.get(f"/procurement/purchase-orders/{po.number}/document/").content.decode()
    assert printed.count(">10.13<") == 2  # the line amount and the total
    purchase_order_approve(po=po, acting_user=UserFactory(roles=["procurement_manager"]))
    purchase_order_communicate(po=po, acting_user=buyer)
    outbox_relay()
    (email,) = mailoutbox
    assert "x 1.5 at 6.75 USD" in email.body and "Total 10.13 USD." in email.body
