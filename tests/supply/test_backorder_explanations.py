"""What a backordered line and the entry form tell the user in words: the rules that decided
(never a bare level code such as "none"), and which organization "Customer default" is."""

import pytest

from supply.services import sales_order_submit
from tests.factories import ItemFactory

pytestmark = pytest.mark.django_db


def test_a_line_no_rule_covers_says_so_in_words_on_the_order_page(csr, world):
    desk = ItemFactory(sku="DESK-NORULE")
    order = world.order((desk, 2))
    sales_order_submit(order=order, acting_user=world.csr)

    text = " ".join(csr.get(f"/orders/{order.number}/").content.decode().split())

    assert order.lines.get().status == "BACKORDERED"
    assert "no sourcing rule applies to DESK-NORULE at W1" in text
    assert "none level" not in text and "<strong>none</strong>" not in text


def test_a_sourced_line_names_the_rules_that_chose_its_source(csr, world):
    order = world.order((world.laptop, 2))
    sales_order_submit(order=order, acting_user=world.csr)

    text = " ".join(csr.get(f"/orders/{order.number}/").content.decode().split())

    assert "rules for this item at this organization" in text
    assert "item+org" not in text


def test_the_entry_preview_names_the_customers_default_ship_from(csr, world):
    new = csr.get("/orders/new/").content.decode()
    preview = csr.get(
        "/orders/new/preview/?index=0&customer=C-ACME&lines-0-item=LAPTOP-15&lines-0-quantity=1"
    )
    chosen = csr.get(
        "/orders/new/preview/?index=0&customer=C-ACME&lines-0-item=LAPTOP-15"
        "&lines-0-quantity=1&lines-0-ship_from=W1"
    )

    assert ">Default</option>" in new
    assert '{"C-ACME": "W1"}' in new  # what Default means, for the page's script
    text = " ".join(preview.content.decode().split())
    assert "(ships from W1, C-ACME's default)" in text
    assert "default" not in chosen.content.decode().lower()
