from decimal import Decimal
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.contrib.humanize.templatetags.humanize import intcomma
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import pluralize
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_POST

from billing.selectors import invoices_of_shipment
from catalog.models import Organization
from core.csv_export import csv_response, wants_csv
from core.documents import document_url
from core.exceptions import BusinessRuleError
from core.formatting import qty, quantity_problem
from core.forms import posted_text
from core.paging import paginate
from core.selectors import timeline_of
from core.services import use_case
from orders.models import FulfillmentLine
from procurement.models import PurchaseOrder
from supply.flows.receive import open_lines_of, purchase_orders_receive, receipt_create
from supply.flows.ship import shipment_confirm, wave_confirm
from supply.flows.transfer import transfer_order_cancel, transfer_order_receive
from warehouse import selectors
from warehouse.forms import AdjustmentForm, DeliveryForm, WaveReleaseForm
from warehouse.models import InventoryBalance, PickWave, Receipt, Shipment, TransferOrder
from warehouse.services import ReceiveLine, inventory_adjust
from warehouse.shipments import ShipLine, shipment_cancel, shipment_create, shipment_move
from warehouse.transfers import transfer_order_ship
from warehouse.waves import wave_move, wave_release


def grouped(quantity) -> str:
    """A quantity in a message: as on the screens, with thousands separators (12,500.5)."""
    return intcomma(qty(quantity))


INVENTORY_CSV_HEADER = [
    "Item",
    "Description",
    "Organization",
    "On hand",
    "Reserved",
    "Available",
    "In transit",
]


def _inventory_csv_row(balance) -> list:
    return [
        balance.item.sku,
        balance.item.description,
        balance.organization.code,
        qty(balance.on_hand),
        qty(balance.reserved),
        qty(balance.available_qty),
        qty(balance.in_transit),
    ]


LEDGER_CSV_HEADER = [
    "When",
    "Kind",
    "Bucket",
    "Quantity",
    "Document",
    "Received on",
    "Sales order",
    "Line",
    "Reason",
    "By",
]


def _ledger_csv_row(row) -> list:
    return [
        row.created_at,
        row.get_kind_display(),
        row.get_bucket_display(),
        qty(row.quantity),
        row.document_number,
        row.receipt_purchase_order or row.receipt_transfer_order,
        row.sales_order_number,
        row.sales_order_line,
        row.reason,
        row.created_by.get_username() if row.created_by else "system",
    ]


@permission_required("warehouse.view_inventorybalance", raise_exception=True)
def inventory(request):
    """Balances per item and organization, searchable, 50 a page; all of them as CSV."""
    search = request.GET.get("q", "").strip()
    organization = request.GET.get("organization", "")
    rows = selectors.inventory_balances(organization=organization, search=search)
    if wants_csv(request):
        return csv_response(
            "inventory.csv",
            INVENTORY_CSV_HEADER,
            map(_inventory_csv_row, rows.iterator(chunk_size=2000)),
        )
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


def _ledger_row_links(row) -> None:
    """A ledger row's links: its document (a receipt to its page, and beside it the PO or
    transfer order it received) and the sales order of the line it moved."""
    row.document_url = document_url(row.document_type, row.document_number)
    row.via = row.receipt_purchase_order or row.receipt_transfer_order or ""
    if row.via:
        kind = (
            "procurement.purchaseorder" if row.receipt_purchase_order else "warehouse.transferorder"
        )
        row.via_url = document_url(kind, row.via)
    row.order_url = (
        reverse("orders:detail", args=[row.sales_order_number]) if row.sales_order_number else ""
    )


@permission_required("warehouse.view_inventorybalance", raise_exception=True)
def inventory_detail(request, balance_id: int):
    """One balance, its ledger (as CSV too) and (for warehouse operators) an adjustment form."""
    balance = get_object_or_404(
        InventoryBalance.objects.select_related("item", "organization"), pk=balance_id
    )
    rows = selectors.ledger_for(item_id=balance.item_id, organization_id=balance.organization_id)
    if wants_csv(request) and request.method == "GET":
        return csv_response(
            f"ledger-{balance.item.sku}-{balance.organization.code}.csv",
            LEDGER_CSV_HEADER,
            map(_ledger_csv_row, rows.iterator(chunk_size=2000)),
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
    ledger = Paginator(rows, 50).get_page(request.GET.get("page"))
    for row in ledger:
        _ledger_row_links(row)
    reservations = list(selectors.reservations_of_balance(balance))
    for reservation in reservations:
        reservation.document_url = document_url(
            reservation.document_type, reservation.document_number
        )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "warehouse/inventory_detail.html",
        {
            "balance": balance,
            "ledger": ledger,
            "query": query.urlencode(),
            "form": form,
            "reservations": reservations,
        },
        status=status,
    )


