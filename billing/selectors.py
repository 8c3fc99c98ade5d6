from billing.models import Invoice


def invoices_of_order(order):
    return (
        Invoice.objects.filter(sales_order=order)
        .select_related("shipment")
        .prefetch_related("lines__demand_line")
        .order_by("id")
    )
