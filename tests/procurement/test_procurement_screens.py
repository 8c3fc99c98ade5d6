"""Buyer workbench, PO list/detail/document and approvals through the HTTP client."""

from decimal import Decimal

import pytest

from procurement.models import PurchaseOrder, RequisitionLine
from procurement.services import purchase_order_submit
from supply.flows.buy import purchase_orders_create
from supply.models import SupplyOrder
from supply.services import sales_order_submit, supply_order_create_document
from tests.workers import free_port
from tests.world import page_queries

pytestmark = pytest.mark.django_db


def requisitions(world, n):
    for _ in range(n):
        order = world.order((world.laptop, 2))
        sales_order_submit(order=order, acting_user=world.csr)
        supply_order_create_document(
            supply_order_id=SupplyOrder.objects.get(demand_line__order=order).pk
        )
    return list(RequisitionLine.objects.order_by("pk"))


def test_worklists_run_the_same_queries_for_few_or_many_rows(world, role_users, settings):
    settings.PO_APPROVAL_THRESHOLD = Decimal("1")
    from django.test import Client

    pages = {
        "/procurement/requisitions/": role_users["buyer"],
        "/procurement/purchase-orders/": role_users["buyer"],
        "/procurement/approvals/": role_users["procurement_manager"],
    }

    def measure():
        counts = {}
        for url, user in pages.items():
            client = Client()
            client.force_login(user)
            counts[url] = page_queries(client, url)
        return counts

    first = requisitions(world, 3)
    for req in first[:2]:
        (po,) = purchase_orders_create(requisition_line_ids=[req.pk])
        purchase_order_submit(po=po, acting_user=role_users["buyer"])
    few = measure()
    for req in requisitions(world, 12)[3:11]:
        (po,) = purchase_orders_create(requisition_line_ids=[req.pk])
        purchase_order_submit(po=po, acting_user=role_users["buyer"])
    assert PurchaseOrder.objects.filter(status="PENDING_APPROVAL").count() == 10
    assert measure() == few


def test_the_po_page_and_document_run_the_same_queries_for_1_or_6_lines(client_for, world):
    reqs = requisitions(world, 7)
    (small,) = purchase_orders_create(requisition_line_ids=[reqs[0].pk])
    (large,) = purchase_orders_create(requisition_line_ids=[r.pk for r in reqs[1:]])
    buyer = client_for("buyer")
    for page in ("", "document/"):  # the PO page and its printable document
        assert page_queries(
            buyer, f"/procurement/purchase-orders/{small.number}/{page}"
        ) == page_queries(buyer, f"/procurement/purchase-orders/{large.number}/{page}")


def test_the_workbench_groups_by_supplier_and_creates_pos(client_for, world):
    reqs = requisitions(world, 2)
    buyer = client_for("buyer")
    page = buyer.get("/procurement/requisitions/")
    ((supplier, rows),) = page.context["groups"]
    assert supplier == world.contoso and len(rows) == 2

    response = buyer.post("/procurement/requisitions/", {"requisition": [r.pk for r in reqs]})

    po = PurchaseOrder.objects.get()
    assert response["Location"] == f"/procurement/purchase-orders/{po.number}/"
    assert po.lines.count() == 2


def test_creating_nothing_says_what_to_do(client_for, world):
    response = client_for("buyer").post("/procurement/requisitions/", {}, follow=True)
    assert "Select at least one requisition line" in response.content.decode()


def test_the_po_list_filters_awaiting_acknowledgment_and_late(client_for, world):
    reqs = requisitions(world, 2)
    (sent,) = purchase_orders_create(requisition_line_ids=[reqs[0].pk])
    purchase_order_submit(po=sent)
    PurchaseOrder.objects.filter(pk=sent.pk).update(
        communicated_at="2026-01-01T00:00Z", communicated_revision=0
    )
    purchase_orders_create(requisition_line_ids=[reqs[1].pk])
    buyer = client_for("buyer")

    def numbers(query):
        return [
            po.number for po in buyer.get(f"/procurement/purchase-orders/?{query}").context["page"]
        ]

    assert numbers("awaiting=1") == [sent.number]
    assert numbers("status=DRAFT") != [sent.number]
    assert numbers("late=1") == []