def _fragments(request, template: str, *names: str, context: dict) -> HttpResponse:
    """The parts of a screen that an htmx action changed, each swapped in place by its id
    (out of band), messages included."""
    return HttpResponse(
        "".join(
            render_to_string(f"{template}#{name}", context, request)
            for name in (*names, "messages")
        )
    )


# --- receiving ------------------------------------------------------------------------------------


def _receiving_context(request, search: str) -> dict:
    page, query = paginate(request, selectors.expected_receipts(search=search), 100)
    transfers = list(selectors.expected_transfer_receipts(search=search)[:100])
    return {
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
        # A search for a PO offers to receive all its open lines at once.
        "delivery_pos": selectors.purchase_orders_expected(search) if search else "",
    }


@permission_required("warehouse.add_receipt", raise_exception=True)
def receiving(request):
    """Expected receipts with a scanner-friendly receive form per PO line."""
    if request.method == "POST":
        search = _receive(request)
        if request.htmx:
            # The lists, the history and the search box (cleared after a receipt, the
            # document again after a refusal) change; the page stays.
            context = _receiving_context(request, search)
            return _fragments(request, "warehouse/receiving.html", "work", context=context)
        return redirect(f"{request.path}?q={search}" if search else request.path)
    search = request.GET.get("q", "").strip()
    return render(request, "warehouse/receiving.html", _receiving_context(request, search))


def _receive_delivery(request) -> str:
    """Every open line of the purchase orders of a delivery, on one receipt. Returns what to
    search for next: nothing after a receipt, what was typed after a refusal."""
    form = DeliveryForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(errors))
        return request.POST.get("purchase_orders", "")[:100]
    pos = form.cleaned_data["purchase_orders"]
    try:
        lines = open_lines_of(pos)
        if not lines:
            raise BusinessRuleError(
                f"Nothing is left to receive on {', '.join(po.number for po in pos)}."
            )
        receipt = purchase_orders_receive(
            lines, reference=form.cleaned_data["reference"], acting_user=request.user
        )
    except BusinessRuleError as exc:
        messages.error(request, exc.message)
        return pos[0].number if len(pos) == 1 else ""
    figures = selectors.receipt_figures(receipt)
    text = (
        f"{receipt.number}: received {figures['lines']} line{pluralize(figures['lines'])} of "
        f"{', '.join(po.number for po in pos)}"
        + (f" ({receipt.reference})" if receipt.reference else "")
        + f"; {grouped(figures['reserved'])} reserved for their orders"
    )
    if figures["free"]:
        text += f", {grouped(figures['free'])} to free stock"
    messages.success(request, text + ".")
    return ""


def _receive(request) -> str:
    """One scanned line received: on a purchase order or on a transfer in transit. Returns
    what to search for next: nothing after a receipt, the document after a refusal."""
    if request.POST.get("action") == "delivery":
        return _receive_delivery(request)
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
        return ""
    problem = quantity_problem(raw_quantity.strip() or "x")
    if problem:
        messages.error(request, problem)
        return document.number
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
        return document.number
    line = receipt.lines.select_related(
        "purchase_order_line__item",
        "purchase_order_line__demand_line__order",
        "transfer_order_line__item",
        "transfer_order_line__transfer_order__demand_line__order",
    ).get()
    demand = line.demand_line
    text = (
        f"{receipt.number}: received {grouped(line.quantity)} {line.document_line.item.sku} on "
        f"{document.number}/{raw_line}; {grouped(line.reserved_quantity)} reserved for "
        f"{demand.order.number} line {demand.line_number}"
    )
    if line.unreserved_quantity:
        text += f", {grouped(line.unreserved_quantity)} to free stock"
    messages.success(request, text + ".")
    return ""


# --- transfers ------------------------------------------------------------------------------------


