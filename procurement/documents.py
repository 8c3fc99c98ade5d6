"""The purchase order document: the PDF attached to the supplier email (fpdf2)."""

from fpdf import FPDF, XPos, YPos

from core.formatting import qty


def _text(value) -> str:
    # The built-in PDF fonts are Latin-1: anything else is replaced, never an error.
    return str(value).encode("latin-1", "replace").decode("latin-1")


def purchase_order_pdf(po, lines) -> bytes:
    """PO number and revision, supplier, ship-to, lines with need-by dates and the sales order
    each line is dedicated to, and the total (`po` from `selectors.purchase_orders()`)."""
    pdf = FPDF(format="A4")
    pdf.set_title(_text(f"Purchase order {po.number}"))
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 16)
    pdf.cell(
        0,
        10,
        _text(f"Purchase order {po.number}  (revision {po.revision})"),
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )
    pdf.set_font("Helvetica", size=10)
    pdf.cell(
        0,
        6,
        _text(f"Supplier: {po.supplier.number} - {po.supplier.name}"),
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )
    pdf.cell(
        0,
        6,
        _text(f"Ship to: {po.organization.code} - {po.organization.name}"),
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )
    pdf.cell(
        0,
        6,
        _text(f"Currency: {po.currency}    Date: {po.created_at:%Y-%m-%d}"),
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )
    pdf.ln(4)
    widths = (10, 38, 22, 26, 28, 26, 40)
    headers = ("#", "Item", "Quantity", "Unit price", "Amount", "Need by", "Sales order")
    pdf.set_font("Helvetica", "B", 9)
    for width, header in zip(widths, headers, strict=True):
        pdf.cell(width, 7, header, border=1)
    pdf.ln()
    pdf.set_font("Helvetica", size=9)
    for line in lines:
        cells = (
            str(line.line_number),
            line.item.sku,
            qty(line.quantity),
            f"{line.unit_price:.2f}",
            f"{line.amount:,.2f}",
            f"{line.need_by_date:%Y-%m-%d}",
            f"{line.demand_line.order.number} line {line.demand_line.line_number}",
        )
        for index, (width, value) in enumerate(zip(widths, cells, strict=True)):
            pdf.cell(width, 7, _text(value), border=1, align="R" if 2 <= index <= 4 else "L")
        pdf.ln()
    pdf.set_font("Helvetica", "B", 10)
    pdf.cell(sum(widths[:4]), 8, "Total", align="R")
    pdf.cell(widths[4], 8, _text(f"{po.total:,.2f}"), align="R")
    pdf.ln(12)
    pdf.set_font("Helvetica", size=8)
    pdf.multi_cell(
        0,
        4,
        "Each line is dedicated to the customer sales order line shown; please quote the PO "
        "number and line on every delivery and invoice.",
    )
    return bytes(pdf.output())
