"""A customer service rep enters a two-line order in Chromium, sees the promise per line before
submitting, and watches the lines reach their status without reloading (real Celery worker)."""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.factories import PASSWORD
from tests.world import World

pytestmark = [pytest.mark.browser, pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_a_csr_enters_previews_submits_and_follows_a_two_line_order(
    live_server, page, celery_worker, tmp_path
):
    world = World()
    world.stock(world.laptop, 2)
    from tests.factories import ItemFactory

    dock = ItemFactory(sku="DOCK-USB", back_to_back=False, description="USB-C dock")
    world.stock(dock, 10)

    page.goto(f"{live_server.url}/")
    page.get_by_label("User name").fill("csr")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name=re.compile("New order")).click()

    page.get_by_label("Customer", exact=True).select_option("C-ACME")
    page.get_by_label("Item of line 1").fill("LAPTOP-15")
    page.get_by_label("Quantity of line 1").fill("10")
    page.get_by_role("button", name="+ Add line").click()
    page.get_by_label("Item of line 2").fill("DOCK-USB")
    page.get_by_label("Quantity of line 2").fill("4")
    page.get_by_label("Quantity of line 2").press("Tab")

    ship = timezone.localdate() + datetime.timedelta(days=6)
    first = page.get_by_test_id("preview-1")
    expect(first).to_contain_text("2 available at W1")
    expect(first).to_contain_text(f"8 by BUY from S-CONTOSO (rank 1) · ships {ship}")
    expect(page.get_by_test_id("preview-2")).to_contain_text("4 from stock")
    page.screenshot(path=str(tmp_path / "entry.png"), full_page=True)

    page.get_by_role("button", name="Submit order").click()

    expect(page.get_by_role("alert")).to_contain_text("submitted")
    expect(page.get_by_test_id("status-1")).to_have_text("Awaiting shipping")
    expect(page.get_by_test_id("status-2")).to_have_text("Awaiting shipping")
    # line 3 is the 8 laptops split off line 1; the worker creates their requisition and the
    # page picks the new status up by itself
    expect(page.get_by_test_id("status-3")).to_have_text("Awaiting supply", timeout=20_000)
    expect(page.get_by_test_id("line-3")).to_contain_text("REQ-")
    page.screenshot(path=str(tmp_path / "order.png"), full_page=True)


def _sign_in_as_csr(live_server, page):
    page.goto(f"{live_server.url}/")
    page.get_by_label("User name").fill("csr")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_a_csr_enters_lines_by_keyboard_without_leaving_the_line(live_server, page, tmp_path):
    """Alt+N opens order entry as its hint says; "+ Add line" and Enter put the cursor in the
    new line's item field and give it the previous line's requested date; typing fast (each
    key stroke a preview request) logs nothing to the console."""
    world = World()
    world.stock(world.laptop, 50)
    errors: list[str] = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    _sign_in_as_csr(live_server, page)
    page.goto(f"{live_server.url}/orders/")

    new_order = page.get_by_role("link", name=re.compile("New order"))
    expect(new_order).to_have_attribute("aria-keyshortcuts", "Alt+N")
    expect(new_order.locator("kbd")).to_have_text("Alt+N")
    page.keyboard.press("Alt+KeyN")
    expect(page.get_by_role("heading", name="New order")).to_be_visible()

    page.get_by_label("Customer", exact=True).select_option("C-ACME")
    later = (timezone.localdate() + datetime.timedelta(days=9)).isoformat()
    page.get_by_label("Item of line 1").press_sequentially("laptop-15")  # one request a key
    page.get_by_label("Quantity of line 1").press_sequentially("12")
    page.get_by_label("Requested ship date of line 1").fill(later)
    page.get_by_role("button", name="+ Add line").click()
    expect(page.get_by_label("Item of line 2")).to_be_focused()
    expect(page.get_by_label("Requested ship date of line 2")).to_have_value(later)

    page.keyboard.type("LAPTOP-15")
    page.keyboard.press("Tab")
    page.keyboard.type("3")
    page.keyboard.press("Enter")  # Enter in a line adds the next one
    expect(page.get_by_label("Item of line 3")).to_be_focused()
    expect(page.get_by_label("Requested ship date of line 3")).to_have_value(later)
    expect(page.get_by_label("Quantity of line 2")).to_have_value("3")
    expect(page.get_by_test_id("preview-1")).to_contain_text("12 from stock")
    expect(page.get_by_test_id("preview-2")).to_contain_text("3 from stock")
    page.screenshot(path="/tmp/order-entry-keyboard.png", full_page=True)
    assert errors == []