@permission_required("warehouse.view_transferorder", raise_exception=True)
def transfers(request):
    """Per organization: transfers to ship from it (outbound), in transit to it (inbound), and
    the history of those received, closed or cancelled (searchable, 50 a page)."""
    organizations = Organization.objects.order_by("code")
    organization = request.GET.get("organization", "")
    outbound = selectors.transfer_orders(status=TransferOrder.Status.OPEN, source=organization)
    inbound = selectors.transfer_orders(
        status=TransferOrder.Status.SHIPPED, destination=organization
    )
    search = request.GET.get("q", "").strip()[:100]
    history, query = paginate(
        request,
        selectors.transfer_history(organization=organization, search=search).prefetch_related(
            "lines__item"
        ),
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
            "page": history,
            "query": query,
            "q": search,
        },
    )


def _transfer(number: str) -> TransferOrder:
    return get_object_or_404(selectors.transfer_orders(), number=number)


@permission_required("warehouse.view_transferorder", raise_exception=True)
def transfer_order(request, number: str):
    transfer = _transfer(number)
    timeline = timeline_of(transfer)
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
                reason=posted_text(request.POST),
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

# The organization the user last chose on the shipping screen (the session remembers it).
SHIPPING_ORGANIZATION = "warehouse.shipping_organization"


def _shipping_organization(request, organizations) -> str:
    """The organization the shipping screen shows: the one asked for (remembered); otherwise
    one with something to ship — the last chosen if it has work, else the first with work —
    and only then the last chosen or the first."""
    codes = [organization.code for organization in organizations]
    asked = request.POST.get("organization") or request.GET.get("organization", "")
    if asked in codes:
        request.session[SHIPPING_ORGANIZATION] = asked
        return asked
    last = request.session.get(SHIPPING_ORGANIZATION, "")
    with_work = selectors.shipping_organizations_with_work()
    if last in with_work:
        return last
    if with_work:
        return with_work[0]
    return last if last in codes else (codes[0] if codes else "")


def _shipping_context(request, organization: str) -> dict:
    page, _ = paginate(request, selectors.lines_to_ship(organization=organization), 100)
    customers = {}
    for line in page:
        customers.setdefault(line.order.customer, []).append(line)
    return {
        "customers": customers.items(),
        "waves": selectors.waves_at(organization),
        "wave_form": WaveReleaseForm(customers=selectors.customers_with_lines_ready(organization)),
        "shipments": selectors.active_shipments(organization=organization),
        "page": page,
        "query": urlencode({"organization": organization}),
        "organization": organization,
        "can_ship_in_one_step": request.user.has_perm("warehouse.change_shipment"),
    }


@permission_required("warehouse.add_shipment", raise_exception=True)
def shipping(request):
    """Lines ready to ship by customer → shipments → pick, pack, ship confirm."""
    organizations = list(Organization.objects.order_by("code"))
    organization = _shipping_organization(request, organizations)
    if request.method == "POST":
        _create_shipment(request, organization)
        if request.htmx:
            context = _shipping_context(request, organization)
            return _fragments(
                request, "warehouse/shipping.html", "shipments", "ready", context=context
            )
        return redirect(f"{request.path}?organization={organization}")
    context = _shipping_context(request, organization)
    context["organizations"] = organizations
    return render(request, "warehouse/shipping.html", context)


def _create_shipment(request, organization_code) -> None:
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
            return
        lines.append(ShipLine(line, Decimal(raw) if raw else None))
    try:
        shipment = shipment_create(organization=organization, lines=lines, acting_user=request.user)
    except BusinessRuleError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request, f"{shipment.number} planned: pick it, pack it, then ship confirm."
        )


def _pick_pack_and_ship(*, shipment, carrier: str, tracking_number: str, acting_user):
    """Pick, pack and ship confirm in one go (a one-person warehouse): the three steps of the
    state machine, each with its own permission and log entry, in one transaction — all
    three happen or none."""
    with use_case():
        shipment_move(shipment=shipment, action="pick", acting_user=acting_user)
        shipment_move(shipment=shipment, action="pack", acting_user=acting_user)
        return shipment_confirm(
            shipment=shipment,
            carrier=carrier,
            tracking_number=tracking_number,
            acting_user=acting_user,
        )


SHIPMENT_ACTIONS = {"pick", "pack", "confirm", "cancel", "ship"}
SHIPPED = "shipped: the invoice follows"


