"""Customer service screens: order worklist, order entry with live promise, order detail."""

import datetime
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from billing.selectors import invoices_of_order, sales_order_line_views
from catalog.models import Customer, Item, Organization
from catalog.selectors import by_code
from core.csv_export import amount, csv_response, wants_csv
from core.documents import document_url
from core.exceptions import BusinessRuleError
from core.forms import posted_text
from core.paging import paginate
from orders import selectors
from orders.forms import LineChangeForm, LineForm, LineFormSet, OrderForm
from orders.models import FulfillmentLine, SalesOrder
from orders.services import LineInput, sales_order_draft_update
from supply.selectors import promise_preview
from supply.services import (
    line_cancel,
    line_change,
    order_cancel,
    sales_order_enter,
    sales_order_submit,
)


def _date(value: str):
    try:
        return datetime.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _choice(value: str, allowed) -> str:
    return value if value in allowed else ""


def _filters(request) -> selectors.OrderFilters:
    return selectors.OrderFilters(
        status=request.GET.get("status", ""),
        customer=request.GET.get("customer", ""),
        search=request.GET.get("q", "").strip(),
        jeopardy=request.GET.get("jeopardy") == "1",
        attention=request.GET.get("attention") == "1",
        ship_from=_date(request.GET.get("from", "")),
        ship_to=_date(request.GET.get("to", "")),
        line_status=_choice(request.GET.get("line_status", ""), FulfillmentLine.Status.values),
        supply_type=_choice(
            request.GET.get("supply_type", ""), [*FulfillmentLine.SupplyType.values, "NONE"]
        ),
        shipped_from=_date(request.GET.get("shipped_from", "")),
        shipped_to=_date(request.GET.get("shipped_to", "")),
    )


def _line_filters(filters: selectors.OrderFilters) -> list[str]:
    """The line filters a dashboard figure opened the worklist with, in words (the form has
    no field for them: they show above the list, with a way to clear them)."""
    words = []
    if filters.line_status:
        words.append(f"lines {FulfillmentLine.Status(filters.line_status).label.lower()}")
    if filters.supply_type:
        types = dict(FulfillmentLine.SupplyType.choices) | {"NONE": "not sourced yet"}
        words.append(f"supply {types[filters.supply_type].lower()}")
    if filters.shipped_from or filters.shipped_to:
        start = filters.shipped_from.strftime("%-d %b %Y") if filters.shipped_from else "…"
        end = filters.shipped_to.strftime("%-d %b %Y") if filters.shipped_to else "…"
        words.append(f"shipped {start} – {end}")
    return words


WORKLIST_CSV_HEADER = [
    "Order",
    "Customer",
    "Customer name",
    "Customer PO",
    "Status",
    "Order date",
    "Requested ship date",
    "Next ship date",
    "Lines",
    "Total",
    "Currency",
    "Lines needing attention",
    "Jeopardy (days)",
]


def _worklist_csv_row(order) -> list:
    return [
        order.number,
        order.customer.number,
        order.customer.name,
        order.external_reference,
        order.status,
        timezone.localdate(order.created_at),
        order.requested_date,
        order.next_ship_date,
        order.line_count,
        amount(order.total),
        order.currency,
        order.attention,
        order.max_jeopardy or 0,
    ]


@permission_required("orders.view_salesorder", raise_exception=True)
@require_GET
def worklist(request):
    filters = _filters(request)
    if wants_csv(request):  # every order the filters select, not just this page
        rows = selectors.sales_orders_export(filters).iterator(chunk_size=2000)
        return csv_response("sales-orders.csv", WORKLIST_CSV_HEADER, map(_worklist_csv_row, rows))
    page, query = paginate(request, selectors.sales_orders(filters))
    context = {
        "page": page,
        "filters": filters,
        "line_filters": _line_filters(filters),
        "query": query,
        "statuses": SalesOrder.Status.choices,
        "customers": Customer.objects.order_by("number").only("number", "name"),
    }
    template = "orders/worklist.html#results" if request.htmx else "orders/worklist.html"
    return render(request, template, context)


