"""Every document a timeline names is a link to its page."""

import re

import pytest

pytestmark = pytest.mark.django_db


def test_the_line_timeline_links_the_supply_order_and_the_po(client_for, world):
    line = world.supplied(world.laptop, 2)
    po_line = world.on_po(line)
    supply_order = line.supply_orders.get()

    page = client_for("customer_service").get(f"/orders/{line.order.number}/").content.decode()
    timeline = page[page.index('class="list-unstyled small mb-0 timeline"') :]

    assert re.search(
        rf'<a href="/supply/orders/{supply_order.number}/">{supply_order.number}</a>', timeline
    )
    po = po_line.purchase_order.number
    assert re.search(rf'<a href="/procurement/purchase-orders/{po}/">{po}(/1)?</a>', timeline), (
        timeline
    )