@permission_required("warehouse.change_shipment", raise_exception=True)
@require_POST
def shipment_action(request, number: str, action: str):
    shipment = get_object_or_404(Shipment, number=number)
    if action not in SHIPMENT_ACTIONS:
        return HttpResponse(status=404)
    try:
        carrier = posted_text(request.POST, "carrier", max_length=60)
        tracking_number = posted_text(request.POST, "tracking_number", max_length=60)
        if action == "ship":
            _pick_pack_and_ship(
                shipment=shipment,
                carrier=carrier,
                tracking_number=tracking_number,
                acting_user=request.user,
            )
        elif action == "confirm":
            shipment_confirm(
                shipment=shipment,
                carrier=carrier,
                tracking_number=tracking_number,
                acting_user=request.user,
            )
        elif action == "cancel":
            shipment_cancel(shipment=shipment, acting_user=request.user)
        else:
            shipment_move(shipment=shipment, action=action, acting_user=request.user)
    except (BusinessRuleError, PermissionDenied) as exc:
        messages.error(request, getattr(exc, "message", None) or str(exc))
    else:
        shipment.refresh_from_db()
        done = SHIPPED if action in ("confirm", "ship") else shipment.status.lower()
        if action == "ship":
            done = f"picked, packed and {done}"
        messages.success(request, f"{shipment.number} {done}.")
    organization = shipment.organization.code
    back = request.POST.get("next", "")
    if back.startswith("/warehouse/waves/"):
        return redirect(back)
    if not request.htmx:
        return redirect(f"{reverse('warehouse:shipping')}?organization={organization}")
    # The shipment's card changes; lines go back to (cancel) or come off (ship) the lines
    # ready to ship, and the remainder of a line shipped in part can be planned now.
    context = _shipping_context(request, organization)
    context.update(s=selectors.shipment_card(shipment.pk), card_oob=True)
    parts = ("shipment",) if action in ("pick", "pack") else ("shipment", "ready")
    return _fragments(request, "warehouse/shipping.html", *parts, context=context)


# --- pick waves -----------------------------------------------------------------------------------


@permission_required("warehouse.add_shipment", raise_exception=True)
@require_POST
def wave_release_view(request):
    """Release a pick wave at the shipping screen's organization; on to the wave's page."""
    organization = get_object_or_404(Organization, code=request.POST.get("organization", ""))
    back = f"{reverse('warehouse:shipping')}?organization={organization.code}"
    form = WaveReleaseForm(
        request.POST, customers=selectors.customers_with_lines_ready(organization.code)
    )
    if not form.is_valid():
        for field, errors in form.errors.items():
            messages.error(request, f"{form.fields[field].label or field.title()}: {errors[0]}")
        return redirect(back)
    try:
        wave = wave_release(
            organization=organization, acting_user=request.user, **form.cleaned_data
        )
    except BusinessRuleError as exc:
        messages.error(request, exc.message)
        return redirect(back)
    figures = selectors.wave_detail(wave.number)
    messages.success(
        request,
        f"{wave.number} released: {intcomma(figures.line_count)} lines in "
        f"{intcomma(figures.shipment_count)} shipments. Pick it next.",
    )
    return redirect("warehouse:wave", number=wave.number)


def _wave(number: str) -> PickWave:
    try:
        return selectors.wave_detail(number)
    except PickWave.DoesNotExist:
        raise Http404(f"No pick wave {number}.") from None


@permission_required("warehouse.view_shipment", raise_exception=True)
def wave(request, number: str):
    wave = _wave(number)
    timeline = timeline_of(wave)
    return render(
        request,
        "warehouse/wave.html",
        {
            "wave": wave,
            "shipments": selectors.wave_shipments(wave),
            "pick_list": selectors.wave_pick_list(wave),
            "timeline": timeline,
            "can_change": request.user.has_perm("warehouse.change_shipment"),
        },
    )


WAVE_DONE = {"pick": "picked: pack it next", "pack": "packed: ship confirm it next"}


