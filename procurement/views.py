"""Buyer workbench, purchase order list/detail/document, approvals queue."""

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from catalog.models import Supplier
from core.documents import document_type_of
from core.exceptions import BusinessRuleError
from core.models import TransitionLog
from core.paging import paginate
from procurement import selectors
from procurement.changes import CHANGEABLE
from procurement.documents import purchase_order_pdf
from procurement.forms import AcknowledgmentForm, PurchaseOrderLineChangeForm
from procurement.models import PurchaseOrder, PurchaseOrderLine
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
)


@permission_required("procurement.view_requisitionline", raise_exception=True)
def requisitions(request):
    """Open requisition lines grouped by supplier; select lines → Create POs."""
    if request.method == "POST":
        if not request.user.has_perm("procurement.add_purchaseorder"):
            raise PermissionDenied("Only buyers create purchase orders.")
        ids = [
            int(i)
            for i in request.POST.getlist("requisition")
            if i.isascii() and i.isdecimal() and len(i) < 19
        ]
        try:
            orders = purchase_orders_create(requisition_line_ids=ids, acting_user=request.user)
        except BusinessRuleError as exc:
            messages.error(request, exc.message)
            return redirect("procurement:requisitions")
        numbers = ", ".join(po.number for po in orders)
        messages.success(request, f"Created {numbers}: submit to send for approval or open.")
        if len(orders) == 1:
            return redirect("procurement:purchase_order", number=orders[0].number)
        return redirect("procurement:purchase_orders")
    supplier = request.GET.get("supplier", "")
    search = request.GET.get("q", "").strip()
    page, query = paginate(
        request, selectors.requisition_lines(status="OPEN", supplier=supplier, search=search), 100
    )
    groups = {}
    for row in page:
        groups.setdefault(row.supplier, []).append(row)
    return render(
        request,
        "procurement/requisitions.html",
        {
            "groups": groups.items(),
            "page": page,
            "query": query,
            "count": page.paginator.count,
            "supplier": supplier,
            "q": search,
            "suppliers": Supplier.objects.order_by("number").only("number", "name"),
        },
    )


@permission_required("procurement.view_purchaseorder", raise_exception=True)
@require_GET
def purchase_orders(request):
    filters = selectors.PurchaseOrderFilters(
        status=request.GET.get("status", ""),
        supplier=request.GET.get("supplier", ""),
        late=request.GET.get("late") == "1",
        awaiting_acknowledgment=request.GET.get("awaiting") == "1",
        search=request.GET.get("q", "").strip(),
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
    timeline = TransitionLog.objects.filter(
        Q(document_type=document_type_of(PurchaseOrder), document_id=po.pk)
        | Q(document_type=document_type_of(PurchaseOrderLine), document_id__in=line_ids)
    ).select_related("actor")
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
        lambda r, po: purchase_order_reject(
            po=po, reason=r.POST.get("reason", ""), acting_user=r.user
        ),
        "rejected",
    ),
    "communicate": (
        "procurement.change_purchaseorder",
        lambda r, po: purchase_order_communicate(po=po, acting_user=r.user),
        "queued for the supplier (the page shows when the mail server has taken it)",
    ),
    "cancel": (
        "procurement.change_purchaseorder",
        lambda r, po: purchase_order_cancel(
            po=po, reason=r.POST.get("reason", ""), acting_user=r.user
        ),
        "cancelled",
    ),
}


@require_POST
def purchase_order_action(request, number: str, action: str):
    """One button on the PO page or the approvals queue → one service call."""
    if action not in ACTIONS:
        return HttpResponse(status=404)
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
        messages.success(request, f"{po.number} {done}: now {po.get_status_display().lower()}.")
    target = request.POST.get("next", "")
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


@permission_required("procurement.approve_purchaseorder", raise_exception=True)
@require_GET
def approvals(request):
    pending = selectors.purchase_orders(
        selectors.PurchaseOrderFilters(status=PurchaseOrder.Status.PENDING_APPROVAL)
    ).select_related("submitted_by")
    page, query = paginate(request, pending)
    own = {po.pk for po in page if po.prepared_by(request.user)}  # segregation of duties
    return render(request, "procurement/approvals.html", {"page": page, "query": query, "own": own})


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
