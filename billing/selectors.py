"""Read queries for invoices."""

from decimal import Decimal

from django.db.models import Sum

from billing.models import Invoice, InvoiceLine


def invoices_of_order(order):
    return (
        Invoice.objects.filter(sales_order=order)
        .select_related("shipment")
        .prefetch_related("lines__demand_line")
        .order_by("id")
    )


def add_quantities_invoiced(views) -> None:
    """Set `quantity_invoiced` on order line views (supply.selectors.LineView): what the
    invoices of the order bill for each line, in one query."""
    invoiced = dict(
        InvoiceLine.objects.filter(demand_line__in=[view.line.pk for view in views])
        .values_list("demand_line")
        .annotate(total=Sum("quantity"))
        .order_by()
    )
    for view in views:
        view.quantity_invoiced = invoiced.get(view.line.pk, Decimal(0))
