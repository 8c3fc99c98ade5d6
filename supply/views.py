from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from billing.selectors import invoices_of_order
from catalog.models import SOURCE_TYPES, Supplier
from core.csv_export import csv_response, wants_csv
from core.documents import document_url
from core.exceptions import BusinessRuleError, FieldErrors
from core.forms import posted_text
from core.paging import paginate
from core.selectors import timeline_of
from orders.models import FulfillmentLine
from supply import pegging_view, selectors
from supply.forms import SourceChoiceForm, SupplyOrderFilterForm
from supply.models import SupplyException, SupplyOrder
from supply.services import (
    line_choose_source,
    supply_order_cancel_supply,
    supply_order_choose_source,
    supply_order_retry,
)

WORKBENCH_ROWS = 100


def _refusal(exc: BusinessRuleError) -> str:
    """What a refusal says on a screen: each field's message, else the rule's."""
    if isinstance(exc, FieldErrors):
        return " ".join(message for _, message in exc.errors)
    return exc.message


@permission_required("supply.view_supplyorder", raise_exception=True)
@require_GET
def supply_orders(request):
    """The orchestration manager's workbench: supply by status and type, the exceptions queue
    (oldest first, by kind), lines in jeopardy and backorders; every row links to its documents."""
    kind = request.GET.get("kind", "")
    if kind not in SupplyException.Kind.values:
        kind = ""
    return render(
        request,
        "supply/workbench.html",
        {
            "counts": selectors.supply_order_counts(),
            "types": SOURCE_TYPES,
            "statuses": SupplyOrder.Status.choices,
            "exceptions": list(selectors.supply_exceptions(kind)[:WORKBENCH_ROWS]),
            "kinds": SupplyException.Kind.choices,
            "kind": kind,
            "jeopardy": list(selectors.lines_in_jeopardy()[:WORKBENCH_ROWS]),
            "backorders": list(selectors.backordered_lines()[:WORKBENCH_ROWS]),
            "can_change": request.user.has_perm("supply.change_supplyorder"),
        },
    )


LIST_CSV_HEADER = [
    "Supply order",
    "Status",
    "Type",
    "Supplier",
    "Source organization",
    "Sales order",
    "Line",
    "Customer",
    "Item",
    "Quantity",
    "Need-by date",
    "Exception",
    "Documents",
]


def _list_csv_row(so) -> list:
    return [
        so.number,
        so.status,
        so.supply_type,
        so.supplier.number if so.supplier_id else "",
        so.source_organization.code if so.source_organization_id else "",
        so.demand_line.order.number,
        so.demand_line.line_number,
        so.demand_line.order.customer.number,
        so.demand_line.item.sku,
        so.quantity,
        so.need_by_date.isoformat(),
        so.exception_reason,
        " ".join(t.document_number for t in so.tracking_lines.all()),
    ]


@permission_required("supply.view_supplyorder", raise_exception=True)
@require_GET
def supply_order_list(request):
    """Supply orders by status, type and open exception (the workbench's counts open it),
    newest first, paged, with their documents; the same rows as CSV."""
    form = SupplyOrderFilterForm(request.GET)
    rows = selectors.supply_orders_listed(**form.filters())
    if wants_csv(request):  # every supply order the filters select, not just this page
        return csv_response(
            "supply-orders.csv", LIST_CSV_HEADER, map(_list_csv_row, rows.iterator(chunk_size=500))
        )
    page, query = paginate(request, rows)
    context = {"form": form, "page": page, "query": query}
    template = "supply/list.html#results" if request.htmx else "supply/list.html"
    return render(request, template, context)


@permission_required("supply.view_supplyorder", raise_exception=True)
@require_GET
def supply_order(request, number: str):
    """One supply order: its line, its documents (tracking lines) and its timeline."""
    order = get_object_or_404(selectors.supply_orders(), number=number)
    documents = selectors.supply_documents(order)
    timeline = timeline_of(order, demand_line_id=order.demand_line_id)
    context = {
        "so": order,
        "documents": documents,
        "exceptions": selectors.exceptions_of(order),
        "timeline": timeline,
        "can_change": request.user.has_perm("supply.change_supplyorder"),
    }
    if order.status == SupplyOrder.Status.EXCEPTION:
        context.update(_sources_context(order.demand_line))
    return render(request, "supply/supply_order.html", context)


def _sources_context(line) -> dict:
    """What the source chooser of a line shows (supply order in exception, backordered line)."""
    line.ship_from = line.ship_from or line.order.customer.default_ship_from
    lacking, candidates, others, rejected = selectors.line_sources(line)
    return {
        "lacking": lacking,
        "candidates": candidates,
        "others": others,
        "rejected": rejected,
        "suppliers": Supplier.objects.order_by("number").only("number", "name"),
    }


