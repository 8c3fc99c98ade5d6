"""The invoice, printable and PDF, names the company issuing it, the customer's PO, the carrier
and tracking number of the shipment, lists its lines in line order and shows amounts and
quantities with thousands separators; its references link to their pages."""

import re
import zlib
from decimal import Decimal

import pytest

from billing.documents import invoice_pdf
from billing.services import invoices_create_for_shipment
from orders.services import LineInput
from supply.flows.ship import shipment_confirm
from supply.services import sales_order_submit
from warehouse.shipments import ShipLine, shipment_create, shipment_move

pytestmark = pytest.mark.django_db


@pytest.fixture
def invoice(world, settings):
    """Two lines (1,500 and 2 laptops at 1,200), shipped second line first (so the invoice's
    rows are created in that order) with UPS 1Z42, invoiced."""
    settings.COMPANY_NAME = "Acme Fulfilment Ltd"
    settings.COMPANY_ADDRESS = "1 Dock Road\nRotterdam"
    world.stock(world.laptop, 1502)
    order = world.order(
        LineInput(world.laptop, Decimal(1500)),
        LineInput(world.laptop, Decimal(2)),
        external_reference="4500-0042",
    )
    sales_order_submit(order=order, acting_user=world.csr)
    first, second = order.lines.order_by("line_number")
    shipment = shipment_create(organization=world.w1, lines=[ShipLine(second), ShipLine(first)])
    shipment_move(shipment=shipment, action="pick")
    shipment_move(shipment=shipment, action="pack")
    shipment_confirm(shipment=shipment, carrier="UPS", tracking_number="1Z42")
    (invoice,) = invoices_create_for_shipment(shipment_id=shipment.pk)
    assert list(invoice.lines.order_by("id").values_list("demand_line", flat=True)) == [
        second.pk,
        first.pk,
    ]
    return invoice


def test_the_invoice_page_shows_company_customer_po_carrier_tracking_and_figures(
    invoice, client_for
):
    html = client_for("customer_service").get(f"/billing/invoices/{invoice.number}/")
    html = html.content.decode()

    assert "<strong>Acme Fulfilment Ltd</strong><br>1 Dock Road<br>Rotterdam" in html
    assert '<span data-testid="customer-po">4500-0042</span>' in html
    assert '<span data-testid="carrier">UPS</span>' in html
    assert '<span data-testid="tracking">1Z42</span>' in html
    assert '<td class="num">1,500 EA</td><td class="num">1,200.00</td>' in html
    assert '<td class="num">1,800,000.00</td>' in html
    assert 'data-testid="invoice-total">1,802,400.00</th>' in html
    assert html.index('data-testid="invoice-line-1"') < html.index('data-testid="invoice-line-2"')


def test_the_invoice_page_links_the_sales_order_customer_and_shipment(invoice, client_for):
    order, shipment = invoice.sales_order, invoice.shipment

    html = client_for("customer_service").get(f"/billing/invoices/{invoice.number}/")
    html = html.content.decode()

    assert f'<a href="/orders/{order.number}/">{order.number}</a>' in html
    assert f'<a href="/orders/?customer={order.customer.number}">' in html
    assert f'<a href="/warehouse/shipments/{shipment.number}/">{shipment.number}</a>' in html


def pdf_text(data: bytes) -> str:
    """The text drawn by an fpdf2 document (its content streams, inflated)."""
    streams = re.findall(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S)
    text = []
    for stream in streams:
        try:
            text.append(zlib.decompress(stream).decode("latin-1"))
        except zlib.error:
            continue
    return "\n".join(re.findall(r"\((.*?)\) ?Tj", "\n".join(text)))


def test_the_pdf_shows_the_same_document(invoice):
    text = pdf_text(invoice_pdf(invoice))

    assert "Acme Fulfilment Ltd" in text and "1 Dock Road" in text and "Rotterdam" in text
    assert "Your PO: 4500-0042" in text
    assert "Carrier: UPS" in text and "Tracking number: 1Z42" in text
    assert "1,500" in text and "1,200.00" in text and "1,800,000.00" in text
    assert "1,802,400.00 USD" in text
    cells = text.split("\n")
    assert cells.index("1,500") < cells.index("2")  # line 1 (1,500) before line 2
