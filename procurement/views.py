"""Buyer workbench, purchase order list/detail/document, approvals queue."""

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from catalog.models import Supplier
from core.csv_export import amount, csv_response, wants_csv
from core.exceptions import BusinessRuleError
from core.forms import posted_text
from core.paging import paginate
from core.selectors import timeline_of
from procurement import selectors
from procurement.changes import CHANGEABLE
from procurement.documents import purchase_order_pdf
from procurement.forms import (
    AcknowledgmentForm,
    PurchaseOrderLineChangeForm,
    RequisitionChangeForm,
    RequisitionSelectionForm,
)
from procurement.models import PurchaseOrder, PurchaseOrderLine, RequisitionLine
from procurement.services import (
    purchase_order_approve,
    purchase_order_communicate,
    purchase_order_reject,
    purchase_order_submit,
)
from supply.flows.buy import (
    purchase_order_acknowledge,
    purchase_order_cancel,
    purchase_order_line_revise,
    purchase_order_line_take_back,
    purchase_orders_create,
    requisition_reassign,
)

REQUISITION_CSV_HEADER = (
    "Requisition",
    "Supplier",
    "Supplier name",
    "Item",
    "Description",
    "Quantity",
    "Unit price",
    "Amount",
    "Currency",
    "Need by",
    "Ship to",
    "Sales order",
    "Sales order line",
    "Customer",
    "Customer name",
)


def _requisition_csv_row(r) -> list:
    return [
        r.number,
        r.supplier.number,
        r.supplier.name,
        r.item.sku,
        r.item.description,
        r.quantity,
        r.unit_price,
        amount(r.amount),
        r.currency,
        r.need_by_date,
        r.organization.code,
        r.demand_line.order.number,
        r.demand_line.line_number,
        r.demand_line.order.customer.number,
        r.demand_line.order.customer.name,
    ]


def _requisition_rows(request):
    return selectors.requisition_lines(
        status="OPEN",
        supplier=request.GET.get("supplier", ""),
        search=request.GET.get("q", "").strip(),
    )


def _requisitions_context(request) -> dict:
    page, query = paginate(request, _requisition_rows(request), 100)
    groups = {}
    for row in page:
        groups.setdefault(row.supplier, []).append(row)
    return {
        "groups": list(groups.items()),
        "group_totals": {
            supplier.pk: selectors.amounts_by_currency(rows) for supplier, rows in groups.items()
        },
        "page": page,
        "query": query,
        "count": page.paginator.count,
        "shown_totals": selectors.amounts_by_currency(page),
        "supplier": request.GET.get("supplier", ""),
        "q": request.GET.get("q", "").strip(),
        "suppliers": Supplier.objects.order_by("number").only("number", "name"),
    }


def _purchase_order_links(orders):
    return format_html_join(
        ", ",
        '<a href="{}">{}</a>',
        ((reverse("procurement:purchase_order", args=[po.number]), po.number) for po in orders),
    )


def _create_purchase_orders(request) -> list[PurchaseOrder]:
    """The selected requisition lines → POs; what happened goes into the messages."""
    form = RequisitionSelectionForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(form.errors["requisition"]))
        return []
    try:
        orders = purchase_orders_create(
            requisition_line_ids=form.cleaned_data["requisition"], acting_user=request.user
        )
    except BusinessRuleError as exc:
        messages.error(request, exc.message)
        return []
    messages.success(
        request,
        format_html(
            "Created {}: submit to send for approval or open.", _purchase_order_links(orders)
        ),
    )
    return orders


@permission_required("procurement.view_requisitionline", raise_exception=True)
def requisitions(request):
    """Open requisition lines grouped by supplier; select lines → Create POs."""
    if request.method == "POST":
        if not request.user.has_perm("procurement.add_purchaseorder"):
            raise PermissionDenied("Only buyers create purchase orders.")
        orders = _create_purchase_orders(request)
        if request.htmx:
            # The list changes (the ordered lines leave it); the message links the new POs.
            return render(
                request, "procurement/requisitions.html#work", _requisitions_context(request)
            )
        if len(orders) == 1:
            return redirect("procurement:purchase_order", number=orders[0].number)
        if orders:
            return redirect("procurement:purchase_orders")
        return redirect(request.get_full_path())
    if wants_csv(request):
        return csv_response(
            "requisitions.csv",
            REQUISITION_CSV_HEADER,
            map(_requisition_csv_row, _requisition_rows(request).iterator(chunk_size=2000)),
        )
    return render(request, "procurement/requisitions.html", _requisitions_context(request))


