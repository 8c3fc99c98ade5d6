"""The pegging page of a sales order line: the chain of its documents — supply orders (cancelled
ones too), requisition and PO line, receipts, work order or transfer order, what is reserved
where, shipments, invoices — each a link to its page, and the next step the line waits for,
in words, changing as the line moves on."""

import datetime
import re
from decimal import Decimal

import pytest

from billing.services import invoices_create_for_shipment
from core.outbox import outbox_relay
from manufacturing.models import WorkOrder
from manufacturing.services import work_order_issue_materials, work_order_release
from orders.services import LineInput
from procurement.services import purchase_order_approve, purchase_order_communicate
from supply.flows.buy import purchase_order_acknowledge, purchase_order_cancel
from supply.flows.make import work_order_complete
from supply.flows.receive import receipt_create
from supply.flows.ship import shipment_confirm
from supply.flows.transfer import transfer_order_receive
from supply.models import SupplyOrder
from supply.selectors import pegging_of
from supply.services import backorders_repromise, sales_order_submit, supply_order_cancel_supply
from tests.factories import UserFactory
from tests.world import page_queries
from warehouse.models import TransferOrder
from warehouse.services import ReceiveLine
from warehouse.shipments import ShipLine, shipment_create, shipment_move
from warehouse.transfers import ReceiveLine as TransferReceiveLine
from warehouse.transfers import transfer_order_ship

pytestmark = pytest.mark.django_db


def url_of(line) -> str:
    return f"/supply/lines/{line.order.number}/{line.line_number}/"


def pegging_page(client, line) -> str:
    response = client.get(url_of(line))
    assert response.status_code == 200
    return response.content.decode()


def next_step(page: str) -> str:
    """The next step as the user reads it."""
    block = re.search(r'data-testid="next-step">(.*?)</div>', page, re.S).group(1)
    text = re.search(r'class="next-step-text">(.*?)</span>', block, re.S).group(1)
    link = re.search(r">(Open [^<]*)</a>", block)
    return " ".join(text.split()) + (f" · {link.group(1)}" if link else "")


def links(page: str) -> set[str]:
    return set(re.findall(r'href="([^"]+)"', page))


def ship(world, line, organization):
    shipment = shipment_create(organization=organization, lines=[ShipLine(line)])
    step = f"Waiting for {shipment.number} to be picked at {organization.name}"
    for action in ("pick", "pack"):
        shipment_move(shipment=shipment, action=action)
    return shipment, step


