"""The approvals queue shows what each PO buys, for which sales orders and customers, by when,
its total and how far over the approval threshold it is, so a manager decides without opening
it; approve and reject redraw only the queue (htmx), with the message."""

from decimal import Decimal

import pytest
from django.test import Client

from procurement.models import PurchaseOrder
from procurement.services import purchase_order_submit
from supply.flows.buy import purchase_orders_create
from tests.world import page_queries

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


def pending_po(world, buyer, *quantities) -> PurchaseOrder:
    lines = [world.supplied(world.laptop, quantity) for quantity in quantities]
    (po,) = purchase_orders_create(
        requisition_line_ids=[line.requisition_lines.get().pk for line in lines],
        acting_user=buyer,
    )
    po = purchase_order_submit(po=po, acting_user=buyer)
    assert po.status == "PENDING_APPROVAL"
    return po


def row_of(html: str, po) -> str:
    return html.split(f'data-testid="approval-{po.number}">', 1)[1].split("</tr>", 1)[0]


def test_each_po_shows_items_orders_customers_need_by_total_and_the_excess(
    world, buyer, client_for, settings
):
    settings.PO_APPROVAL_THRESHOLD = Decimal("10000")
    po = pending_po(world, buyer, 10, 5)  # 9,000 + 4,500 = 13,500: 3,500 (35 %) over
    first, second = po.lines.order_by("line_number")

    html = client_for("procurement_manager").get("/procurement/approvals/").content.decode()

    row = row_of(html, po)
    assert "LAPTOP-15 × 10" in row and "LAPTOP-15 × 5" in row
    assert f"need by {first.need_by_date:%Y-%m-%d}" in row
    assert "at 900.00 = 9,000.00" in row
    for line in (first, second):
        order = line.demand_line.order
        assert f'<a href="/orders/{order.number}/">{order.number}</a>' in row
    assert row.count('href="/orders/?customer=C-ACME"') == 2  # one per sales order served
    assert "13,500.00" in row
    assert '<td class="num" data-testid="over-' + po.number + '"><strong>+3,500.00</strong>' in row
    assert "(+35.0%)" in row
    assert 'data-testid="threshold">10,000.00</strong>' in html


def test_a_po_at_the_threshold_is_zero_over(world, buyer, client_for, settings):
    settings.PO_APPROVAL_THRESHOLD = Decimal("1800")
    po = pending_po(world, buyer, 2)

    html = client_for("procurement_manager").get("/procurement/approvals/").content.decode()

    assert "<strong>+0.00</strong>" in row_of(html, po) and "(+0.0%)" in row_of(html, po)


def test_the_queue_of_20_pos_runs_the_same_few_queries_as_of_one(
    world, buyer, role_users, settings, django_assert_max_num_queries
):
    settings.PO_APPROVAL_THRESHOLD = Decimal("1")
    pending_po(world, buyer, 1)
    client = Client()
    client.force_login(role_users["procurement_manager"])
    one = page_queries(client, "/procurement/approvals/")
    for quantity in range(2, 21):
        pending_po(world, buyer, quantity, 1)  # two lines, two sales orders each
    assert PurchaseOrder.objects.filter(status="PENDING_APPROVAL").count() == 20

    with django_assert_max_num_queries(one):
        html = client.get("/procurement/approvals/").content.decode()
    assert html.count('data-testid="approval-') == 20


def test_approving_with_htmx_redraws_the_queue_with_the_message(world, buyer, client_for, settings):
    settings.PO_APPROVAL_THRESHOLD = Decimal("1000")
    approved, waiting = pending_po(world, buyer, 2), pending_po(world, buyer, 3)
    manager = client_for("procurement_manager")

    response = manager.post(
        f"/procurement/purchase-orders/{approved.number}/approve/",
        {"next": "/procurement/approvals/"},
        headers=HTMX,
    )

    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert html.lstrip().startswith('<div id="approval-queue">')
    assert (
        f'role="alert"><a href="/procurement/purchase-orders/{approved.number}/">'
        f"{approved.number}</a> approved: now open.</div>" in html
    )
    assert f"approval-{approved.number}" not in html and f"approval-{waiting.number}" in html
    approved.refresh_from_db()
    assert approved.status == "OPEN"


def test_rejecting_with_htmx_needs_a_reason_and_says_so_in_the_queue(
    world, buyer, client_for, settings
):
    settings.PO_APPROVAL_THRESHOLD = Decimal("1000")
    po = pending_po(world, buyer, 2)
    manager = client_for("procurement_manager")
    url = f"/procurement/purchase-orders/{po.number}/reject/"

    refused = manager.post(url, {"next": "/procurement/approvals/"}, headers=HTMX)
    assert 'role="alert">Say why the purchase order is rejected.</div>' in refused.content.decode()
    assert f"approval-{po.number}" in refused.content.decode()

    rejected = manager.post(
        url, {"next": "/procurement/approvals/", "reason": "too dear"}, headers=HTMX
    ).content.decode()
    assert "rejected: now draft." in rejected and "Nothing waits for your approval." in rejected


def test_without_htmx_a_decision_goes_back_to_the_queue(world, buyer, client_for, settings):
    settings.PO_APPROVAL_THRESHOLD = Decimal("1000")
    po = pending_po(world, buyer, 2)

    response = client_for("procurement_manager").post(
        f"/procurement/purchase-orders/{po.number}/approve/", {"next": "/procurement/approvals/"}
    )

    assert response.status_code == 302 and response["Location"] == "/procurement/approvals/"


def test_a_buyer_cannot_use_the_queue_to_decide(world, buyer, client_for, settings):
    settings.PO_APPROVAL_THRESHOLD = Decimal("1000")
    po = pending_po(world, buyer, 2)

    response = client_for("buyer").post(
        f"/procurement/purchase-orders/{po.number}/approve/",
        {"next": "/procurement/approvals/"},
        headers=HTMX,
    )

    assert response.status_code == 403