def _requisition(number: str) -> RequisitionLine:
    return get_object_or_404(selectors.requisition_lines(), number=number)


@permission_required("procurement.view_requisitionline", raise_exception=True)
@require_GET
def requisition(request, number: str):
    """One requisition line: what it buys, for which order, from whom, its PO line once
    ordered, and its timeline; the buyer changes its supplier or price while it is open."""
    requisition = _requisition(number)
    offers = selectors.requisition_change_offers(requisition)
    timeline = timeline_of(requisition)
    return render(
        request,
        "procurement/requisition.html",
        {
            "r": requisition,
            "offers": offers,
            "po_line": selectors.requisition_purchase_order_line(requisition),
            "timeline": timeline,
            "can_change": request.user.has_perm("procurement.add_purchaseorder")
            and requisition.status == RequisitionLine.Status.OPEN,
        },
    )


@require_POST
def requisition_change(request, number: str):
    """The buyer's change of an open requisition line's supplier and/or unit price."""
    if not request.user.has_perm("procurement.add_purchaseorder"):
        raise PermissionDenied("Only buyers change requisitions.")
    requisition = _requisition(number)
    form = RequisitionChangeForm(
        request.POST, offers=selectors.requisition_change_offers(requisition)
    )
    if not form.is_valid():
        problems = "; ".join(" ".join(errors) for errors in form.errors.values())
        messages.error(request, f"Not changed: {problems}")
        return redirect("procurement:requisition", number=number)
    data = form.cleaned_data
    try:
        same_supplier = data["supplier"] is None or data["supplier"].pk == requisition.supplier_id
        same_price = data["unit_price"] is None or data["unit_price"] == requisition.unit_price
        if same_supplier and same_price:
            raise BusinessRuleError(
                "Nothing changed: choose another supplier or enter a new unit price."
            )
        requisition = requisition_reassign(
            requisition=requisition,
            supplier=data["supplier"],
            unit_price=data["unit_price"],
            acting_user=request.user,
        )
    except BusinessRuleError as exc:
        messages.error(request, f"Not changed: {exc.message}")
    else:
        messages.success(
            request,
            f"{requisition.number} now from {requisition.supplier.number} at "
            f"{requisition.unit_price:.4f} {requisition.currency}.",
        )
    return redirect("procurement:requisition", number=number)


PURCHASE_ORDER_CSV_HEADER = (
    "Purchase order",
    "Supplier",
    "Supplier name",
    "Ship to",
    "Status",
    "Revision",
    "Lines",
    "Total",
    "Currency",
    "Sent to supplier",
    "Acknowledgment",
    "Created",
)


def _purchase_order_csv_row(po) -> list:
    return [
        po.number,
        po.supplier.number,
        po.supplier.name,
        po.organization.code,
        po.status,
        po.revision,
        po.line_count,
        amount(po.total),
        po.currency,
        po.communicated_at,
        po.acknowledgment_shown,
        timezone.localdate(po.created_at),
    ]


@permission_required("procurement.view_purchaseorder", raise_exception=True)
@require_GET
def purchase_orders(request):
    filters = selectors.PurchaseOrderFilters(
        status=request.GET.get("status", ""),
        supplier=request.GET.get("supplier", ""),
        late=request.GET.get("late") == "1",
        awaiting_acknowledgment=request.GET.get("awaiting") == "1",
        search=request.GET.get("q", "").strip(),
        change_order_held=request.GET.get("held") == "1",
    )
    if wants_csv(request):
        return csv_response(
            "purchase-orders.csv",
            PURCHASE_ORDER_CSV_HEADER,
            map(
                _purchase_order_csv_row,
                selectors.purchase_orders(filters).iterator(chunk_size=2000),
            ),
        )
    page, query = paginate(request, selectors.purchase_orders(filters))
    context = {
        "page": page,
        "query": query,
        "filters": filters,
        "statuses": PurchaseOrder.Status.choices,
        "suppliers": Supplier.objects.order_by("number").only("number", "name"),
    }
    template = (
        "procurement/purchase_orders.html#results"
        if request.htmx
        else "procurement/purchase_orders.html"
    )
    return render(request, template, context)


