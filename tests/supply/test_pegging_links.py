"""Every document on the supply screens and the work order pages is a link: the sales order,
the line's pegging page, the PO, requisition, work order and transfer order."""

import re

import pytest

from manufacturing.models import WorkOrder
from supply.models import SupplyOrder
from tests.supply.test_workbench import make_exception
from warehouse.models import TransferOrder

pytestmark = pytest.mark.django_db


def links(page) -> set[str]:
    return set(re.findall(r'href="([^"]+)"', page.content.decode()))


def pegging(line) -> str:
    return f"/supply/lines/{line.order.number}/{line.line_number}/"


def test_the_supply_order_page_links_the_line_its_pegging_and_documents(world, client_for):
    line = world.supplied(world.laptop, 2)
    po = world.on_po(line).purchase_order
    supply_order = SupplyOrder.objects.get(demand_line=line)

    page = client_for("orchestration_manager").get(f"/supply/orders/{supply_order.number}/")

    assert {
        f"/orders/{line.order.number}/",
        pegging(line),
        f"/procurement/purchase-orders/{po.number}/",
    } <= links(page)


def test_the_workbench_links_each_exception_to_its_documents_and_pegging(world, client_for):
    supply_order = make_exception(world)
    work_order = WorkOrder.objects.get(demand_line=supply_order.demand_line)
    world.transfer_setup()
    world.stock(world.chair, -10, org=world.w2)  # nothing left to transfer: backordered
    backordered = world.supplied(world.chair, 1)

    page = client_for("orchestration_manager").get("/supply/")

    assert {
        f"/supply/orders/{supply_order.number}/",
        f"/manufacturing/work-orders/{work_order.number}/",
        f"/orders/{supply_order.demand_line.order.number}/",
        pegging(supply_order.demand_line),
        pegging(backordered),
    } <= links(page)


def test_a_transfer_line_links_its_transfer_order_from_the_supply_order(world, client_for):
    world.transfer_setup()
    line = world.supplied(world.chair, 2)
    transfer = TransferOrder.objects.get()
    supply_order = SupplyOrder.objects.get(demand_line=line)

    page = client_for("customer_service").get(f"/supply/orders/{supply_order.number}/")

    assert {f"/warehouse/transfers/{transfer.number}/", pegging(line)} <= links(page)


def test_the_work_order_pages_link_the_line_pegging_and_supply_order(world, client_for):
    supply_order = make_exception(world)
    line = supply_order.demand_line
    work_order = WorkOrder.objects.get(demand_line=line)

    manager = client_for("orchestration_manager")
    page = manager.get(f"/manufacturing/work-orders/{work_order.number}/")
    assert {
        f"/orders/{line.order.number}/",
        pegging(line),
        f"/supply/orders/{supply_order.number}/",
    } <= links(page)
    assert pegging(line) in links(manager.get("/manufacturing/work-orders/?status=CANCELLED"))

    # production may not open supply orders: no link it could not follow
    page = client_for("production").get(f"/manufacturing/work-orders/{work_order.number}/")
    assert pegging(line) in links(page)
    assert f"/supply/orders/{supply_order.number}/" not in links(page)
