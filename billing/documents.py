"""The invoice document: the PDF attached to the customer's invoice email (fpdf2)."""

from fpdf import FPDF, XPos, YPos

from core.formatting import qty


def _text(value) -> str:
    # The built-in PDF fonts are Latin-1: anything else is replaced, never an error.
    return str(value).encode("latin-1", "replace").decode("latin-1")


def invoice_pdf(invoice) -> bytes:
    """Invoice number and dates, customer, the sales order and shipment, lines in line order
    with quantity, price and amount, and the total."""
    order = invoice.sales_order
    pdf = FPDF(format="A4")
    pdf.set_title(_text(f"Invoice {invoice.number}"))
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 16)
    pdf.cell(0, 10, _text(f"Invoice {invoice.number}"), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font("Helvetica", size=10)
    for text in (
        f"Customer: {order.customer.number} - {order.customer.name}",
        f"Sales order: {order.number}"
        + (f"   Your PO: {order.external_reference}" if order.external_reference else ""),
        f"Shipment: {invoice.shipment.number}   Carrier: {invoice.shipment.carrier or '-'}",
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
    lines = invoice.lines.select_related("demand_line__item").order_by("demand_line__line_number")
    for line in lines:
        cells = (
            str(line.demand_line.line_number),
            line.demand_line.item.sku,
            qty(line.quantity),
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