def _acted(request, number: str, action, done: str):
    """Run one of the manager's actions on a supply order; say what happened or why not."""
    order = get_object_or_404(SupplyOrder, number=number)
    try:
        action(order)
    except BusinessRuleError as exc:
        messages.error(request, _refusal(exc))
    else:
        order.refresh_from_db()
        messages.success(
            request, done.format(order=order, status=order.get_status_display().lower())
        )
    back = request.POST.get("next", "")
    if back.startswith("/supply/"):
        return redirect(back)
    return redirect("supply:supply_order", number=order.number)


@permission_required("supply.change_supplyorder", raise_exception=True)
@require_POST
def retry(request, number: str):
    return _acted(
        request,
        number,
        lambda order: supply_order_retry(supply_order=order, acting_user=request.user),
        "{order.number} is {status} again.",
    )


@permission_required("supply.change_supplyorder", raise_exception=True)
@require_POST
def choose_source(request, number: str):
    """Use one of the candidate sources (type and supplier or organization) for what the line
    lacks; without one, re-promise from the best feasible source now."""
    form = SourceChoiceForm(request.POST)
    if not form.is_valid():
        messages.error(request, f"Check the source: {form.error_text()}")
        return redirect("supply:supply_order", number=number)
    choice = form.choice()
    return _acted(
        request,
        number,
        lambda order: supply_order_choose_source(
            supply_order=order, choice=choice, acting_user=request.user
        ),
        "{order.number} is {status}: the new source covers the line.",
    )


@permission_required("supply.change_supplyorder", raise_exception=True)
@require_POST
def cancel_supply(request, number: str):
    return _acted(
        request,
        number,
        lambda order: supply_order_cancel_supply(
            supply_order=order, reason=posted_text(request.POST), acting_user=request.user
        ),
        "{order.number} cancelled: its line is backordered for re-promising.",
    )


@permission_required("supply.change_supplyorder", raise_exception=True)
@require_http_methods(["GET", "POST"])
def line_source(request, order_number: str, line_number: int):
    """Choose a source for a backordered line where it is seen (workbench, pegging page): a
    rule's candidate, any supplier of the item or organization that has it with a price and
    lead time, or the best feasible source by the rules now."""
    try:
        line = pegging_view.pegging_line(order_number, line_number)
    except FulfillmentLine.DoesNotExist:
        raise Http404(f"No line {line_number} on {order_number}.") from None
    line.ship_from = line.ship_from or line.order.customer.default_ship_from
    status = 200
    if request.method == "POST":
        form = SourceChoiceForm(request.POST)
        if form.is_valid():
            try:
                outcome = line_choose_source(
                    line=line, choice=form.choice(), acting_user=request.user
                )
            except BusinessRuleError as exc:
                messages.error(request, _refusal(exc))
                status = 409 if exc.status == 409 else 422
            else:
                messages.success(request, f"Line {line.number}: {outcome}.")
                return redirect("supply:pegging", order_number, line_number)
        else:
            messages.error(request, f"Check the source: {form.error_text()}")
            status = 422
    context = {"line": line, "can_change": True}
    if line.status == FulfillmentLine.Status.BACKORDERED:
        context.update(_sources_context(line))
    return render(request, "supply/line_source.html", context, status=status)


@permission_required("orders.view_salesorder", raise_exception=True)
@require_GET
def pegging(request, order_number: str, line_number: int):
    """One sales order line's chain of documents — supply orders, requisition / PO line and
    receipts, work order or transfer order, reservations, shipments, invoices — and the next
    step it waits for."""
    try:
        line = pegging_view.pegging_line(order_number, line_number)
    except FulfillmentLine.DoesNotExist:
        raise Http404(f"No line {line_number} on {order_number}.") from None
    chain = pegging_view.pegging_of(line)
    can_see_invoices = request.user.has_perm("billing.view_invoice")
    if can_see_invoices:
        chain.invoices = [
            (invoice, invoice_line)
            for invoice in invoices_of_order(line.order)
            for invoice_line in invoice.lines.all()
            if invoice_line.demand_line_id == line.pk
        ]
    for reservation in chain.reservations:
        reservation.document_url = document_url(
            reservation.document_type, reservation.document_number
        )
    return render(
        request,
        "supply/pegging.html",
        {"pegging": chain, "line": line, "can_see_invoices": can_see_invoices},
    )
