"""A receipt's references open only what the reader may open: a buyer reads a transfer receipt
but sees its transfer as plain text; a role that may not read receipts (procurement manager)
follows an RCV- number on the pegging page to the PO it received, and a role that may open
neither (production) sees both numbers as plain text on the ledger — never a link that 403s."""

from decimal import Decimal

import pytest

from supply.flows.receive import receipt_create
from supply.flows.transfer import transfer_order_receive
from supply.models import SupplyOrder
from supply.services import sales_order_submit, supply_order_create_document
from warehouse.models import InventoryBalance, Receipt, TransferOrder
from warehouse.services import ReceiveLine
from warehouse.transfers import transfer_order_ship

pytestmark = pytest.mark.django_db


def transfer_receipt(world) -> Receipt:
    world.transfer_setup()
    order = world.order((world.chair, Decimal(1)))
    sales_order_submit(order=order, acting_user=world.csr)
    supply_order_create_document(
        supply_order_id=SupplyOrder.objects.get(demand_line__order=order).pk
    )
    to = TransferOrder.objects.get(demand_line__order=order)
    transfer_order_ship(transfer_order=to)
    transfer_order_receive(transfer_order=to, lines=[ReceiveLine(1, Decimal(1))])
    return Receipt.objects.get(transfer_order=to)


def test_a_buyer_reads_a_transfer_receipt_without_a_link_to_the_transfer(world, client_for):
    receipt = transfer_receipt(world)
    to = receipt.transfer_order
    link = f'<a href="/warehouse/transfers/{to.number}/">{to.number}</a>'

    buyer = client_for("buyer")
    page = buyer.get(f"/warehouse/receipts/{receipt.number}/").content.decode()
    listed = buyer.get("/warehouse/receipts/").content.decode()
    warehouse = client_for("warehouse").get(f"/warehouse/receipts/{receipt.number}/")

    assert to.number in page and link not in page
    assert to.number in listed and link not in listed
    assert link in warehouse.content.decode()


def test_an_rcv_number_leads_who_may_not_read_receipts_to_the_po_or_is_plain(world, client_for):
    line = world.supplied(world.laptop, 3)
    po = world.on_po(line).purchase_order
    receipt = receipt_create(purchase_order=po, lines=[ReceiveLine(1, Decimal(3))])
    pegging = f"/supply/lines/{line.order.number}/{line.line_number}/"
    balance = InventoryBalance.objects.get(item=world.laptop, organization=world.w1)

    manager = client_for("procurement_manager").get(pegging).content.decode()
    ledger = client_for("production").get(f"/warehouse/inventory/{balance.pk}/").content.decode()

    assert f'<a href="/procurement/purchase-orders/{po.number}/">{receipt.number}</a>' in manager
    assert f'href="/warehouse/receipts/{receipt.number}/"' not in manager
    assert f'<span class="doc-ref">{receipt.number}</span>' in ledger
    assert f'<span class="doc-ref">{po.number}</span>' in ledger
    assert 'href="/warehouse/receipts/' not in ledger and 'href="/procurement/' not in ledger
