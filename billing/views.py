from django.contrib.auth.decorators import permission_required
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from billing.documents import invoice_company, invoice_lines
from billing.models import Invoice


@permission_required("billing.view_invoice", raise_exception=True)
@require_GET
def invoice(request, number: str):
    """The printable invoice: the same document as the PDF the customer is emailed."""
    invoice = get_object_or_404(
        Invoice.objects.select_related("sales_order__customer", "shipment"), number=number
    )
    return render(
        request,
        "billing/invoice.html",
        {"invoice": invoice, "lines": invoice_lines(invoice), **invoice_company()},
    )
