"""A shipment has its page (lines, carrier, tracking, packing slip, invoices) and a shipped
history that finds it by tracking number, customer or sales order; a receipt has its page; an
RCV- number anywhere leads to its receipt, not to the PO it received."""

from decimal import Decimal

import pytest

from billing.services import invoices_create_for_shipment
from supply.flows.receive import receipt_create
from supply.flows.ship import shipment_confirm
from supply.services import sales_order_submit
from tests.factories import CustomerFactory
from tests.world import page_queries
from warehouse.models import InventoryBalance
from warehouse.services import ReceiveLine
from warehouse.shipments import ShipLine, shipment_create, shipment_move

pytestmark = pytest.mark.django_db


def shipped(world, lines=1, *, customer=None, tracking="1Z999", invoice=True):
    """A shipment of `lines` one-laptop lines of one order, confirmed with UPS and
    `tracking`, invoiced; (shipment, order, invoice)."""
    world.stock(world.laptop, lines)
    order = world.order(
        *[(world.laptop, 1)] * lines, **({"customer": customer} if customer else {})
    )
    sales_order_submit(order=order, acting_user=world.csr)
    shipment = shipment_create(
        organization=world.w1, lines=[ShipLine(line) for line in order.lines.all()]
    )
    shipment_move(shipment=shipment, action="pick")
    shipment_move(shipment=shipment, action="pack")
    shipment_confirm(shipment=shipment, carrier="UPS", tracking_number=tracking)
    invoices = invoices_create_for_shipment(shipment_id=shipment.pk) if invoice else [None]
    return shipment, order, invoices[0]


def test_the_shipment_page_shows_lines_carrier_tracking_packing_slip_and_invoice(world, client_for):
    shipment, order, invoice = shipped(world, 2)

    html = client_for("customer_service").get(f"/warehouse/shipments/{shipment.number}/")

    assert html.status_code == 200
    page = html.content.decode()
    assert f"Shipment {shipment.number}" in page
    assert '<dd class="fs-6 mb-0" data-testid="carrier">UPS</dd>' in page
    assert '<dd class="fs-6 mb-0" data-testid="tracking">1Z999</dd>' in page
    assert f'href="/warehouse/shipments/{shipment.number}/packing-slip/"' in page
    assert f'<a href="/billing/invoices/{invoice.number}/">{invoice.number}</a>' in page
    assert page.count(f'<a href="/orders/{order.number}/">{order.number}</a>') == 2
    assert "LAPTOP-15" in page


def test_a_planned_shipment_page_says_the_invoice_comes_after_ship_confirm(world, client_for):
    world.stock(world.laptop, 1)
    order = world.order((world.laptop, 1))
    sales_order_submit(order=order, acting_user=world.csr)
    shipment = shipment_create(organization=world.w1, lines=[ShipLine(order.lines.get())])

    page = client_for("warehouse").get(f"/warehouse/shipments/{shipment.number}/").content.decode()

    assert "after ship confirm" in page
    assert "Work on it" in page  # back to the shipping screen, where it is picked


def test_an_unknown_shipment_or_receipt_is_a_404_that_names_it(client_for, world):
    client = client_for("warehouse")

    shipment = client.get("/warehouse/shipments/SHP-404/")
    receipt = client.get("/warehouse/receipts/RCV-404/")
    shipment_api = client.get("/api/v1/shipments/SHP-404")
    receipt_api = client.get("/api/v1/receipts/RCV-404")

    assert shipment.status_code == 404 and "SHP-404" in shipment.content.decode()
    assert receipt.status_code == 404 and "RCV-404" in receipt.content.decode()
    assert shipment_api.status_code == 404 and shipment_api.json()["code"] == "not_found"
    assert receipt_api.status_code == 404 and receipt_api.json()["code"] == "not_found"


def test_the_history_lists_shipped_shipments_and_finds_them(world, client_for):
    globex = CustomerFactory(number="C-GLOBEX", name="Globex", default_ship_from=world.w1)
    acme_shipment, acme_order, _ = shipped(world, tracking="1ZACME")
    globex_shipment, _, _ = shipped(world, customer=globex, tracking="1ZGLOBEX")
    world.stock(world.laptop, 1)
    planned_order = world.order((world.laptop, 1))
    sales_order_submit(order=planned_order, acting_user=world.csr)
    planned = shipment_create(organization=world.w1, lines=[ShipLine(planned_order.lines.get())])
    client = client_for("warehouse")

    def numbers(query=""):
        page = client.get(f"/warehouse/shipments/{query}").content.decode()
        return {
            number
            for number in (acme_shipment.number, globex_shipment.number, planned.number)
            if f'data-testid="shipment-{number}"' in page
        }

    assert numbers() == {acme_shipment.number, globex_shipment.number}
    assert numbers("?q=1zglobex") == {globex_shipment.number}
    assert numbers("?q=Globex") == {globex_shipment.number}
    assert numbers(f"?q={acme_order.number}") == {acme_shipment.number}
    assert numbers("?status=all") == {acme_shipment.number, globex_shipment.number, planned.number}
    assert numbers("?status=PLANNED") == {planned.number}
    assert "No shipments match" in client.get("/warehouse/shipments/?q=nothing").content.decode()