def _entry_context(form, formset, order=None, **extra):
    return {
        "form": form,
        "formset": formset,
        "order": order,
        "action": reverse("orders:edit", args=[order.number]) if order else reverse("orders:new"),
        "today": timezone.localdate().isoformat(),
        "items": Item.objects.order_by("sku").only("sku", "description"),
        # What "Default" in Ship from means for each customer (orders/static/orders/entry.js)
        "default_ship_from": dict(
            Customer.objects.filter(default_ship_from__isnull=False).values_list(
                "number", "default_ship_from__code"
            )
        ),
        **extra,
    }


def _lines_entered(formset) -> list[LineInput]:
    return [
        LineInput(
            item=line["item"],
            quantity=line["quantity"],
            requested_ship_date=line.get("requested_ship_date"),
            ship_from=line.get("ship_from"),
            line_number=line.get("line_number"),
        )
        for line in formset.entered()
    ]


def _with_line_added(request, order=None):
    """The form again with one more (empty) line, the cursor in its item field and the
    requested ship date of the last line still on the order copied (lines of an order mostly
    ship together): nothing is saved. A full order gets a message and no new line."""
    data = request.POST.copy()
    formset = LineFormSet(data, prefix="lines")
    added = formset.total_form_count()
    if added >= formset.max_num:
        messages.error(
            request,
            f"An order holds at most {formset.max_num} lines: submit this one and enter the "
            "rest as another order.",
        )
        context = _entry_context(OrderForm(data), formset, order)
        return render(request, "orders/new.html", context, status=422)
    data["lines-TOTAL_FORMS"] = str(added + 1)
    data[f"lines-{added}-requested_ship_date"] = (
        _last_requested_date(data, added) or timezone.localdate()
    ).isoformat()
    formset = LineFormSet(data, prefix="lines")
    context = _entry_context(OrderForm(data), formset, order, adding=True, focus_line=added)
    return render(request, "orders/new.html", context)


def _last_requested_date(data, count: int):
    """The requested ship date of the last line not removed, when it is a date the order could
    hold (the entry form's own rule), else None."""
    field = LineForm.base_fields["requested_ship_date"]
    for index in reversed(range(count)):
        if data.get(f"lines-{index}-DELETE"):
            continue
        try:
            return field.clean(data.get(f"lines-{index}-requested_ship_date", ""))
        except ValidationError:
            return None
    return None


@permission_required("orders.add_salesorder", raise_exception=True)
def new(request):
    """Order entry: a header and lines; save as draft or submit (promise at once)."""
    if request.method != "POST":
        form, formset = OrderForm(), LineFormSet(prefix="lines")
        return render(request, "orders/new.html", _entry_context(form, formset))
    if "add_line" in request.POST:
        return _with_line_added(request)
    form, formset = OrderForm(request.POST), LineFormSet(request.POST, prefix="lines")
    if form.is_valid() and formset.is_valid():
        try:
            order, created = sales_order_enter(
                customer=form.cleaned_data["customer"],
                lines=_lines_entered(formset),
                external_reference=form.cleaned_data["external_reference"],
                acting_user=request.user,
                submit="submit" in request.POST,
            )
        except BusinessRuleError as exc:
            form.add_error(None, exc.message)
        else:
            verb = "submitted" if "submit" in request.POST else "saved as draft"
            if not created:
                verb = "already exists with this customer PO"
            messages.success(request, f"Order {order.number} {verb}.")
            return redirect("orders:detail", number=order.number)
    return render(request, "orders/new.html", _entry_context(form, formset), status=422)


