"""In Chromium, the customer service rep's order screens: the preview of a line follows a
quantity as it is typed, a draft is edited from its page and submitted, and the entry form and
the order page fit a phone (no page-wide sideways scroll)."""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from orders.models import SalesOrder
from orders.services import LineInput
from supply.services import sales_order_submit
from tests.factories import ItemFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_typing_a_quantity_updates_the_preview_without_leaving_the_field(
    live_server, page, world, sign_in
):
    world.stock(world.laptop, 3)
    sign_in("customer_service")
    page.goto(f"{live_server.url}/orders/new/")
    page.get_by_label("Customer", exact=True).select_option("C-ACME")
    page.get_by_label("Item of line 1").press_sequentially("LAPTOP-15")
    quantity = page.get_by_label("Quantity of line 1")
    preview = page.get_by_test_id("preview-1")

    quantity.press_sequentially("2")
    expect(preview).to_contain_text("2 from stock, ships as requested")
    quantity.press_sequentially("0")  # 20: 3 from stock, 17 bought

    expect(preview).to_contain_text("3 from stock")
    expect(preview).to_contain_text("17 by BUY from S-CONTOSO")
    expect(quantity).to_be_focused()


def test_a_csr_edits_a_draft_changes_a_quantity_adds_a_line_and_submits_it(
    live_server, page, world, sign_in
):
    dock = ItemFactory(sku="DOCK-USB", back_to_back=False, description="USB-C dock")
    world.stock(world.laptop, 10)
    world.stock(dock, 10)
    order = world.order((world.laptop, 2))

    sign_in("customer_service")
    page.goto(f"{live_server.url}/orders/{order.number}/")
    page.get_by_role("link", name="Edit draft").click()
    expect(page.get_by_role("heading", name=f"Edit draft {order.number}")).to_be_visible()
    expect(page.get_by_label("Item of line 1")).to_have_value("LAPTOP-15")
    page.get_by_label("Quantity of line 1").fill("4")
    page.get_by_role("button", name="+ Add line").click()
    page.get_by_label("Item of line 2").fill("DOCK-USB")
    page.get_by_label("Quantity of line 2").press_sequentially("3")
    expect(page.get_by_test_id("preview-2")).to_contain_text("3 from stock")
    page.get_by_role("button", name="Submit order").click()

    expect(page.get_by_role("alert")).to_contain_text(f"Order {order.number} submitted.")
    expect(page.get_by_test_id("status-1")).to_have_text("Awaiting shipping")
    expect(page.get_by_test_id("line-1")).to_contain_text("4")
    expect(page.get_by_test_id("line-2")).to_contain_text("DOCK-USB")
    expect(page.get_by_test_id("order-total")).to_contain_text("5,100.00 USD")
    assert SalesOrder.objects.get().status == "PROCESSING"
    expect(page.get_by_role("link", name="Edit draft")).to_have_count(0)


def test_the_order_page_fits_a_phone(live_server, page, world, sign_in, tmp_path):
    world.stock(world.laptop, 1)
    order = world.order(
        (world.laptop, 3), LineInput(world.laptop, Decimal(2)), external_reference="ACME-4711"
    )
    sales_order_submit(order=order, acting_user=world.csr)

    sign_in("customer_service")
    page.set_viewport_size(DESKTOP)
    page.goto(f"{live_server.url}/orders/{order.number}/")
    expect(page.get_by_test_id("order-total")).to_be_visible()
    page.screenshot(path=str(tmp_path / "order-1280.png"), full_page=True)

    page.set_viewport_size(PHONE)
    page.reload()
    expect(page.get_by_test_id("line-1")).to_be_visible()
    assert no_sideways_scroll(page)
    page.get_by_test_id("line-1").get_by_role("button", name="Details").click()
    expect(page.locator("#more-1")).to_have_class(re.compile(r"\bshow\b"))  # opened
    assert no_sideways_scroll(page)
    page.screenshot(path=str(tmp_path / "order-390.png"), full_page=True)


def test_the_entry_form_fits_a_phone_with_a_usable_item_field(
    live_server, page, world, sign_in, tmp_path
):
    world.stock(world.laptop, 2)
    sign_in("customer_service")
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/orders/new/")
    page.get_by_label("Customer", exact=True).select_option("C-ACME")
    item = page.get_by_label("Item of line 1")
    item.fill("LAPTOP-15")
    page.get_by_label("Quantity of line 1").press_sequentially("5")
    expect(page.get_by_test_id("preview-1")).to_contain_text("2 from stock")
    assert item.bounding_box()["width"] >= 200
    assert no_sideways_scroll(page)
    page.get_by_role("button", name="+ Add line").click()
    expect(page.get_by_label("Item of line 2")).to_be_visible()
    expect(page.get_by_test_id("preview-1")).to_contain_text("2 from stock")
    assert no_sideways_scroll(page)
    # Screenshots last: Playwright leaves empty style attributes that an htmx swap would copy.
    page.screenshot(path=str(tmp_path / "entry-390.png"), full_page=True)
    page.set_viewport_size(DESKTOP)
    assert page.get_by_label("Item of line 2").bounding_box()["width"] >= 150
    page.screenshot(path=str(tmp_path / "entry-1280.png"), full_page=True)