def test_a_bought_line_walks_from_requisition_to_invoice_with_its_next_step(world, csr, settings):
    settings.PO_APPROVAL_THRESHOLD = Decimal("1")  # every PO waits for a manager
    line = world.supplied(world.laptop, 10)
    supply_order = SupplyOrder.objects.get(demand_line=line)
    requisition = line.requisition_lines.get()

    page = pegging_page(csr, line)
    assert next_step(page) == (
        f"Waiting for a buyer to order {requisition.number} from Supplier S-CONTOSO"
    )  # no "Open": the requisition workbench is the buyer's (403 for the CSR)
    assert f"/supply/orders/{supply_order.number}/" in links(page)
    assert f"/procurement/requisitions/{requisition.number}/" not in links(page)
    assert f"/orders/{line.order.number}/#line-1" in links(page)

    po_line = world.on_po(line, communicated=False)
    po = po_line.purchase_order
    page = pegging_page(csr, line)
    assert next_step(page) == f"Waiting for approval of {po.number} · Open {po.number}"
    assert f"/procurement/purchase-orders/{po.number}/" in links(page)
    assert f"{po.number} line 1" in page

    purchase_order_approve(po=po, acting_user=UserFactory(roles=["procurement_manager"]))
    assert next_step(pegging_page(csr, line)) == (
        f"Waiting for {po.number} to be sent to Supplier S-CONTOSO · Open {po.number}"
    )
    purchase_order_communicate(po=po, acting_user=world.csr)
    outbox_relay()
    assert next_step(pegging_page(csr, line)).startswith(
        f"Waiting for {po.number} line 1 from Supplier S-CONTOSO, needed by"
    )

    purchase_order_acknowledge(po=po, accepted=True, promised_dates={1: datetime.date(2031, 1, 10)})
    assert next_step(pegging_page(csr, line)) == (
        f"Waiting for {po.number} line 1 from Supplier S-CONTOSO, promised 10 Jan 2031"
        f" · Open {po.number}"
    )

    first = receipt_create(purchase_order=po, lines=[ReceiveLine(1, Decimal(4))])
    page = pegging_page(csr, line)
    assert next_step(page) == (
        f"Waiting for {po.number} line 1 from Supplier S-CONTOSO (6 still to come), "
        f"promised 10 Jan 2031 · Open {po.number}"
    )
    assert first.number in page
    reserved = re.sub(r"<[^>]+>|\s+", " ", page[page.index('data-testid="reservations"') :])
    assert "Warehouse W1 W1 On hand 4 ready to ship" in " ".join(reserved.split())
    assert f"Warehouse W1 W1 To come 6 on {po.number}/1 (purchase order)" in " ".join(
        reserved.split()
    )

    receipt_create(purchase_order=po, lines=[ReceiveLine(1, Decimal(6))])
    assert (
        next_step(pegging_page(csr, line)) == "Ready to ship from Warehouse W1"
    )  # shipping is the warehouse's

    shipment, _ = ship(world, line, world.w1)
    assert next_step(pegging_page(csr, line)) == (
        f"Waiting for {shipment.number} to be ship confirmed at Warehouse W1"
        f" · Open {shipment.number}"
    )
    shipment_confirm(shipment=shipment, carrier="DHL", tracking_number="T-1")
    page = pegging_page(csr, line)
    assert next_step(page) == "Waiting for invoicing"
    assert f"/warehouse/shipments/{shipment.number}/" in links(page)

    invoices_create_for_shipment(shipment_id=shipment.pk)
    page = pegging_page(csr, line)
    invoice = line.order.invoices.get()
    assert next_step(page) == "Closed"
    assert f"/billing/invoices/{invoice.number}/" in links(page)
    assert "DHL T-1" in page


def test_a_made_line_waits_for_its_work_order(world, csr):
    world.make_setup()
    order = world.order(LineInput(world.desk, Decimal(2), ship_from=world.p1))
    sales_order_submit(order=order, acting_user=world.csr)
    from supply.services import supply_order_create_document

    supply_order_create_document(supply_order_id=SupplyOrder.objects.get().pk)
    line = order.lines.get()
    work_order = WorkOrder.objects.get()

    page = pegging_page(csr, line)
    assert (
        next_step(page)
        == f"Waiting for {work_order.number} to be released · Open {work_order.number}"
    )
    assert f"/manufacturing/work-orders/{work_order.number}/" in links(page)

    work_order_release(work_order=work_order)
    work_order_issue_materials(work_order=work_order)
    due = f"{work_order.due_date.day} {work_order.due_date:%b %Y}"
    assert next_step(pegging_page(csr, line)) == (
        f"Waiting for {work_order.number} to complete, due {due} · Open {work_order.number}"
    )

    work_order_complete(work_order=work_order, quantity=Decimal(2))
    page = pegging_page(csr, line)
    assert next_step(page) == "Ready to ship from Warehouse P1"  # shipping is the warehouse's
    assert "2 completed" in page


def test_a_transferred_line_waits_for_the_transfer_to_ship_then_arrive(world, csr):
    world.transfer_setup()
    line = world.supplied(world.chair, 4)
    transfer = TransferOrder.objects.get()

    page = pegging_page(csr, line)
    assert (
        next_step(page)
        == f"Waiting for {transfer.number} to ship from Warehouse W2 · Open {transfer.number}"
    )
    assert f"/warehouse/transfers/{transfer.number}/" in links(page)

    transfer_order_ship(transfer_order=transfer)
    assert next_step(pegging_page(csr, line)) == (
        f"Waiting for {transfer.number} to arrive at Warehouse W1 · Open {transfer.number}"
    )

    transfer_order_receive(transfer_order=transfer, lines=[TransferReceiveLine(1, Decimal(4))])
    page = pegging_page(csr, line)
    assert next_step(page) == "Ready to ship from Warehouse W1"  # shipping is the warehouse's
    assert re.search(r"RCV-\d+", page), "the transfer's receipt is in the chain"