def test_actions_shown_follow_role_state_and_segregation_of_duties(
    client_for, world, settings, role_users
):
    settings.PO_APPROVAL_THRESHOLD = Decimal("1")
    (po,) = purchase_orders_create(requisition_line_ids=[requisitions(world, 1)[0].pk])
    url = f"/procurement/purchase-orders/{po.number}/"
    assert client_for("buyer").get(url).context["actions"] == {"submit", "cancel"}
    purchase_order_submit(po=po, acting_user=role_users["buyer"])
    assert client_for("procurement_manager").get(url).context["actions"] == {"approve", "reject"}
    assert client_for("buyer").get(url).context["actions"] == {"cancel"}
    assert client_for("warehouse").get(url).context["actions"] == set()


def test_a_warehouse_user_cannot_post_po_actions(client_for, world):
    (po,) = purchase_orders_create(requisition_line_ids=[requisitions(world, 1)[0].pk])
    response = client_for("warehouse").post(f"/procurement/purchase-orders/{po.number}/submit/")
    assert response.status_code == 403
    po.refresh_from_db()
    assert po.status == "DRAFT"


def test_the_printable_document_and_pdf_show_the_backing_sales_order(client_for, world):
    (po,) = purchase_orders_create(requisition_line_ids=[requisitions(world, 1)[0].pk])
    client = client_for("customer_service")
    html = client.get(f"/procurement/purchase-orders/{po.number}/document/").content.decode()
    order_number = po.lines.get().demand_line.order.number
    assert f"{order_number} line 1" in html
    pdf = client.get(f"/procurement/purchase-orders/{po.number}/document/?format=pdf")
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")


def test_acknowledgment_from_the_po_page(client_for, world):
    (po,) = purchase_orders_create(requisition_line_ids=[requisitions(world, 1)[0].pk])
    purchase_order_submit(po=po)
    buyer = client_for("buyer")
    line = po.lines.get()
    buyer.post(
        f"/procurement/purchase-orders/{po.number}/acknowledge/",
        {"accepted": "1", f"promised_{line.line_number}": str(line.need_by_date), "note": "ok"},
    )
    po.refresh_from_db()
    assert po.acknowledgment == "ACCEPTED" and po.lines.get().promised_date == line.need_by_date


def test_the_po_page_says_an_email_is_on_its_way_then_why_it_failed_and_sends_it_again(
    client_for, world, settings, time_machine
):
    from django.utils import timezone

    from core.models import OutboxMessage
    from core.outbox import outbox_relay

    (po,) = purchase_orders_create(requisition_line_ids=[requisitions(world, 1)[0].pk])
    purchase_order_submit(po=po)
    buyer = client_for("buyer")
    url = f"/procurement/purchase-orders/{po.number}/"

    queued = buyer.post(f"{url}communicate/", follow=True).content.decode()
    assert "queued for the supplier" in queued and "sending…" in queued
    assert "Send to supplier</button>" not in queued  # not twice while it is on its way

    settings.OUTBOX_MAX_ATTEMPTS = 2
    settings.OUTBOX_BACKOFF_SECONDS = 30
    time_machine.move_to(timezone.now())
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": free_port(), "timeout": 1},
        }
    }
    outbox_relay()  # nobody listens on that port: refused
    retrying = buyer.get(url).content.decode()
    assert "sending… try 1 failed (ConnectionRefusedError" in retrying
    time_machine.shift(31)
    outbox_relay()  # the last attempt
    failed = buyer.get(url).content.decode()
    assert "not sent: the mail server refused it 2 times" in failed
    assert "Connection refused" in failed and "Send again</button>" in failed

    buyer.post(f"{url}communicate/")
    assert OutboxMessage.objects.get().status == "PENDING"


def test_the_buyer_revises_and_cancels_po_lines_on_the_po_page(client_for, world, settings):
    settings.PO_APPROVAL_THRESHOLD = Decimal("100000")
    po_line = world.on_po(world.supplied(world.laptop, 5))
    po = po_line.purchase_order
    buyer = client_for("buyer")
    url = f"/procurement/purchase-orders/{po.number}/lines/change/"

    assert (
        "Change order" in buyer.get(f"/procurement/purchase-orders/{po.number}/").content.decode()
    )
    empty = buyer.post(url, {"line_number": 1, "do": "change"}, follow=True).content.decode()
    assert "Give a new quantity or a promised date." in empty
    changed = buyer.post(url, {"line_number": 1, "quantity": "4", "do": "change"}, follow=True)
    assert f"Line 1 changed: {po.number} is at revision 1." in changed.content.decode()
    cancelled = buyer.post(
        url, {"line_number": 1, "reason": "discontinued", "do": "cancel"}, follow=True
    )
    assert "Line 1 cancelled" in cancelled.content.decode()
    po.refresh_from_db()
    assert po.status == "CANCELLED"
    assert client_for("customer_service").post(url, {"line_number": 1}).status_code == 403
