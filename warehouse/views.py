from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render

from catalog.models import Organization
from core.exceptions import BusinessRuleError
from core.paging import paginate
from warehouse import selectors
from warehouse.forms import AdjustmentForm
from warehouse.models import InventoryBalance
from warehouse.services import inventory_adjust


@permission_required("warehouse.view_inventorybalance", raise_exception=True)
def inventory(request):
    """Balances per item and organization, searchable, 50 a page."""
    search = request.GET.get("q", "").strip()
    organization = request.GET.get("organization", "")
    rows = selectors.inventory_balances(organization=organization, search=search)
    page, query = paginate(request, rows)
    context = {
        "page": page,
        "query": query,
        "q": search,
        "organization": organization,
        "organizations": Organization.objects.order_by("code"),
    }
    template = "warehouse/inventory.html#results" if request.htmx else "warehouse/inventory.html"
    return render(request, template, context)


@permission_required("warehouse.view_inventorybalance", raise_exception=True)
def inventory_detail(request, balance_id: int):
    """One balance, its ledger and (for warehouse operators) an adjustment form."""
    balance = get_object_or_404(
        InventoryBalance.objects.select_related("item", "organization"), pk=balance_id
    )
    can_adjust = request.user.has_perm("warehouse.adjust_inventorybalance")
    form = AdjustmentForm(request.POST or None) if can_adjust else None
    status = 200
    if request.method == "POST":
        if not can_adjust:
            return render(
                request, "403.html", {"reason": "You may not adjust inventory."}, status=403
            )
        if form.is_valid():
            try:
                inventory_adjust(
                    item=balance.item,
                    organization=balance.organization,
                    quantity=form.cleaned_data["quantity"],
                    reason=form.cleaned_data["reason"],
                    acting_user=request.user,
                )
            except BusinessRuleError as exc:
                # Shown across the form: the message explains the stock figures.
                form.add_error(None, exc.message)
            else:
                messages.success(request, "Adjustment posted.")
                return redirect("warehouse:inventory_detail", balance_id=balance.pk)
        status = 422
    ledger = Paginator(
        selectors.ledger_for(item_id=balance.item_id, organization_id=balance.organization_id), 50
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "warehouse/inventory_detail.html",
        {"balance": balance, "ledger": ledger, "form": form},
        status=status,
    )
