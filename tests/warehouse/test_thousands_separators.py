"""Quantities on the warehouse screens carry thousands separators (12,500), as on the PO and
the invoice; quantity inputs keep plain digits a number field takes."""

from decimal import Decimal

import pytest

from supply.services import sales_order_submit
from tests.warehouse.test_warehouse_screens import open_po
from warehouse.models import InventoryBalance, TransferOrder

pytestmark = pytest.mark.django_db


def test_inventory_list_and_detail_group_thousands(world, client_for):
    world.stock(world.laptop, Decimal("12500.5"))
    client = client_for("warehouse")
    balance = InventoryBalance.objects.get()

    assert '<td class="num">12,500.5</td>' in client.get("/warehouse/inventory/").content.decode()
    detail = client.get(f"/warehouse/inventory/{balance.pk}/").content.decode()
    assert 'data-testid="available">12,500.5</div>' in detail
    assert ">12,500.5</td>" in detail  # the ledger row


def test_receiving_groups_thousands_but_the_input_takes_plain_digits(world, client_for, settings):
    settings.PO_APPROVAL_THRESHOLD = Decimal("1e9")
    open_po(world, quantity=1500)

    page = client_for("warehouse").get("/warehouse/receiving/").content.decode()

    assert 'data-label="Open">1,500</td>' in page
    assert 'name="quantity" value="1500"' in page


def test_a_receipt_message_groups_thousands(world, client_for, settings):
    settings.PO_APPROVAL_THRESHOLD = Decimal("1e9")
    order, po = open_po(world, quantity=1500)
    response = client_for("warehouse").post(
        "/warehouse/receiving/",
        {"purchase_order": po.number, "line_number": "1", "quantity": "1500"},
        follow=True,
    )
    assert f"1,500 reserved for {order.number} line 1" in response.content.decode()


def test_shipping_groups_thousands_but_the_input_takes_plain_digits(world, client_for):
    world.stock(world.laptop, 2400)
    order = world.order((world.laptop, 2400))
    sales_order_submit(order=order, acting_user=world.csr)

    page = client_for("warehouse").get("/warehouse/shipping/?organization=W1").content.decode()

    assert 'data-label="Reserved on hand">2,400</td>' in page
    assert f'name="quantity_{order.lines.get().pk}" value="2400"' in page


def test_transfers_group_thousands(world, client_for):
    world.transfer_setup()
    world.stock(world.chair, 1990, org=world.w2)
    world.supplied(world.chair, 1500)
    number = TransferOrder.objects.get().number
    client = client_for("warehouse")

    assert "1,500 × CHAIR" in client.get("/warehouse/transfers/").content.decode()
    assert (
        '<td class="num">1,500</td>'
        in client.get(f"/warehouse/transfers/{number}/").content.decode()
    )
