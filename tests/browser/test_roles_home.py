"""Each role signs in through the real login form in Chromium and lands on its worklist."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HOMES = {
    "customer_service": (
        "/orders/",
        "Sales orders",
        ["Orders", "Supply", "Purchase orders", "Inventory"],
    ),
    "buyer": ("/procurement/requisitions/", "Requisitions", ["Requisitions", "Purchase orders"]),
    "procurement_manager": (
        "/procurement/approvals/",
        "Approvals",
        ["Approvals", "Purchase orders"],
    ),
    "warehouse": ("/warehouse/receiving/", "Receiving", ["Receiving", "Shipping", "Inventory"]),
    "production": ("/manufacturing/work-orders/", "Work orders", ["Work orders", "Inventory"]),
    "orchestration_manager": ("/supply/", "Supply orders", ["Supply", "Orders"]),
}
NEVER = {
    "customer_service": ["Approvals", "Receiving", "Requisitions", "Admin"],
    "buyer": ["Approvals", "Receiving", "Work orders", "Admin"],
    "procurement_manager": ["Requisitions", "Receiving", "Inventory", "Admin"],
    "warehouse": ["Approvals", "Requisitions", "Supply", "Admin"],
    "production": ["Approvals", "Receiving", "Supply", "Admin"],
    "orchestration_manager": ["Approvals", "Receiving", "Requisitions", "Admin"],
}


@pytest.mark.parametrize("role", sorted(HOMES))
def test_each_role_signs_in_and_sees_its_home_and_menu(sign_in, live_server, role):
    path, title, menu = HOMES[role]

    page = sign_in(role)

    expect(page).to_have_url(re.compile(re.escape(live_server.url + path) + "$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    nav = page.get_by_test_id("main-nav")
    for label in menu:
        expect(nav.get_by_role("link", name=label, exact=True)).to_be_visible()
    for label in NEVER[role]:
        expect(nav.get_by_role("link", name=label, exact=True)).to_have_count(0)


def test_a_wrong_password_says_what_to_do(live_server, page, role_users):
    page.goto(f"{live_server.url}/")
    page.get_by_label("User name").fill("buyer")
    page.get_by_label("Password").fill("wrong")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("Check the user name and password")


def test_signing_out_returns_to_the_login_form(sign_in, live_server):
    page = sign_in("buyer")
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    page.goto(f"{live_server.url}/procurement/requisitions/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next="))


def test_a_buyer_creates_an_api_token_on_the_profile_page(sign_in, live_server, tmp_path):
    page = sign_in("buyer")
    page.get_by_role("link", name=re.compile("^buyer")).click()
    page.get_by_label("Token name").fill("EDI gateway")
    page.get_by_role("button", name="Create token").click()
    expect(page.get_by_test_id("new-token")).to_contain_text("b2b_")
    expect(page.get_by_role("cell", name="EDI gateway")).to_be_visible()
    page.screenshot(path=str(tmp_path / "profile.png"), full_page=True)