def test_the_shipment_page_and_history_run_the_same_queries_for_few_or_many(world, client_for):
    client = client_for("customer_service")
    small, _, _ = shipped(world, 1)
    few_history = page_queries(client, "/warehouse/shipments/")
    large, _, _ = shipped(world, 5)
    for _ in range(3):
        shipped(world, 1)
    assert page_queries(client, f"/warehouse/shipments/{small.number}/") == page_queries(
        client, f"/warehouse/shipments/{large.number}/"
    )
    assert page_queries(client, "/warehouse/shipments/") == few_history


def receipt_of(world, quantity=3):
    line = world.supplied(world.laptop, quantity)
    po = world.on_po(line).purchase_order
    receipt = receipt_create(purchase_order=po, lines=[ReceiveLine(1, Decimal(quantity))])
    return receipt, po, line


def test_the_receipt_page_shows_what_arrived_on_which_po_line_and_for_whom(world, client_for):
    receipt, po, line = receipt_of(world)

    response = client_for("buyer").get(f"/warehouse/receipts/{receipt.number}/")

    assert response.status_code == 200
    page = response.content.decode()
    assert f"Receipt {receipt.number}" in page
    assert f'<a href="/procurement/purchase-orders/{po.number}/">{po.number}</a>/1' in page
    assert f'<a href="/orders/{line.order.number}/">{line.order.number}</a> / 1' in page
    assert '<td class="num">3</td>' in page  # received, and all of it reserved for the line


def test_the_receipt_page_runs_the_same_queries_for_one_or_many_lines(world, client_for):
    client = client_for("warehouse")
    one, _, _ = receipt_of(world)
    po = world.on_one_po([world.supplied(world.laptop, 1) for _ in range(4)])
    many = receipt_create(
        purchase_order=po, lines=[ReceiveLine(number, Decimal(1)) for number in range(1, 5)]
    )
    assert many.lines.count() == 4
    assert page_queries(client, f"/warehouse/receipts/{one.number}/") == page_queries(
        client, f"/warehouse/receipts/{many.number}/"
    )


def po_line_balance(world) -> int:
    return InventoryBalance.objects.get(item=world.laptop, organization=world.w1).pk


def test_rcv_numbers_lead_to_the_receipt_on_the_ledger_receiving_and_pegging(world, client_for):
    receipt, po, line = receipt_of(world)
    client = client_for("warehouse")
    link = f'<a href="/warehouse/receipts/{receipt.number}/">{receipt.number}</a>'

    receiving = client.get("/warehouse/receiving/").content.decode()
    ledger = client.get(f"/warehouse/inventory/{po_line_balance(world)}/").content.decode()
    pegging = client_for("orchestration_manager").get(
        f"/supply/lines/{line.order.number}/{line.line_number}/"
    )

    assert link in receiving
    assert link in ledger
    assert f'href="/warehouse/receipts/{receipt.number}/"' in pegging.content.decode()
    assert f'href="/procurement/purchase-orders/{po.number}/">{receipt.number}' not in (
        pegging.content.decode()
    )


def test_the_receipts_history_finds_receipts_and_names_each_po_of_a_delivery(world, client_for):
    from supply.flows.receive import open_lines_of, purchase_orders_receive

    single, po, _ = receipt_of(world)
    first = world.on_po(world.supplied(world.laptop, 1)).purchase_order
    second = world.on_po(world.supplied(world.laptop, 2)).purchase_order
    delivery = purchase_orders_receive(open_lines_of([first, second]), reference="ASN-77")
    client = client_for("customer_service")

    def rows(query=""):
        page = client.get(f"/warehouse/receipts/{query}").content.decode()
        return {n for n in (single.number, delivery.number) if f"receipt-{n}" in page}, page

    listed, page = rows()
    assert listed == {single.number, delivery.number}
    assert (
        f'<a href="/procurement/purchase-orders/{first.number}/">{first.number}</a>, '
        f'<a href="/procurement/purchase-orders/{second.number}/">{second.number}</a>' in page
    )
    assert rows("?q=asn-77")[0] == {delivery.number}
    assert rows(f"?q={po.number}")[0] == {single.number}
    assert rows(f"?q={second.number}")[0] == {delivery.number}
    assert rows("?q=S-CONTOSO")[0] == {single.number, delivery.number}
    assert "No receipts match" in rows("?q=nothing")[1]


def test_the_receipts_history_runs_the_same_queries_for_few_or_many(world, client_for):
    client = client_for("warehouse")
    receipt_of(world)
    few = page_queries(client, "/warehouse/receipts/")
    for _ in range(3):
        receipt_of(world, 1)
    assert page_queries(client, "/warehouse/receipts/") == few
