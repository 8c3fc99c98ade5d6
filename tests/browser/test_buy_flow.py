"""In Chromium: a buyer turns two requisitions into one PO, submits and sends it; a procurement
manager approves an over-threshold PO from the approvals queue."""

import re
from decimal import Decimal

import pytest
from django.test import override_settings
from playwright.sync_api import expect

from core.outbox import outbox_relay
from procurement.models import PurchaseOrder, RequisitionLine
from procurement.services import purchase_order_submit
from supply.flows.buy import purchase_orders_create
from supply.models import SupplyOrder
from supply.services import sales_order_submit, supply_order_create_document
from tests.factories import PASSWORD, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def requisition(world, quantity):
    order = world.order((world.laptop, quantity))
    sales_order_submit(order=order, acting_user=world.csr)
    supply_order_create_document(
        supply_order_id=SupplyOrder.objects.get(demand_line__order=order).pk
    )
    return order


def sign_in(page, live_server, username):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_a_buyer_creates_submits_and_sends_a_po_from_two_requisitions(
    live_server, page, world, tmp_path
):
    first, second = requisition(world, 2), requisition(world, 3)
    UserFactory(username="bruno", roles=["buyer"])

    sign_in(page, live_server, "bruno")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Requisitions")
    for order in (first, second):
        number = RequisitionLine.objects.get(demand_line__order=order).number
        page.get_by_role("checkbox", name=re.compile(f"Select {number}")).check()
    page.get_by_role("button", name="Create POs from selected lines").click()

    message = page.get_by_role("alert")
    expect(message).to_contain_text("Created PO-")
    po = PurchaseOrder.objects.get()
    message.get_by_role("link", name=po.number).click()
    expect(page.get_by_test_id("po-line-1")).to_contain_text(first.number)
    expect(page.get_by_test_id("po-line-2")).to_contain_text(second.number)
    page.get_by_role("button", name="Submit").click()
    expect(page.get_by_role("alert")).to_contain_text("now open")  # 4,500 is under 10,000
    page.get_by_role("button", name="Send to supplier").click()
    expect(page.get_by_role("alert")).to_contain_text("queued for the supplier")
    expect(page.get_by_role("button", name="Send to supplier")).to_have_count(0)
    sent = page.get_by_role("definition").filter(has_text="sending")
    expect(sent).to_have_count(1)  # on its way, not "sent", until the mail server has it

    assert outbox_relay() == 1  # what the worker does after the commit
    page.reload()
    po = PurchaseOrder.objects.get()
    assert po.communicated_at is not None and po.lines.count() == 2
    expect(page.get_by_role("definition").filter(has_text="sending")).to_have_count(0)
    expect(page.get_by_text(f"{po.communicated_at.astimezone():%Y-%m-%d}")).not_to_have_count(0)
    page.screenshot(path=str(tmp_path / "po.png"), full_page=True)


@override_settings(PO_APPROVAL_THRESHOLD=Decimal("1000"))
def test_a_manager_approves_an_over_threshold_po_from_the_queue(live_server, page, world, tmp_path):
    order = requisition(world, 5)
    buyer = UserFactory(username="bruno", roles=["buyer"])
    UserFactory(username="paula", roles=["procurement_manager"])
    (po,) = purchase_orders_create(
        requisition_line_ids=[order.lines.get().requisition_lines.get().pk], acting_user=buyer
    )
    purchase_order_submit(po=po, acting_user=buyer)

    sign_in(page, live_server, "paula")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Approvals")
    row = page.get_by_test_id(f"approval-{po.number}")
    expect(row).to_contain_text("4,500.00")
    page.screenshot(path=str(tmp_path / "approvals.png"), full_page=True)
    row.get_by_role("button", name="Approve").click()

    expect(page.get_by_role("alert")).to_contain_text(f"{po.number} approved")
    expect(page.get_by_text("Nothing waits for your approval.")).to_be_visible()
    po.refresh_from_db()
    assert (po.status, po.approved_by.username) == ("OPEN", "paula")
