import datetime

from ninja import Field, Router, Schema
from ninja.pagination import paginate

from billing.models import Invoice
from core.api import Amount, Price, Quantity, choice_of, require_permission
from core.paging import KeysFirstPagination

router = Router(tags=["billing"])


class InvoiceLineOut(Schema):
    line_number: int = Field(alias="demand_line.line_number")
    item: str = Field(alias="demand_line.item.sku")
    quantity: Quantity
    unit_price: Price
    amount: Amount


class InvoiceOut(Schema):
    number: str
    sales_order: str = Field(alias="sales_order.number")
    shipment: str = Field(alias="shipment.number")
    status: choice_of(Invoice.Status)
    invoice_date: datetime.date
    due_date: datetime.date
    payment_terms: str
    currency: str
    total: Amount
    lines: list[InvoiceLineOut]


@router.get("/invoices", response=list[InvoiceOut])
@paginate(KeysFirstPagination)
def list_invoices(request, sales_order: str = ""):
    require_permission(request, "billing.view_invoice")
    rows = Invoice.objects.select_related("sales_order", "shipment").prefetch_related(
        "lines__demand_line__item"
    )
    if sales_order:
        rows = rows.filter(sales_order__number=sales_order)
    return rows.order_by("-id")
