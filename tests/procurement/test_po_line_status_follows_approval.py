"""A PO line reads as its PO's approval state until the PO is approved: nobody takes a line of
an unapproved PO for an ordered one."""

from decimal import Decimal

import pytest

from procurement.models import PurchaseOrderLine
from procurement.selectors import purchase_order_lines
from procurement.services import purchase_order_approve, purchase_order_submit
from supply.flows.buy import purchase_order_line_take_back, purchase_orders_create
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def draft_po(world, *quantities):
    lines = [world.supplied(world.laptop, quantity) for quantity in quantities]
    buyer = UserFactory(username="bruno", roles=["buyer"])
    (po,) = purchase_orders_create(
        requisition_line_ids=[line.requisition_lines.get().pk for line in lines],
        acting_user=buyer,
    )
    return po, buyer


def line_status(client, po, line_number=1) -> str:
    html = client.get(f"/procurement/purchase-orders/{po.number}/").content.decode()
    cell = html.split(f'data-testid="po-line-status-{line_number}">', 1)[1].split("</td>", 1)[0]
    return cell.split('data-status="', 1)[1].split('"', 1)[0]


def test_the_lines_of_a_draft_po_read_draft(world, client_for):
    po, _ = draft_po(world, 2, 3)
    buyer = client_for("buyer")

    assert line_status(buyer, po, 1) == "DRAFT"
    assert line_status(buyer, po, 2) == "DRAFT"
    assert (
        ">Draft</span>" in buyer.get(f"/procurement/purchase-orders/{po.number}/").content.decode()
    )


def test_the_lines_of_a_po_waiting_for_approval_read_pending_approval_then_open(
    world, client_for, settings
):
    settings.PO_APPROVAL_THRESHOLD = Decimal("1000")
    po, buyer = draft_po(world, 2)
    purchase_order_submit(po=po, acting_user=buyer)
    client = client_for("buyer")

    assert line_status(client, po) == "PENDING_APPROVAL"
    assert (
        "Pending approval"
        in client.get(f"/procurement/purchase-orders/{po.number}/").content.decode()
    )

    purchase_order_approve(po=po, acting_user=UserFactory(roles=["procurement_manager"]))
    assert line_status(client, po) == "OPEN"


def test_a_cancelled_line_of_a_draft_po_still_reads_cancelled(world):
    po, buyer = draft_po(world, 2, 3)

    purchase_order_line_take_back(
        po_line=po.lines.get(line_number=2), reason="not needed", acting_user=buyer
    )

    shown = {line.line_number: line.status_shown for line in purchase_order_lines(po)}
    assert shown == {1: "DRAFT", 2: PurchaseOrderLine.Status.CANCELLED}
