"""The buyer's requisition workbench: extended amounts and totals with thousands separators,
links to the orders and customers served, and Create POs through htmx (only the list is drawn
again, with a message linking the new POs) or without it (the PO page)."""

import re

import pytest

from procurement.models import PurchaseOrder, RequisitionLine
from tests.factories import BuyRuleFactory, ItemFactory, SupplierFactory

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


def open_requisitions(world, *quantities) -> list[RequisitionLine]:
    lines = [world.supplied(world.laptop, quantity) for quantity in quantities]
    return [line.requisition_lines.get() for line in lines]


def test_each_line_shows_its_amount_and_the_page_its_total(world, client_for):
    big, small = open_requisitions(world, 1500, 2)  # 1,350,000.00 and 1,800.00 at 900

    html = client_for("buyer").get("/procurement/requisitions/").content.decode()

    assert f'data-testid="amount-{big.number}">1,350,000.00 <span' in html
    assert f'data-testid="amount-{small.number}">1,800.00 <span' in html
    assert '<td class="num">1,500</td>' in html  # the quantity
    assert 'Total shown: <strong class="text-body">1,351,800.00 USD</strong>' in html
    assert '<th class="num">1,351,800.00 <span class="text-secondary small">USD</span>' in html


def test_rows_link_the_sales_order_and_the_customers_orders(world, client_for):
    (requisition,) = open_requisitions(world, 2)
    order = requisition.demand_line.order

    html = client_for("buyer").get("/procurement/requisitions/").content.decode()

    assert f'<a href="/orders/{order.number}/">{order.number}</a> / 1' in html
    assert (
        f'<a href="/orders/?customer=C-ACME" title="Orders of C-ACME">{world.customer.name}</a>'
        in html
    )


def test_creating_pos_with_htmx_redraws_the_list_with_links_to_the_new_pos(world, client_for):
    first, second, kept = open_requisitions(world, 2, 3, 4)

    response = client_for("buyer").post(
        "/procurement/requisitions/", {"requisition": [first.pk, second.pk]}, headers=HTMX
    )

    assert response.status_code == 200
    html = response.content.decode()
    po = PurchaseOrder.objects.get()
    assert html.lstrip().startswith('<div id="requisition-work">')
    assert "<html" not in html  # only the list, not the page
    assert (
        f'role="alert">Created <a href="/procurement/purchase-orders/{po.number}/">{po.number}</a>'
        in html
    )
    assert kept.number in html and first.number not in html and second.number not in html


def test_two_suppliers_give_two_pos_each_linked_from_the_message(world, client_for):
    mouse = ItemFactory(sku="MOUSE")
    BuyRuleFactory(item=mouse, organization=world.w1, supplier=SupplierFactory(number="S-FAB"))
    ids = [world.supplied(item, 1).requisition_lines.get().pk for item in (world.laptop, mouse)]

    html = (
        client_for("buyer")
        .post("/procurement/requisitions/", {"requisition": ids}, headers=HTMX)
        .content.decode()
    )

    links = re.findall(r'<a href="/procurement/purchase-orders/(PO-\d+)/">\1</a>', html)
    assert sorted(links) == sorted(PurchaseOrder.objects.values_list("number", flat=True))
    assert len(links) == 2


def test_without_htmx_one_po_opens_its_page_and_the_message_links_it(world, client_for):
    (requisition,) = open_requisitions(world, 2)
    buyer = client_for("buyer")

    response = buyer.post("/procurement/requisitions/", {"requisition": [requisition.pk]})

    po = PurchaseOrder.objects.get()
    assert response["Location"] == f"/procurement/purchase-orders/{po.number}/"
    page = buyer.get(response["Location"]).content.decode()
    assert f'Created <a href="/procurement/purchase-orders/{po.number}/">{po.number}</a>' in page


def test_a_refusal_through_htmx_says_why_in_the_list(world, client_for):
    open_requisitions(world, 2)

    html = client_for("buyer").post("/procurement/requisitions/", {}, headers=HTMX).content.decode()

    assert 'role="alert">Select at least one requisition line.</div>' in html
    assert PurchaseOrder.objects.count() == 0


def test_a_requisition_id_that_is_not_a_number_is_refused_with_a_message(world, client_for):
    buyer = client_for("buyer")

    response = buyer.post("/procurement/requisitions/", {"requisition": ["²"]}, follow=True)

    assert "Select requisition lines from the list." in response.content.decode()
