"""A PO the supplier was never sent has no acknowledgment to wait for: the PO page and list say
"Not sent yet" and offer no acknowledgment form until it is sent."""

import pytest

pytestmark = pytest.mark.django_db


def test_an_open_unsent_po_says_not_sent_yet_without_an_acknowledgment_form(world, client_for):
    po = world.on_po(world.supplied(world.laptop, 2), communicated=False).purchase_order
    assert po.status == "OPEN" and po.communicated_at is None
    buyer = client_for("buyer")

    page = buyer.get(f"/procurement/purchase-orders/{po.number}/")
    html = page.content.decode()
    assert '<dd class="col-sm-4" data-testid="acknowledgment">Not sent yet</dd>' in html
    assert "Supplier acknowledgment" not in html and "acknowledge/" not in html
    assert "acknowledge" not in page.context["actions"]
    assert "Send to supplier</button>" in html

    listed = buyer.get("/procurement/purchase-orders/").content.decode()
    assert f'<td data-testid="acknowledgment-{po.number}">Not sent yet</td>' in listed


def test_a_draft_po_says_not_sent_yet(world, client_for):
    from supply.flows.buy import purchase_orders_create

    line = world.supplied(world.laptop, 2)
    (po,) = purchase_orders_create(requisition_line_ids=[line.requisition_lines.get().pk])

    html = client_for("buyer").get(f"/procurement/purchase-orders/{po.number}/").content.decode()
    assert 'data-testid="acknowledgment">Not sent yet</dd>' in html
    assert "Supplier acknowledgment" not in html


def test_once_sent_the_po_waits_for_the_acknowledgment_and_offers_the_form(world, client_for):
    po = world.on_po(world.supplied(world.laptop, 2)).purchase_order
    po.refresh_from_db()
    assert po.communicated_at is not None
    buyer = client_for("buyer")

    html = buyer.get(f"/procurement/purchase-orders/{po.number}/").content.decode()
    assert 'data-testid="acknowledgment">Pending</dd>' in html
    assert "Supplier acknowledgment" in html and f"/{po.number}/acknowledge/" in html
    listed = buyer.get("/procurement/purchase-orders/?awaiting=1").content.decode()
    assert f'<td data-testid="acknowledgment-{po.number}">Pending</td>' in listed
