from django.contrib.auth.decorators import permission_required
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from billing.models import Invoice


@permission_required("billing.view_invoice", raise_exception=True)
@require_GET
def invoice(request, number: str):
    """The printable invoice."""
    invoice = get_object_or_404(
        Invoice.objects.select_related("sales_order__customer", "shipment"), number=number
    )
    lines = invoice.lines.select_related("demand_line__item").order_by("id")
    return render(request, "billing/invoice.html", {"invoice": invoice, "lines": lines})
