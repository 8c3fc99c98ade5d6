"""The PO list, the PO page and its printable document show amounts and quantities with
thousands separators, and the PO page links the sales order and the customer each line serves."""

import pytest

from supply.flows.buy import purchase_orders_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def big_po(world):
    line = world.supplied(world.laptop, 1500)  # 1,500 × 900 = 1,350,000.00
    (po,) = purchase_orders_create(requisition_line_ids=[line.requisition_lines.get().pk])
    return po


def test_the_po_list_shows_totals_with_thousands_separators(big_po, client_for):
    html = client_for("buyer").get("/procurement/purchase-orders/").content.decode()

    assert f'data-testid="total-{big_po.number}">1,350,000.00 <span' in html


def test_the_po_page_shows_figures_with_separators_and_links_order_and_customer(
    big_po, world, client_for
):
    order = big_po.lines.get().demand_line.order

    html = client_for("buyer").get(f"/procurement/purchase-orders/{big_po.number}/").content
    html = html.decode()

    assert "total <strong>1,350,000.00 USD</strong>" in html
    assert '<td class="num">1,500</td>' in html  # quantity
    assert '<td class="num">900.00</td>' in html and '<td class="num">1,350,000.00</td>' in html
    assert f'<a href="/orders/{order.number}/">{order.number}</a> / 1' in html
    assert (
        f'<a href="/orders/?customer=C-ACME" title="Orders of C-ACME">{world.customer.name}</a>'
        in html
    )


def test_the_printable_po_shows_figures_with_separators(big_po, client_for):
    html = client_for("buyer").get(f"/procurement/purchase-orders/{big_po.number}/document/")

    text = html.content.decode()
    assert '<td class="num">1,500 EA</td>' in text
    assert text.count(">1,350,000.00<") == 2  # the line and the total
