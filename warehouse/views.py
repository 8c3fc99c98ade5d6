from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from catalog.models import Organization
from core.documents import document_type_of
from core.exceptions import BusinessRuleError
from core.formatting import qty, quantity_problem
from core.models import TransitionLog
from core.paging import paginate
from orders.models import FulfillmentLine
from procurement.models import PurchaseOrder
from supply.flows.receive import receipt_create
from supply.flows.ship import shipment_confirm
from supply.flows.transfer import transfer_order_cancel, transfer_order_receive
from warehouse import selectors
from warehouse.forms import AdjustmentForm
from warehouse.models import InventoryBalance, Shipment, TransferOrder
from warehouse.services import ReceiveLine, inventory_adjust
from warehouse.shipments import ShipLine, shipment_cancel, shipment_create, shipment_move
from warehouse.transfers import transfer_order_ship


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
        {
            "balance": balance,
            "ledger": ledger,
            "form": form,
            "reservations": selectors.reservations_of_balance(balance),
        },
        status=status,
    )


# --- receiving ------------------------------------------------------------------------------------


@permission_required("warehouse.add_receipt", raise_exception=True)
def receiving(request):
    """Expected receipts with a scanner-friendly receive form per PO line."""
    if request.method == "POST":
        return _receive(request)
    search = request.GET.get("q", "").strip()
    page, query = paginate(request, selectors.expected_receipts(search=search), 100)
    transfers = list(selectors.expected_transfer_receipts(search=search)[:100])
    return render(
        request,
        "warehouse/receiving.html",
        {
            "rows": page,
            "page": page,
            "query": query,
            "q": search,
            "transfers": transfers,
            # Scanner flow: when the search found exactly one line, its quantity has the
            # focus (Enter receives it); otherwise the search box has it.
            "focus": "po"
            if page.paginator.count == 1 and not transfers
            else "transfer"
            if len(transfers) == 1 and not page.paginator.count
            else "search",
            "history": selectors.recent_receipts(),
        },
    )


def _receive(request):
    """One scanned line received: on a purchase order or on a transfer in transit."""
    if request.POST.get("transfer_order"):
        number = request.POST.get("transfer_order", "")
        document = TransferOrder.objects.filter(number=number).first()
        what = "transfer order"
    else:
        number = request.POST.get("purchase_order", "")
        document = PurchaseOrder.objects.filter(number=number).first()
        what = "purchase order"
    raw_line, raw_quantity = request.POST.get("line_number", ""), request.POST.get("quantity", "")
    if document is None or not (raw_line.isascii() and raw_line.isdecimal() and len(raw_line) < 9):
        messages.error(request, f"Unknown {what} or line: scan or type its number.")
        return redirect("warehouse:receiving")
    problem = quantity_problem(raw_quantity.strip() or "x")
    if problem:
        messages.error(request, problem)
        return redirect(f"{request.path}?q={document.number}")
    lines = [ReceiveLine(int(raw_line), Decimal(raw_quantity.strip()))]
    try:
        if isinstance(document, TransferOrder):
            receipt = transfer_order_receive(
                transfer_order=document, lines=lines, acting_user=request.user
            )
        else:
            receipt = receipt_create(purchase_order=document, lines=lines, acting_user=request.user)
    except BusinessRuleError as exc:
        messages.error(request, exc.message)
        return redirect(f"{request.path}?q={document.number}")
    line = receipt.lines.select_related(
        "purchase_order_line__item",
        "purchase_order_line__demand_line__order",
        "transfer_order_line__item",
        "transfer_order_line__transfer_order__demand_line__order",
    ).get()
    demand = line.demand_line
    text = (
        f"{receipt.number}: received {qty(line.quantity)} {line.document_line.item.sku} on "
        f"{document.number}/{raw_line}; {qty(line.reserved_quantity)} reserved for "
        f"{demand.order.number} line {demand.line_number}"
    )
    if line.unreserved_quantity:
        text += f", {qty(line.unreserved_quantity)} to free stock"
    messages.success(request, text + ".")
    return redirect("warehouse:receiving")


# --- transfers ------------------------------------------------------------------------------------


@permission_required("warehouse.view_transferorder", raise_exception=True)
def transfers(request):
    """Per organization: transfers to ship from it (outbound) and in transit to it (inbound)."""
    organizations = Organization.objects.order_by("code")
    organization = request.GET.get("organization", "")
    outbound = selectors.transfer_orders(status=TransferOrder.Status.OPEN, source=organization)
    inbound = selectors.transfer_orders(
        status=TransferOrder.Status.SHIPPED, destination=organization
    )
    return render(
        request,
        "warehouse/transfers.html",
        {
            "outbound": outbound.prefetch_related("lines__item")[:200],
            "inbound": inbound.prefetch_related("lines__item")[:200],
            "organization": organization,
            "organizations": organizations,
            "can_ship": request.user.has_perm("warehouse.change_transferorder"),
        },
    )


