"""Read queries for invoices."""

from decimal import Decimal

from django.db.models import Sum

from billing.models import Invoice, InvoiceLine
from supply.selectors import LineView, sales_order_lines


def invoices_of_order(order):
    return (
        Invoice.objects.filter(sales_order=order)
        .select_related("shipment")
        .prefetch_related("lines__demand_line")
        .order_by("id")
    )


def invoices_of_shipment(shipment):
    """The invoices of a shipment (one per sales order it carried), by number."""
    return (
        Invoice.objects.filter(shipment=shipment).select_related("sales_order").order_by("number")
    )


def sales_order_line_views(order, *, with_timeline: bool = False) -> list[LineView]:
    """The lines of an order as its page and the API show them: supply's pegging view of each
    line (supply.selectors) with what its invoices bill (one query more; billing comes last)."""
    views = sales_order_lines(order, with_timeline=with_timeline)
    invoiced = dict(
        InvoiceLine.objects.filter(demand_line__in=[view.line.pk for view in views])
        .values_list("demand_line")
        .annotate(total=Sum("quantity"))
        .order_by()
    )
    for view in views:
        view.quantity_invoiced = invoiced.get(view.line.pk, Decimal(0))
    return views
