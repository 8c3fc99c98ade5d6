"""The invoice document: the printable page (billing.views) and the PDF attached to the
customer's invoice email (fpdf2) show the same lines, in line order, with the same figures."""

from django.conf import settings
from django.contrib.humanize.templatetags.humanize import intcomma
from fpdf import FPDF, XPos, YPos

from core.formatting import qty


def _text(value) -> str:
    # The built-in PDF fonts are Latin-1: anything else is replaced, never an error.
    return str(value).encode("latin-1", "replace").decode("latin-1")


def _quantity(value) -> str:
    """As the screens show it (`qty|intcomma`): 12,500.5."""
    return intcomma(qty(value))


def invoice_lines(invoice):
    """The invoice's lines in the order of the sales order's lines, with their item."""
    return invoice.lines.select_related("demand_line__item").order_by(
        "demand_line__line_number", "id"
    )


def invoice_company() -> dict:
    """Who issues the invoice (settings COMPANY_NAME, COMPANY_ADDRESS)."""
    return {
        "company_name": getattr(settings, "COMPANY_NAME", "") or "B2B Portal",
        "company_address": getattr(settings, "COMPANY_ADDRESS", ""),
    }


def invoice_pdf(invoice) -> bytes:
    """The company, invoice number and dates, customer, the sales order with the customer's PO,
    the shipment with its carrier and tracking number, lines in line order with quantity, price
    and amount, and the total; amounts and quantities with thousands separators."""
    order = invoice.sales_order
    shipment = invoice.shipment
    company = invoice_company()
    pdf = FPDF(format="A4")
    pdf.set_title(_text(f"Invoice {invoice.number}"))
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 11)
    pdf.cell(0, 6, _text(company["company_name"]), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font("Helvetica", size=9)
    for text in company["company_address"].splitlines():
        pdf.cell(0, 5, _text(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(3)
    pdf.set_font("Helvetica", "B", 16)
    pdf.cell(0, 10, _text(f"Invoice {invoice.number}"), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font("Helvetica", size=10)
    for text in (
        f"Customer: {order.customer.number} - {order.customer.name}",
        f"Sales order: {order.number}   Your PO: {order.external_reference or '-'}",
        f"Shipment: {shipment.number}   Carrier: {shipment.carrier or '-'}   "
        f"Tracking number: {shipment.tracking_number or '-'}",
        f"Date: {invoice.invoice_date:%Y-%m-%d}   Due: {invoice.due_date:%Y-%m-%d}   "
        f"Terms: {invoice.payment_terms}",
    ):
        pdf.cell(0, 6, _text(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(4)
    widths = (14, 60, 28, 32, 36)
    pdf.set_font("Helvetica", "B", 9)
    for width, header in zip(
        widths, ("Line", "Item", "Quantity", "Unit price", "Amount"), strict=True
    ):
        pdf.cell(width, 7, header, border=1)
    pdf.ln()
    pdf.set_font("Helvetica", size=9)
    for line in invoice_lines(invoice):
        cells = (
            str(line.demand_line.line_number),
            line.demand_line.item.sku,
            _quantity(line.quantity),
            f"{line.unit_price:,.2f}",
            f"{line.amount:,.2f}",
        )
        for index, (width, value) in enumerate(zip(widths, cells, strict=True)):
            pdf.cell(width, 7, _text(value), border=1, align="R" if index >= 2 else "L")
        pdf.ln()
    pdf.set_font("Helvetica", "B", 10)
    pdf.cell(sum(widths[:4]), 8, "Total", align="R")
    pdf.cell(widths[4], 8, _text(f"{invoice.total:,.2f} {invoice.currency}"), align="R")
    return bytes(pdf.output())
