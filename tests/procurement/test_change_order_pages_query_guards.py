"""The approvals queue with change orders, the PO page with its changes not sent and the
requisition page run the same queries however many POs, lines and changes they show."""

from decimal import Decimal

import pytest

from supply.services import line_change
from tests.world import page_queries

pytestmark = pytest.mark.django_db


def test_the_approvals_queue_runs_the_same_queries_for_1_or_4_change_orders(
    client_for, world, settings
):
    settings.PO_APPROVAL_THRESHOLD = Decimal("5000")  # 5 × 900 under, 7 × 900 over
    approver = client_for("procurement_manager")

    def change_orders(count):
        for _ in range(count):
            line = world.supplied(world.laptop, 5)
            world.on_po(line)
            line_change(line=line, quantity=Decimal(7), acting_user=world.csr)
            line_change(
                line=line, requested_ship_date=None, quantity=Decimal(8), acting_user=world.csr
            )

    change_orders(1)
    one = page_queries(approver, "/procurement/approvals/")
    change_orders(3)
    page = approver.get("/procurement/approvals/").content.decode()
    assert page.count("Change order, revision 1") == 4
    assert page_queries(approver, "/procurement/approvals/") == one


def test_the_po_and_requisition_pages_run_the_same_queries_for_1_or_3_changes(
    client_for, world, settings
):
    settings.PO_APPROVAL_THRESHOLD = Decimal("100000")
    settings.PO_CHANGE_ORDER_REVIEW = True
    buyer = client_for("buyer")
    line = world.supplied(world.laptop, 5)
    po = world.on_po(line).purchase_order
    requisition = line.requisition_lines.get()
    url = f"/procurement/purchase-orders/{po.number}/"

    line_change(line=line, quantity=Decimal(6), acting_user=world.csr)
    one = page_queries(buyer, url)
    requisition_one = page_queries(buyer, f"/procurement/requisitions/{requisition.number}/")
    line_change(line=line, quantity=Decimal(7), acting_user=world.csr)
    line_change(line=line, quantity=Decimal(4), acting_user=world.csr)

    assert page_queries(buyer, url) == one
    assert (
        page_queries(buyer, f"/procurement/requisitions/{requisition.number}/") == requisition_one
    )