@permission_required("orders.add_salesorder", raise_exception=True)
def edit(request, number: str):
    """A draft's entry form, prefilled: change the header and lines (add, remove), then save
    it as a draft again or submit it."""
    order = _order(number)
    if order.status != SalesOrder.Status.DRAFT:
        messages.error(request, f"Order {number} was submitted: change its lines one by one.")
        return redirect("orders:detail", number=number)
    if request.method != "POST":
        form = OrderForm(
            initial={
                "customer": order.customer.number,
                "external_reference": order.external_reference,
            }
        )
        formset = LineFormSet(
            prefix="lines",
            initial=[LineForm.initial_of(line) for line in selectors.draft_lines(order)],
        )
        return render(request, "orders/new.html", _entry_context(form, formset, order))
    if "add_line" in request.POST:
        return _with_line_added(request, order)
    form, formset = OrderForm(request.POST), LineFormSet(request.POST, prefix="lines")
    if form.is_valid() and formset.is_valid():
        submit = "submit" in request.POST
        try:
            sales_order_draft_update(
                order=order,
                customer=form.cleaned_data["customer"],
                lines=_lines_entered(formset),
                external_reference=form.cleaned_data["external_reference"],
                acting_user=request.user,
                then=(lambda saved: sales_order_submit(order=saved, acting_user=request.user))
                if submit
                else None,
            )
        except BusinessRuleError as exc:
            form.add_error(None, exc.message)
        else:
            verb = "submitted" if submit else "saved as draft"
            messages.success(request, f"Order {order.number} {verb}.")
            return redirect("orders:detail", number=order.number)
    return render(request, "orders/new.html", _entry_context(form, formset, order), status=422)


@permission_required("orders.add_salesorder", raise_exception=True)
@require_GET
def preview(request):
    """The live availability and promise of one entry line (htmx, on every change)."""
    index = request.GET.get("index", "0")
    get = lambda name: request.GET.get(f"lines-{index}-{name}", "").strip()  # noqa: E731
    item = by_code(Item.objects.all(), "sku", [get("item")]).get(get("item"))
    quantity, error = Decimal(0), ""
    if get("quantity"):
        try:  # the entry form's own rules: a quantity the order could hold
            quantity = LineForm.base_fields["quantity"].clean(get("quantity"))
        except ValidationError as invalid:
            error = " ".join(invalid.messages)
    requested = None
    try:  # a date the order could hold (the window), or none: today
        requested = LineForm.base_fields["requested_ship_date"].clean(get("requested_ship_date"))
    except ValidationError as invalid:
        error = " ".join([error, *invalid.messages]).strip()
    requested = requested or timezone.localdate()
    context = {"item": item, "quantity": quantity, "error": error, "requested": requested}
    if item is not None and quantity > 0 and not error:
        context["preview"] = promise_preview(
            item=item,
            quantity=quantity,
            requested_date=requested,
            ship_from=by_code(Organization.objects.all(), "code", [get("ship_from")]).get(
                get("ship_from")
            ),
            customer=Customer.objects.filter(number=request.GET.get("customer", "")).first(),
        )
    return render(request, "orders/new.html#preview", context)


def _attention_reason(view) -> str:
    """Why a line needs the CSR's attention, in the words of whoever flagged it."""
    if not view.needs_attention:
        return ""
    if view.supply_order is not None and view.supply_order.status == "EXCEPTION":
        return view.supply_order.exception_reason or "its supply is in exception"
    decision = view.decision.reason if view.decision else ""
    return view.line.jeopardy_reason or decision or "backordered: nothing can supply it now"


def _detail_context(request, order):
    views = sales_order_line_views(order, with_timeline=True)
    can_change = request.user.has_perm("orders.change_salesorder")
    for view in views:
        view.is_open = view.line.status in FulfillmentLine.OPEN_STATES
        view.can_cancel = can_change and view.is_open
        view.attention_reason = _attention_reason(view)
        for reservation in view.reservations:
            reservation.document_url = document_url(
                reservation.document_type, reservation.document_number
            )
    organizations = (
        list(Organization.objects.order_by("code").only("code", "name")) if can_change else []
    )
    return {
        "order": order,
        "lines": views,
        # a line without a ship-from ships from the customer's default: "" keeps it so
        "default_ship_from": next(
            (o for o in organizations if o.pk == order.customer.default_ship_from_id), None
        ),
        "invoices": invoices_of_order(order)
        if request.user.has_perm("billing.view_invoice")
        else None,
        "open_states": FulfillmentLine.OPEN_STATES,
        # the ship-from a line can change to (one query for all lines)
        "organizations": organizations,
        "can_cancel_order": can_change and any(v.can_cancel for v in views),
        "attention": sum(1 for v in views if v.needs_attention),
        "can_submit": request.user.has_perm("orders.add_salesorder")
        and any(v.line.status == FulfillmentLine.Status.DRAFT for v in views),
        "can_edit": request.user.has_perm("orders.add_salesorder")
        and order.status == SalesOrder.Status.DRAFT,
        # keep refreshing while supply is being created
        "supply_pending": any(
            v.line.status == FulfillmentLine.Status.SCHEDULED
            and not v.documents
            and v.supply_order
            and v.supply_order.status == "REQUESTED"
            for v in views
        ),
    }