def _po(number):
    return get_object_or_404(selectors.purchase_orders(), number=number)


def _actions(request, po, email) -> set[str]:
    """What this user may do with this PO now: the state machine's moves plus the attributes
    of an OPEN PO (communication, acknowledgment)."""
    user = request.user
    actions = {t.name for t in po.get_available_user_status_transitions(user)}
    if "auto_approve" in actions:
        actions.discard("auto_approve")
        actions.add("submit")  # one Submit button: the threshold decides where it goes
    if po.prepared_by(user):
        actions -= {"approve", "reject"}  # segregation of duties
    if po.status == PurchaseOrder.Status.OPEN and user.has_perm("procurement.change_purchaseorder"):
        if po.communicated_at:  # the supplier can only answer a PO it was sent
            actions.add("acknowledge")
        if po.needs_communication and (email is None or email.status == email.Status.FAILED):
            actions.add("communicate")  # not while the email is on its way
    return actions


@permission_required("procurement.view_purchaseorder", raise_exception=True)
@require_GET
def purchase_order(request, number: str):
    po = _po(number)
    lines = list(selectors.purchase_order_lines(po))
    line_ids = [line.pk for line in lines]
    timeline = timeline_of(po, part_model=PurchaseOrderLine, part_ids=line_ids)
    email = selectors.purchase_order_email(po)
    return render(
        request,
        "procurement/purchase_order.html",
        {
            "po": po,
            "lines": lines,
            "timeline": timeline,
            "email": email,
            "actions": _actions(request, po, email),
            "changes_not_sent": selectors.purchase_order_changes_not_sent([po]).get(po.pk, []),
            "ack_form": AcknowledgmentForm(lines=lines),
            "can_change_lines": request.user.has_perm("procurement.change_purchaseorder")
            and po.status in CHANGEABLE
            and any(line.status == PurchaseOrderLine.Status.OPEN for line in lines),
        },
    )


ACTIONS = {
    "submit": (
        "procurement.change_purchaseorder",
        lambda r, po: purchase_order_submit(po=po, acting_user=r.user),
        "submitted",
    ),
    "approve": (
        "procurement.approve_purchaseorder",
        lambda r, po: purchase_order_approve(po=po, acting_user=r.user),
        "approved",
    ),
    "reject": (
        "procurement.approve_purchaseorder",
        lambda r, po: purchase_order_reject(po=po, reason=posted_text(r.POST), acting_user=r.user),
        "rejected",
    ),
    "communicate": (
        "procurement.change_purchaseorder",
        lambda r, po: purchase_order_communicate(po=po, acting_user=r.user),
        "queued for the supplier (the page shows when the mail server has taken it)",
    ),
    "cancel": (
        "procurement.change_purchaseorder",
        lambda r, po: purchase_order_cancel(po=po, reason=posted_text(r.POST), acting_user=r.user),
        "cancelled",
    ),
}


def _run_action(request, number: str, action: str) -> None:
    """One PO action by the user; what happened goes into the messages."""
    permission, run, done = ACTIONS[action]
    if not request.user.has_perm(permission):
        raise PermissionDenied("Your roles do not allow this action on purchase orders.")
    po = _po(number)
    try:
        run(request, po)
    except BusinessRuleError as exc:
        messages.error(request, exc.message)
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    else:
        po.refresh_from_db()
        link = format_html(
            '<a href="{}">{}</a>',
            reverse("procurement:purchase_order", args=[po.number]),
            po.number,
        )
        messages.success(
            request, format_html("{} {}: now {}.", link, done, po.get_status_display().lower())
        )


