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
    expect(page.get_by_test_id("status-1")).to_have_text("AWAITING SHIPPING")
    expect(page.get_by_test_id("status-2")).to_have_text("AWAITING SHIPPING")
    # line 3 is the 8 laptops split off line 1; the worker creates their requisition and the
    # page picks the new status up by itself
    expect(page.get_by_test_id("status-3")).to_have_text("AWAITING SUPPLY", timeout=20_000)
    expect(page.get_by_test_id("line-3")).to_contain_text("REQ-")
    page.screenshot(path=str(tmp_path / "order.png"), full_page=True)