def test_a_line_from_stock_is_ready_to_ship_at_once(world, csr):
    world.stock(world.laptop, 5)
    order = world.order((world.laptop, 3))
    sales_order_submit(order=order, acting_user=world.csr)
    line = order.lines.get()

    page = pegging_page(csr, line)
    assert next_step(page) == "Ready to ship from Warehouse W1"  # shipping is the warehouse's
    assert "Served from stock on hand: no supply order." in page
    assert not SupplyOrder.objects.exists()


def test_a_cancelled_supply_order_stays_in_the_chain_greyed(world, csr):
    line = world.supplied(world.laptop, 5)
    po_line = world.on_po(line)
    purchase_order_cancel(
        po=po_line.purchase_order,
        reason="supplier bankrupt",
        acting_user=UserFactory(username="bruno", roles=["buyer"]),
    )
    first = SupplyOrder.objects.get(demand_line=line)

    page = pegging_page(csr, line)
    assert first.status == "EXCEPTION"
    assert next_step(page).startswith(f"Waiting for a decision on {first.number}")

    supply_order_cancel_supply(supply_order=first, reason="no supplier", acting_user=world.csr)
    page = pegging_page(csr, line)
    assert next_step(page) == (
        "Backordered: waiting to be promised again when a source can supply it"
    )
    backorders_repromise()
    from supply.services import supply_order_create_document

    second = SupplyOrder.objects.exclude(pk=first.pk).get(demand_line=line)
    supply_order_create_document(supply_order_id=second.pk)

    page = pegging_page(csr, line)
    cancelled = page[page.index(f'data-testid="supply-{first.number}"') :]
    assert cancelled.split(">", 1)[0].endswith('data-inactive="1"')
    assert "CANCELLED" in cancelled[: cancelled.index("</table>")]
    assert po_line.purchase_order.number in cancelled[: cancelled.index("</table>")]
    current = page[page.index(f'data-testid="supply-{second.number}"') :]
    assert 'data-inactive="1"' not in current.split(">", 1)[0]
    requisition = second.tracking_lines.get().requisition_line
    assert next_step(page) == (
        f"Waiting for a buyer to order {requisition.number} from Supplier S-CONTOSO"
    )  # no "Open": the requisition workbench is the buyer's (403 for the CSR)


def test_only_who_may_view_sales_orders_opens_the_pegging(world, client, client_for):
    line = world.supplied(world.laptop, 2)

    client.force_login(UserFactory(username="nobody"))
    assert client.get(url_of(line)).status_code == 403
    for role in ("customer_service", "buyer", "warehouse", "production"):
        assert client_for(role).get(url_of(line)).status_code == 200, role
    assert client_for("customer_service").get("/supply/lines/SO-999999/1/").status_code == 404


def test_the_chain_is_read_in_a_fixed_number_of_queries(
    world, client, django_assert_max_num_queries
):
    """A line with a PO, several receipts, a shipment and an invoice reads in as many queries
    as a line with nothing yet; its page in as many as a line with one receipt."""
    bare = world.order((world.laptop, 1))
    with django_assert_max_num_queries(6):
        pegging_of(bare.lines.get())

    def invoiced(receipts):
        line = world.supplied(world.laptop, len(receipts))
        po = world.on_po(line).purchase_order
        for quantity in receipts:
            receipt_create(purchase_order=po, lines=[ReceiveLine(1, Decimal(quantity))])
        shipment, _ = ship(world, line, world.w1)
        shipment_confirm(shipment=shipment)
        invoices_create_for_shipment(shipment_id=shipment.pk)
        return line

    small, busy = invoiced([1]), invoiced([1, 1, 1])
    with django_assert_max_num_queries(6):
        chain = pegging_of(busy)
    assert [d.kind for d in chain.supply[0].documents] == [
        "Requisition",
        "Purchase order line",
        "Receipt",
        "Receipt",
        "Receipt",
    ]

    client.force_login(world.csr)
    assert page_queries(client, url_of(small)) == page_queries(client, url_of(busy))