@require_POST
def purchase_order_action(request, number: str, action: str):
    """One button on the PO page or the approvals queue → one service call. From the queue
    with htmx, the queue is drawn again (the decided PO leaves it) with the message."""
    if action not in ACTIONS:
        return HttpResponse(status=404)
    _run_action(request, number, action)
    target = request.POST.get("next", "")
    from_queue = urlsplit(target).path == reverse("procurement:approvals")
    if request.htmx and from_queue and action in ("approve", "reject"):
        # The queue's page comes along in the query string of the post.
        return render(request, "procurement/approvals.html#queue", _approvals_context(request))
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect("procurement:purchase_order", number=number)


@permission_required("procurement.change_purchaseorder", raise_exception=True)
@require_POST
def acknowledge(request, number: str):
    po = _po(number)
    lines = list(selectors.purchase_order_lines(po))
    form = AcknowledgmentForm(request.POST, lines=lines)
    if not form.is_valid():
        messages.error(request, "Check the acknowledgment: " + form.errors.as_text())
        return redirect("procurement:purchase_order", number=number)
    try:
        purchase_order_acknowledge(
            po=po,
            accepted=form.cleaned_data["accepted"],
            promised_dates=form.promised_dates(),
            note=form.cleaned_data["note"],
            acting_user=request.user,
        )
    except BusinessRuleError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Acknowledgment of {po.number} recorded.")
    return redirect("procurement:purchase_order", number=number)


@permission_required("procurement.view_purchaseorder", raise_exception=True)
@require_GET
def document(request, number: str):
    """The printable PO (HTML) or, with ?format=pdf, the PDF sent to the supplier."""
    po = _po(number)
    lines = list(selectors.purchase_order_lines(po, ordered_only=True))
    if request.GET.get("format") == "pdf":
        response = HttpResponse(purchase_order_pdf(po, lines), content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="{po.number}.pdf"'
        return response
    return render(request, "procurement/document.html", {"po": po, "lines": lines})


def _approvals_context(request) -> dict:
    page, query = paginate(request, selectors.approval_queue())
    return {
        "page": page,
        "query": query,
        "own": {po.pk for po in page if po.prepared_by(request.user)},  # segregation of duties
        "served": {po.pk: selectors.sales_orders_served(po) for po in page},
        "changes": selectors.purchase_order_changes_not_sent(page),
        "threshold": settings.PO_APPROVAL_THRESHOLD,
        # Where a decision without htmx comes back to: this page of the queue.
        "next": reverse("procurement:approvals")
        + (f"?{request.GET.urlencode()}" if request.GET else ""),
    }


@permission_required("procurement.approve_purchaseorder", raise_exception=True)
@require_GET
def approvals(request):
    """The queue: per PO what it buys, for which orders and customers, by when, and by how much
    it is over the approval threshold."""
    return render(request, "procurement/approvals.html", _approvals_context(request))


@require_POST
def change_line(request, number: str):
    """The buyer's change order on one line (quantity, promised date) or its cancellation."""
    if not request.user.has_perm("procurement.change_purchaseorder"):
        raise PermissionDenied("Only buyers change purchase orders.")
    po = _po(number)
    form = PurchaseOrderLineChangeForm(request.POST)
    if not form.is_valid():
        problems = "; ".join(" ".join(errors) for errors in form.errors.values())
        messages.error(request, f"Not changed: {problems}")
        return redirect("procurement:purchase_order", number=number)
    data = form.cleaned_data
    po_line = get_object_or_404(po.lines, line_number=data["line_number"])
    try:
        if request.POST.get("do") == "cancel":
            purchase_order_line_take_back(
                po_line=po_line, reason=data["reason"], acting_user=request.user
            )
            done = "cancelled"
        else:
            if data["quantity"] is None and data["promised_date"] is None:
                raise BusinessRuleError("Give a new quantity or a promised date.")
            purchase_order_line_revise(
                po_line=po_line,
                quantity=data["quantity"],
                promised_date=data["promised_date"],
                acting_user=request.user,
            )
            done = "changed"
    except BusinessRuleError as exc:
        messages.error(request, f"Line {po_line.line_number}: {exc.message}")
    else:
        po.refresh_from_db()
        messages.success(
            request, f"Line {po_line.line_number} {done}: {po.number} is at revision {po.revision}."
        )
    return redirect("procurement:purchase_order", number=number)