def _order(number):
    return get_object_or_404(
        SalesOrder.objects.select_related("customer", "created_by"), number=number
    )


@permission_required("orders.view_salesorder", raise_exception=True)
@require_GET
def detail(request, number: str):
    try:
        order = selectors.sales_order_page(number)
    except SalesOrder.DoesNotExist:
        raise Http404(f"No order {number}.") from None
    context = _detail_context(request, order)
    if request.htmx and request.GET.get("part") == "lines":
        return render(request, "orders/detail.html#lines", context)
    return render(request, "orders/detail.html", context)


@permission_required("orders.add_salesorder", raise_exception=True)
@require_POST
def submit(request, number: str):
    order = _order(number)
    try:
        sales_order_submit(order=order, acting_user=request.user)
    except BusinessRuleError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Order {order.number} submitted.")
    return redirect("orders:detail", number=number)


@require_POST
def cancel_line(request, number: str, line_number: int):
    if not request.user.has_perm("orders.change_salesorder"):
        raise PermissionDenied("Only customer service cancels order lines.")
    order = _order(number)
    line = get_object_or_404(order.lines, line_number=line_number)
    try:
        line_cancel(line=line, reason=posted_text(request.POST), acting_user=request.user)
    except BusinessRuleError as exc:
        messages.error(request, f"Line {line_number}: {exc.message}")
    else:
        messages.success(request, f"Line {line_number} cancelled.")
    return redirect("orders:detail", number=number)


def _line_page(number: str, line_number: int):
    return redirect(f"{reverse('orders:detail', args=[number])}#line-{line_number}")


@require_POST
def change_line(request, number: str, line_number: int):
    """The order page's line change: quantity and/or requested date, with why."""
    if not request.user.has_perm("orders.change_salesorder"):
        raise PermissionDenied("Only customer service changes order lines.")
    order = _order(number)
    line = get_object_or_404(order.lines, line_number=line_number)
    form = LineChangeForm(request.POST)
    if not form.is_valid():
        problems = "; ".join(" ".join(errors) for errors in form.errors.values())
        messages.error(request, f"Line {line_number} not changed: {problems}")
        return _line_page(number, line_number)
    quantity = form.cleaned_data["quantity"]
    date = form.cleaned_data["requested_ship_date"]
    ship_from = form.cleaned_data["ship_from"]
    quantity = None if quantity == line.quantity else quantity
    date = None if date == line.requested_ship_date else date
    current = line.ship_from_id or order.customer.default_ship_from_id
    ship_from = None if ship_from is None or ship_from.pk == current else ship_from
    if quantity is None and date is None and ship_from is None:
        messages.info(request, f"Line {line_number}: nothing to change.")
        return _line_page(number, line_number)
    try:
        line_change(
            line=line,
            quantity=quantity,
            requested_ship_date=date,
            ship_from=ship_from,
            reason=form.cleaned_data["reason"],
            acting_user=request.user,
        )
    except BusinessRuleError as exc:
        messages.error(request, f"Line {line_number} not changed: {exc.message}")
    else:
        messages.success(
            request, f"Line {line_number} changed; its supply follows (Details shows how)."
        )
    return _line_page(number, line_number)


@require_POST
def cancel_order(request, number: str):
    if not request.user.has_perm("orders.change_salesorder"):
        raise PermissionDenied("Only customer service cancels orders.")
    order = _order(number)
    try:
        order_cancel(order=order, reason=posted_text(request.POST), acting_user=request.user)
    except BusinessRuleError as exc:
        messages.error(request, f"Order {number} not cancelled: {exc.message}")
    else:
        messages.success(request, f"Order {number} cancelled; its supply was taken back.")
    return redirect("orders:detail", number=number)
