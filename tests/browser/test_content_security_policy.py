"""The screens work under a Content-Security-Policy without inline scripts or styles: the
behaviours that were inline handlers (select all, choose-and-apply, print) come from app.js,
and the API documentation still loads (the CSP check itself is in tests/conftest.py)."""

import re

import pytest
from playwright.sync_api import expect

from supply.models import SupplyOrder
from supply.services import sales_order_submit, supply_order_create_document

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_every_page_carries_a_policy_without_inline_scripts_or_styles(client, role_users):
    client.force_login(role_users["buyer"])
    policy = client.get("/procurement/requisitions/")["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "style-src 'self'" in policy
    assert "unsafe-inline" not in policy and "frame-ancestors 'none'" in policy


def test_select_all_and_the_supplier_filter_work_without_inline_script(sign_in, world):
    for quantity in (2, 3):
        order = world.order((world.laptop, quantity))
        sales_order_submit(order=order, acting_user=world.csr)
        supply_order_create_document(
            supply_order_id=SupplyOrder.objects.get(demand_line__order=order).pk
        )
    page = sign_in("buyer")

    page.get_by_role("checkbox", name="Select all of S-CONTOSO").check()
    for box in page.get_by_role("checkbox", name=re.compile("Select REQ-")).all():
        expect(box).to_be_checked()
    page.get_by_label("Supplier").select_option("S-CONTOSO")
    expect(page).to_have_url(re.compile(r"supplier=S-CONTOSO"))


def test_the_api_documentation_loads_under_the_policy(sign_in, live_server):
    page = sign_in("buyer")
    page.goto(f"{live_server.url}/api/v1/docs")
    expect(page.get_by_text("/api/v1/sales-orders").first).to_be_visible(timeout=15_000)
