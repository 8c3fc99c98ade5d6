from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from catalog.models import SOURCE_TYPES
from core.documents import document_type_of
from core.exceptions import BusinessRuleError
from core.models import TransitionLog
from supply import selectors
from supply.models import SupplyOrder
from supply.services import supply_order_retry

WORKBENCH_ROWS = 100


@permission_required("supply.view_supplyorder", raise_exception=True)
@require_GET
def supply_orders(request):
    """The orchestration manager's workbench: supply by status and type, the exceptions queue
    (oldest first), lines in jeopardy and backorders; every row links to its documents."""
    return render(
        request,
        "supply/workbench.html",
        {
            "counts": selectors.supply_order_counts(),
            "types": SOURCE_TYPES,
            "statuses": SupplyOrder.Status.choices,
            "exceptions": list(selectors.supply_exceptions()[:WORKBENCH_ROWS]),
            "jeopardy": list(selectors.lines_in_jeopardy()[:WORKBENCH_ROWS]),
            "backorders": list(selectors.backordered_lines()[:WORKBENCH_ROWS]),
            "can_change": request.user.has_perm("supply.change_supplyorder"),
        },
    )


@permission_required("supply.view_supplyorder", raise_exception=True)
@require_GET
def supply_order(request, number: str):
    """One supply order: its line, its documents (tracking lines) and its timeline."""
    order = get_object_or_404(selectors.supply_orders(), number=number)
    documents = selectors.supply_documents(order)
    timeline = TransitionLog.objects.filter(
        Q(document_type=document_type_of(SupplyOrder), document_id=order.pk)
        | Q(demand_line_id=order.demand_line_id)
    ).select_related("actor")
    return render(
        request,
        "supply/supply_order.html",
        {
            "so": order,
            "documents": documents,
            "timeline": timeline,
            "can_change": request.user.has_perm("supply.change_supplyorder"),
        },
    )


@permission_required("supply.change_supplyorder", raise_exception=True)
@require_POST
def retry(request, number: str):
    order = get_object_or_404(SupplyOrder, number=number)
    try:
        supply_order_retry(supply_order=order, acting_user=request.user)
    except BusinessRuleError as exc:
        messages.error(request, exc.message)
    else:
        order.refresh_from_db()
        messages.success(request, f"{order.number} is {order.get_status_display().lower()} again.")
    back = request.POST.get("next", "")
    if back.startswith("/supply/"):
        return redirect(back)
    return redirect("supply:supply_order", number=order.number)
