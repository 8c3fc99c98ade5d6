"""A document reference is a link only when the user may open it: the CSR sees a line's
requisition as text on the order page and the pegging page (its workbench answers 403 for
them), the buyer sees it as a link; every link the pages show opens."""

import re
from decimal import Decimal

import pytest

from core.links import may_open
from supply.flows.receive import receipt_create
from supply.models import SupplyOrder
from warehouse.models import InventoryBalance
from warehouse.services import ReceiveLine

pytestmark = pytest.mark.django_db


def links_of(html: str) -> set[str]:
    return {href.replace("&amp;", "&") for href in re.findall(r'<a [^>]*href="(/[^"#]*)', html)}


@pytest.fixture
def requisitioned(world):
    line = world.supplied(world.laptop, 3)
    requisition = line.supply_orders.get().tracking_lines.get().document_number
    assert requisition.startswith("REQ-")
    return line, requisition


@pytest.mark.parametrize("screen", ["order", "pegging"])
def test_the_csr_sees_the_requisition_as_text_and_every_link_opens(
    client_for, requisitioned, screen
):
    line, requisition = requisitioned
    csr = client_for("customer_service")
    url = {
        "order": f"/orders/{line.order.number}/",
        "pegging": f"/supply/lines/{line.order.number}/{line.line_number}/",
    }[screen]

    html = csr.get(url).content.decode()

    assert requisition in html
    assert f'<span class="doc-ref">{requisition}</span>' in html
    assert not any("/procurement/requisitions/" in link for link in links_of(html))
    assert f"Open {requisition}" not in html  # the pegging page's next-step button
    for link in links_of(html) - {"/accounts/logout/"}:
        assert csr.get(link).status_code in (200, 302), link


def test_the_buyer_follows_the_requisition_from_the_pegging_page(client_for, requisitioned):
    line, requisition = requisitioned
    buyer = client_for("buyer")

    html = buyer.get(f"/supply/lines/{line.order.number}/{line.line_number}/").content.decode()

    link = f"/procurement/requisitions/{requisition}/"
    assert link in links_of(html)
    assert f"Open {requisition}" in html
    assert buyer.get(link).status_code == 200


def test_may_open_follows_the_route_permissions(role_users):
    csr, buyer = role_users["customer_service"], role_users["buyer"]

    assert may_open(buyer, "/procurement/requisitions/?q=REQ-000001")
    assert not may_open(csr, "/procurement/requisitions/?q=REQ-000001")
    assert may_open(csr, "/orders/")
    assert may_open(csr, "/notifications/")  # no permission needed
    assert not may_open(csr, "")


@pytest.mark.parametrize("screen", ["/supply/orders/", "supply_order"])
def test_the_buyer_sees_a_work_order_it_may_not_open_as_text_on_the_supply_screens(
    client_for, world, screen
):
    world.make_setup()
    world.work_orders(1)
    supply_order = SupplyOrder.objects.get()
    work_order = supply_order.tracking_lines.get().document_number
    buyer = client_for("buyer")
    url = f"/supply/orders/{supply_order.number}/" if screen == "supply_order" else screen

    html = buyer.get(url).content.decode()

    assert work_order in html
    assert not any("/manufacturing/" in link for link in links_of(html))
    for link in links_of(html) - {"/accounts/logout/"}:
        assert buyer.get(link).status_code in (200, 302), link


def test_production_sees_the_purchase_orders_of_the_inventory_ledger_as_text(client_for, world):
    line = world.supplied(world.laptop, 2)
    po_line = world.on_po(line)
    receipt_create(purchase_order=po_line.purchase_order, lines=[ReceiveLine(1, Decimal(2))])
    balance = InventoryBalance.objects.get(item=world.laptop, organization=world.w1)
    production = client_for("production")

    html = production.get(f"/warehouse/inventory/{balance.pk}/").content.decode()

    assert po_line.purchase_order.number in html
    assert not any("/procurement/" in link for link in links_of(html))