@permission_required("warehouse.change_shipment", raise_exception=True)
@require_POST
def wave_action(request, number: str, action: str):
    wave = _wave(number)
    if action not in (*WAVE_DONE, "confirm"):
        return HttpResponse(status=404)
    try:
        if action == "confirm":
            shipments = list(wave.shipments.all())

            def text(name, label):
                return posted_text(request.POST, name, max_length=60, label=label)

            wave_confirm(
                wave=wave,
                carrier=text("carrier", "Carrier"),
                tracking_numbers={
                    s.pk: text(f"tracking_{s.pk}", f"Tracking number of {s.number}")
                    for s in shipments
                },
                carriers={
                    s.pk: text(f"carrier_{s.pk}", f"Carrier of {s.number}") for s in shipments
                },
                acting_user=request.user,
            )
            done = SHIPPED
        else:
            wave_move(wave=wave, action=action, acting_user=request.user)
            done = WAVE_DONE[action]
    except (BusinessRuleError, PermissionDenied) as exc:
        messages.error(request, getattr(exc, "message", None) or str(exc))
    else:
        messages.success(request, f"{wave.number} {done}.")
    return redirect("warehouse:wave", number=wave.number)


# --- shipments and receipts -------------------------------------------------------------------


@permission_required("warehouse.view_shipment", raise_exception=True)
def shipments(request):
    """The shipments history: shipped ones by default (newest first), searchable by shipment,
    customer, carrier, tracking or sales order; any status on request."""
    search = request.GET.get("q", "").strip()[:100]
    status = request.GET.get("status", Shipment.Status.SHIPPED)
    if status not in Shipment.Status.values:
        status = ""  # "all statuses"
    organization = request.GET.get("organization", "")
    rows = selectors.shipments(status=status, organization=organization, search=search)
    page, query = paginate(request, rows)
    return render(
        request,
        "warehouse/shipments.html",
        {
            "page": page,
            "query": query,
            "q": search,
            "status": status,
            "statuses": Shipment.Status.choices,
            "organization": organization,
            "organizations": Organization.objects.order_by("code"),
        },
    )


@permission_required("warehouse.view_shipment", raise_exception=True)
def shipment(request, number: str):
    """One shipment: its lines, carrier and tracking, packing slip, invoices and timeline."""
    try:
        shipment = selectors.shipment_detail(number)
    except Shipment.DoesNotExist:
        raise Http404(f"No shipment {number}.") from None
    timeline = timeline_of(shipment)
    return render(
        request,
        "warehouse/shipment.html",
        {
            "shipment": shipment,
            "lines": shipment.lines_out,
            "invoices": invoices_of_shipment(shipment),
            "timeline": timeline,
            "can_change": request.user.has_perm("warehouse.change_shipment"),
        },
    )


@permission_required("warehouse.view_receipt", raise_exception=True)
def receipts(request):
    """The receipts history, newest first: searchable by receipt, ship notice, PO, transfer or
    supplier, at an organization."""
    search = request.GET.get("q", "").strip()[:100]
    organization = request.GET.get("organization", "")
    rows = selectors.receipts(organization=organization, search=search)
    page, query = paginate(request, rows)
    for row in page:
        # A whole delivery received on one receipt names each PO it received.
        row.purchase_orders = selectors.purchase_orders_of(row)
    return render(
        request,
        "warehouse/receipts.html",
        {
            "page": page,
            "query": query,
            "q": search,
            "organization": organization,
            "organizations": Organization.objects.order_by("code"),
        },
    )


@permission_required("warehouse.view_receipt", raise_exception=True)
def receipt(request, number: str):
    """One receipt: what arrived on which PO or transfer line, and for which sales order."""
    try:
        receipt = selectors.receipt_detail(number)
    except Receipt.DoesNotExist:
        raise Http404(f"No receipt {number}.") from None
    return render(
        request, "warehouse/receipt.html", {"receipt": receipt, "lines": receipt.lines_out}
    )


@permission_required("warehouse.view_shipment", raise_exception=True)
def packing_slip(request, number: str):
    shipment = get_object_or_404(
        Shipment.objects.select_related("customer", "organization"), number=number
    )
    lines = list(
        shipment.lines.select_related("demand_line__order", "demand_line__item").order_by("id")
    )
    return render(
        request,
        "warehouse/packing_slip.html",
        {
            "shipment": shipment,
            "lines": lines,
            "customer_pos": sorted(
                {line.demand_line.order.external_reference for line in lines} - {""}
            ),
            "company_name": getattr(settings, "COMPANY_NAME", "B2B Portal"),
            "company_address": getattr(settings, "COMPANY_ADDRESS", ""),
        },
    )
