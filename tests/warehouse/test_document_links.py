"""Every document a warehouse screen names is a link to it: ledger rows to their receipt (and
the PO or transfer it received), shipment, work order or transfer order and to the sales order;
reservations to their supply document; receipts to their PO; shipments to their sales orders."""

from decimal import Decimal

import pytest

from manufacturing.models import WorkOrder
from manufacturing.services import work_order_issue_materials, work_order_release
from supply.flows.receive import receipt_create
from supply.flows.ship import shipment_confirm
from supply.services import sales_order_submit
from tests.world import page_queries
from warehouse.models import InventoryBalance, TransferOrder
from warehouse.services import ReceiveLine
from warehouse.shipments import ShipLine, shipment_create, shipment_move
from warehouse.transfers import transfer_order_ship

pytestmark = pytest.mark.django_db


def detail(client, item, organization):
    balance = InventoryBalance.objects.get(item=item, organization=organization)
    return client.get(f"/warehouse/inventory/{balance.pk}/").content.decode()


def test_receipt_and_shipment_rows_link_to_receipt_po_shipment_and_sales_order(world, client_for):
    line = world.supplied(world.laptop, 3)
    po_line = world.on_po(line)
    po = po_line.purchase_order
    receipt = receipt_create(purchase_order=po, lines=[ReceiveLine(1, Decimal(3))])
    shipment = shipment_create(organization=world.w1, lines=[ShipLine(line)])
    shipment_move(shipment=shipment, action="pick")
    shipment_move(shipment=shipment, action="pack")
    shipment_confirm(shipment=shipment)
    order = line.order

    html = detail(client_for("warehouse"), world.laptop, world.w1)

    assert (
        f'<a href="/warehouse/receipts/{receipt.number}/">{receipt.number}</a> · '
        f'<a href="/procurement/purchase-orders/{po.number}/">{po.number}</a>' in html
    )
    assert f'<a href="/warehouse/shipments/{shipment.number}/">{shipment.number}</a>' in html
    assert html.count(f'<a href="/orders/{order.number}/">{order.number}</a> / 1') == 2


def test_a_reservation_on_a_po_links_to_the_po(world, client_for):
    line = world.supplied(world.laptop, 3)
    po = world.on_po(line).purchase_order
    world.stock(world.laptop, 1)  # a balance to look at

    html = detail(client_for("warehouse"), world.laptop, world.w1)

    assert f'<a href="/procurement/purchase-orders/{po.number}/">{po.number}/1</a>' in html


def test_transfer_and_work_order_rows_link_to_their_documents(world, client_for):
    world.transfer_setup()
    world.make_setup()
    world.supplied(world.chair, 3)
    transfer = TransferOrder.objects.get()
    transfer_order_ship(transfer_order=transfer)
    world.supplied(world.desk, 2, ship_from=world.p1)
    work_order = WorkOrder.objects.get()
    work_order_release(work_order=work_order)
    work_order_issue_materials(work_order=work_order)
    client = client_for("warehouse")

    chair = detail(client, world.chair, world.w2)
    leg_for_warehouse = detail(client, world.leg, world.p1)  # may not open work orders
    leg = detail(client_for("orchestration_manager"), world.leg, world.p1)

    assert f'<a href="/warehouse/transfers/{transfer.number}/">{transfer.number}</a>' in chair
    assert (
        f'<a href="/manufacturing/work-orders/{work_order.number}/">{work_order.number}</a>' in leg
    )
    assert f'<span class="doc-ref">{work_order.number}</span>' in leg_for_warehouse


def test_receipts_link_to_their_page_and_po_and_shipments_to_theirs(world, client_for):
    line = world.supplied(world.laptop, 2)
    po = world.on_po(line).purchase_order
    receipt = receipt_create(purchase_order=po, lines=[ReceiveLine(1, Decimal(2))])
    shipment = shipment_create(organization=world.w1, lines=[ShipLine(line)])
    client = client_for("warehouse")

    receiving = client.get("/warehouse/receiving/").content.decode()
    shipping = client.get("/warehouse/shipping/?organization=W1").content.decode()

    po_url = f"/procurement/purchase-orders/{po.number}/"
    receipt_url = f"/warehouse/receipts/{receipt.number}/"
    assert (
        f'<td data-label="Receipt"><a href="{receipt_url}">{receipt.number}</a></td>' in receiving
    )
    assert f'<a href="{po_url}">{po.number}</a>/1' in receiving
    assert f'<a href="/warehouse/shipments/{shipment.number}/">{shipment.number}</a>' in shipping
    order = line.order.number
    assert f'<li><a href="/orders/{order}/">{order}</a> / 1 · LAPTOP-15 × 2</li>' in shipping


def test_the_ledger_page_runs_the_same_queries_with_linked_rows(world, client_for):
    client = client_for("warehouse")
    world.stock(world.laptop, 10)
    balance = InventoryBalance.objects.get()
    few = page_queries(client, f"/warehouse/inventory/{balance.pk}/")
    for _ in range(3):
        order = world.order((world.laptop, 1))
        sales_order_submit(order=order, acting_user=world.csr)
        shipment = shipment_create(organization=world.w1, lines=[ShipLine(order.lines.get())])
        shipment_move(shipment=shipment, action="pick")
        shipment_move(shipment=shipment, action="pack")
        shipment_confirm(shipment=shipment)
    assert page_queries(client, f"/warehouse/inventory/{balance.pk}/") == few