def _transfer(number: str) -> TransferOrder:
    return get_object_or_404(selectors.transfer_orders(), number=number)


@permission_required("warehouse.view_transferorder", raise_exception=True)
def transfer_order(request, number: str):
    transfer = _transfer(number)
    timeline = TransitionLog.objects.filter(
        document_type=document_type_of(TransferOrder), document_id=transfer.pk
    ).select_related("actor")
    return render(
        request,
        "warehouse/transfer_order.html",
        {
            "to": transfer,
            "lines": transfer.lines.select_related("item"),
            "timeline": timeline,
            "receipts": transfer.receipts.order_by("received_at"),
            "can_change": request.user.has_perm("warehouse.change_transferorder"),
        },
    )


@permission_required("warehouse.change_transferorder", raise_exception=True)
@require_POST
def transfer_action(request, number: str, action: str):
    transfer = _transfer(number)
    try:
        if action == "ship":
            transfer_order_ship(transfer_order=transfer, acting_user=request.user)
            done = f"shipped: in transit to {transfer.destination.code}"
        elif action == "cancel":
            transfer_order_cancel(
                transfer_order=transfer,
                reason=request.POST.get("reason", ""),
                acting_user=request.user,
            )
            done = f"cancelled: the stock held at {transfer.source.code} is free again"
        else:
            return HttpResponse(status=404)
    except BusinessRuleError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"{transfer.number} {done}.")
    back = request.POST.get("next", "")
    if back.startswith("/warehouse/"):
        return redirect(back)
    return redirect("warehouse:transfer_order", number=transfer.number)


# --- shipping -------------------------------------------------------------------------------------


@permission_required("warehouse.add_shipment", raise_exception=True)
def shipping(request):
    """Lines ready to ship by customer → shipments → pick, pack, ship confirm."""
    organizations = Organization.objects.order_by("code")
    organization = request.GET.get("organization") or (
        organizations.first().code if organizations else ""
    )
    if request.method == "POST":
        return _create_shipment(request, organization)
    page, query = paginate(request, selectors.lines_to_ship(organization=organization), 100)
    customers = {}
    for line in page:
        customers.setdefault(line.order.customer, []).append(line)
    return render(
        request,
        "warehouse/shipping.html",
        {
            "customers": customers.items(),
            "shipments": selectors.active_shipments(organization=organization),
            "page": page,
            "query": query,
            "organization": organization,
            "organizations": organizations,
        },
    )


def _create_shipment(request, organization_code):
    organization = get_object_or_404(Organization, code=organization_code)
    lines = []
    for line_id in request.POST.getlist("line"):
        valid_id = line_id.isascii() and line_id.isdecimal() and len(line_id) < 19
        line = FulfillmentLine.objects.filter(pk=line_id).first() if valid_id else None
        if line is None:
            continue
        raw = request.POST.get(f"quantity_{line.pk}", "").strip()
        if raw and quantity_problem(raw):
            messages.error(
                request, f"{line.order.number} line {line.line_number}: {quantity_problem(raw)}"
            )
            return redirect(f"{request.path}?organization={organization.code}")
        lines.append(ShipLine(line, Decimal(raw) if raw else None))
    try:
        shipment = shipment_create(organization=organization, lines=lines, acting_user=request.user)
    except BusinessRuleError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request, f"{shipment.number} planned: pick it, pack it, then ship confirm."
        )
    return redirect(f"{request.path}?organization={organization.code}")


SHIPMENT_ACTIONS = {"pick", "pack", "confirm", "cancel"}


@permission_required("warehouse.change_shipment", raise_exception=True)
@require_POST
def shipment_action(request, number: str, action: str):
    shipment = get_object_or_404(Shipment, number=number)
    if action not in SHIPMENT_ACTIONS:
        return HttpResponse(status=404)
    try:
        if action == "confirm":
            shipment_confirm(
                shipment=shipment,
                carrier=request.POST.get("carrier", ""),
                tracking_number=request.POST.get("tracking_number", ""),
                acting_user=request.user,
            )
        elif action == "cancel":
            shipment_cancel(shipment=shipment, acting_user=request.user)
        else:
            shipment_move(shipment=shipment, action=action, acting_user=request.user)
    except BusinessRuleError as exc:
        messages.error(request, exc.message)
    else:
        shipment.refresh_from_db()
        done = "shipped: the invoice follows" if action == "confirm" else shipment.status.lower()
        messages.success(request, f"{shipment.number} {done}.")
    return redirect(f"{reverse('warehouse:shipping')}?organization={shipment.organization.code}")


@permission_required("warehouse.view_shipment", raise_exception=True)
def packing_slip(request, number: str):
    shipment = get_object_or_404(
        Shipment.objects.select_related("customer", "organization"), number=number
    )
    lines = shipment.lines.select_related("demand_line__order", "demand_line__item").order_by("id")
    return render(request, "warehouse/packing_slip.html", {"shipment": shipment, "lines": lines})
