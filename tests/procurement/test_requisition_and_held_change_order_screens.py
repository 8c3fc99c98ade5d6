"""In Chromium: the buyer opens a requisition from the worklist and moves it to another
supplier; a change order held for review shows what changed and goes out with one click."""

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from procurement.models import PurchaseOrder
from supply.services import line_change
from tests.factories import BuyRuleFactory, SupplierFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_buyer_moves_a_requisition_to_another_supplier_from_its_page(
    live_server, sign_in, world
):
    BuyRuleFactory(
        item=world.laptop,
        organization=world.w1,
        supplier=SupplierFactory(number="S-FABRIKAM", name="Fabrikam"),
        unit_price=Decimal("850"),
        rank=2,
    )
    requisition = world.supplied(world.laptop, 3).requisition_lines.get()

    page = sign_in("buyer")
    page.get_by_role("link", name=requisition.number).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(requisition.number)
    page.get_by_label("Supplier").select_option("S-FABRIKAM")
    page.get_by_role("button", name="Change").click()
    expect(page.get_by_role("alert")).to_contain_text("now from S-FABRIKAM at 850.0000")
    expect(page.get_by_test_id("requisition-supplier")).to_contain_text("S-FABRIKAM")
    page.screenshot(path="/tmp/procmfg-requisition.png", full_page=True)


def test_a_held_change_order_shows_what_changed_and_goes_with_send(
    live_server, sign_in, world, settings
):
    settings.PO_APPROVAL_THRESHOLD = Decimal("100000")
    settings.PO_CHANGE_ORDER_REVIEW = True
    line = world.supplied(world.laptop, 5)
    world.on_po(line)
    line_change(line=line, quantity=Decimal(7), acting_user=world.csr, reason="customer")
    po = PurchaseOrder.objects.get()

    page = sign_in("buyer")
    page.goto(f"{live_server.url}/procurement/purchase-orders/?held=1")
    page.get_by_role("link", name=po.number).first.click()
    expect(page.get_by_test_id("change-order-held")).to_contain_text("held for your review")
    expect(page.get_by_test_id("changes-not-sent")).to_contain_text("Quantity")
    page.screenshot(path="/tmp/procmfg-held-change-order.png", full_page=True)
    page.get_by_role("button", name="Send to supplier").click()
    expect(page.get_by_role("alert")).to_contain_text("queued for the supplier")
    expect(page.get_by_test_id("change-order-held")).to_have_count(0)
