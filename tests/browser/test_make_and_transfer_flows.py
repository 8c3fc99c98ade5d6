"""In Chromium: an order with a Make line (DESK-60 at plant P1) and a Transfer line (CHAIR from
W2 to W1). The production user releases, issues and completes the work order from the
worklist; the warehouse user ships the transfer and receives it on the receiving screen
(scanner style); both lines ship and invoice and the order closes — no line cancelled by
hand."""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from core.outbox import outbox_relay
from orders.services import LineInput
from supply.models import SupplyOrder
from supply.services import sales_order_submit, supply_order_create_document
from tests.factories import PASSWORD, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, live_server, username):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def ship(page, live_server, organization, customer="C-ACME"):
    page.goto(f"{live_server.url}/warehouse/shipping/?organization={organization}")
    page.get_by_test_id(f"ready-{customer}").get_by_role("button", name="Create shipment").click()
    expect(page.get_by_role("alert")).to_contain_text("planned")
    page.get_by_role("button", name="Picked").click()
    page.get_by_role("button", name="Packed").click()
    page.get_by_role("button", name="Ship confirm").click()
    expect(page.get_by_role("alert")).to_contain_text("shipped: the invoice follows")


def test_make_and_transfer_lines_go_all_the_way_to_a_closed_order(
    live_server, page, world, tmp_path
):
    world.make_setup()
    world.transfer_setup()
    order = world.order(
        LineInput(world.desk, Decimal(2), ship_from=world.p1), LineInput(world.chair, Decimal(3))
    )
    sales_order_submit(order=order, acting_user=world.csr)
    for supply_order in SupplyOrder.objects.all():
        supply_order_create_document(supply_order_id=supply_order.pk)
    UserFactory(username="pablo", roles=["production"])
    UserFactory(username="wendy", roles=["warehouse"])

    sign_in(page, live_server, "pablo")
    expect(page.get_by_role("heading", level=1)).to_have_text("Work orders")
    row = page.get_by_test_id(re.compile("wo-WO-"))
    expect(row).to_contain_text(order.number)
    page.screenshot(path=str(tmp_path / "work_orders.png"), full_page=True)
    row.get_by_role("link", name=re.compile("WO-")).click()
    page.get_by_role("button", name="Release").click()
    expect(page.get_by_role("alert")).to_contain_text("components are held")
    page.get_by_role("button", name="Issue materials").click()
    expect(page.get_by_role("alert")).to_contain_text("materials issued")
    expect(page.get_by_label("Quantity made")).to_have_value("2")
    page.get_by_label("Quantity made").press("Enter")
    expect(page.get_by_role("alert")).to_contain_text("2 completed (0 left to make)")
    expect(page.get_by_test_id("component-LEG")).to_contain_text("8")
    page.screenshot(path=str(tmp_path / "work_order.png"), full_page=True)
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, live_server, "wendy")
    page.get_by_role("link", name="Transfers").click()
    outbound = page.get_by_test_id(re.compile("outbound-TO-"))
    expect(outbound).to_contain_text("W2")
    page.screenshot(path=str(tmp_path / "transfers.png"), full_page=True)
    outbound.get_by_role("button", name="Ship").click()
    expect(page.get_by_role("alert")).to_contain_text("in transit to W1")
    page.get_by_test_id(re.compile("inbound-TO-")).get_by_role("link", name="Receive").click()
    quantity = page.get_by_label(re.compile("Quantity to receive on TO-"))
    expect(quantity).to_have_value("3")
    expect(quantity).to_be_focused()  # scanner style: the open quantity, Enter
    quantity.press("Enter")
    expect(page.get_by_role("alert")).to_contain_text(f"3 reserved for {order.number} line 2")
    page.screenshot(path=str(tmp_path / "receiving_transfer.png"), full_page=True)
    ship(page, live_server, "P1")
    ship(page, live_server, "W1")

    assert outbox_relay() == 2  # the two invoices, as the worker does after the commit
    order.refresh_from_db()
    assert order.status == "CLOSED"
    assert not order.lines.filter(status="CANCELLED").exists()
