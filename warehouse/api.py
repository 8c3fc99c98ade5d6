import datetime
from typing import Annotated

from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import AfterValidator

from catalog.models import Customer, Item, Organization
from core.api import (
    DateIn,
    InputSchema,
    PlainText,
    Quantity,
    QuantityIn,
    SignedQuantityIn,
    choice_filter,
    choice_of,
    require_permission,
    unique_line_numbers,
)
from core.exceptions import BusinessRuleError, FieldErrors, InvalidTransition
from core.paging import KeysFirstPagination
from orders.models import FulfillmentLine
from procurement.models import PurchaseOrder
from supply.flows.receive import (
    RECEIPT_MAX_LINES,
    PurchaseOrderReceiveLine,
    open_lines_of,
    purchase_orders_receive,
)
from supply.flows.ship import shipment_confirm, wave_confirm
from supply.flows.transfer import transfer_order_cancel, transfer_order_receive
from warehouse import selectors
from warehouse.models import PickWave, Receipt, Shipment, TransferOrder, TransferOrderLine
from warehouse.services import ReceiveLine, inventory_adjust
from warehouse.shipments import ShipLine, shipment_cancel, shipment_create, shipment_move
from warehouse.transfers import transfer_order_ship
from warehouse.waves import wave_move, wave_release

router = Router(tags=["inventory"])


class BalanceOut(Schema):
    item: str = Field(alias="item.sku")
    organization: str = Field(alias="organization.code")
    on_hand: Quantity
    reserved: Quantity
    available: Quantity = Field(alias="available_qty")
    in_transit: Quantity


class AdjustmentIn(InputSchema):
    item: str
    organization: str
    quantity: SignedQuantityIn
    reason: PlainText = Field(min_length=1, max_length=200)


class AdjustmentOut(Schema):
    id: int
    item: str = Field(alias="item.sku")
    organization: str = Field(alias="organization.code")
    quantity: Quantity
    reason: str
    balance: BalanceOut


@router.get("/inventory", response=list[BalanceOut])
@paginate(KeysFirstPagination)
def list_inventory(request, item: str = "", organization: str = ""):
    require_permission(request, "warehouse.view_inventorybalance")
    return selectors.inventory_balances(item=item, organization=organization)


def _master(model, field: str, value: str, what: str):
    record = model.objects.filter(**{field: value}).first()
    if record is None:
        raise BusinessRuleError(f"Unknown {what} “{value}”.", field=what)
    return record


@router.post("/inventory/adjustments", response={201: AdjustmentOut})
def create_adjustment(request, payload: AdjustmentIn):
    """Post a signed adjustment; refused (422) when it would take reserved stock."""
    require_permission(request, "warehouse.adjust_inventorybalance")
    item = _master(Item, "sku", payload.item, "item")
    organization = _master(Organization, "code", payload.organization, "organization")
    row = inventory_adjust(
        item=item,
        organization=organization,
        quantity=payload.quantity,
        reason=payload.reason,
        acting_user=request.user,
    )
    balance = get_object_or_404(
        selectors.inventory_balances(item=item.sku, organization=organization.code)
    )
    row.balance = balance
    return Status(201, row)


class ReservationOut(Schema):
    sales_order: str = Field(alias="demand_line.order.number")
    line_number: int = Field(alias="demand_line.line_number")
    item: str = Field(alias="item.sku")
    organization: str = Field(alias="organization.code")
    quantity: Quantity
    supply_source: str
    document: str = Field(alias="document_number")


@router.get("/reservations", response=list[ReservationOut])
@paginate(KeysFirstPagination)
def list_reservations(request, sales_order: str = "", item: str = "", organization: str = ""):
    """Active reservations: on hand, or against a supply document."""
    require_permission(request, "warehouse.view_reservation")
    return selectors.active_reservations(
        sales_order=sales_order, item=item, organization=organization
    )


# --- receipts and shipments ---------------------------------------------------------------------


MAX_LINE = 2**31 - 1


class ReceiptLineIn(InputSchema):
    purchase_order: str | None = Field(
        default=None,
        min_length=1,
        max_length=20,
        description="The line's PO, when the receipt covers several (default: the receipt's).",
    )
    line_number: int = Field(ge=1, le=MAX_LINE)
    quantity: QuantityIn | None = Field(
        default=None, description="Received; left out: whatever is still open on the line."
    )


def _each_line_once(lines: list[ReceiptLineIn]) -> list[ReceiptLineIn]:
    return unique_line_numbers(lines, key=lambda line: (line.purchase_order, line.line_number))


class ReceiptIn(InputSchema):
    """What arrived: on purchase orders (named lines, or every open line of the POs named) or
    on a transfer order at its destination."""

    purchase_order: str | None = Field(default=None, min_length=1, max_length=20)
    purchase_orders: list[str] = Field(
        default=[],
        max_length=200,
        description="POs whose every open line is received with what is still open on it "
        "(an advance ship notice).",
    )
    transfer_order: str | None = Field(default=None, min_length=1, max_length=20)
    reference: PlainText = Field(
        default="", max_length=40, description="The supplier's advance ship notice number."
    )
    lines: Annotated[list[ReceiptLineIn], AfterValidator(_each_line_once)] = Field(
        default=[], max_length=RECEIPT_MAX_LINES, description="Each document line at most once."
    )


class ReceiptLineOut(Schema):
    purchase_order: str | None = None
    line_number: int = Field(alias="document_line.line_number")
    item: str = Field(alias="document_line.item.sku")
    quantity: Quantity
    reserved_quantity: Quantity
    unreserved_quantity: Quantity
    sales_order: str = Field(alias="demand_line.order.number")
    sales_order_line: int = Field(alias="demand_line.line_number")

    @staticmethod
    def resolve_purchase_order(line) -> str | None:
        return line.purchase_order_line.purchase_order.number if line.purchase_order_line else None


class ReceiptOut(Schema):
    number: str
    purchase_order: str | None = Field(default=None, alias="purchase_order.number")
    purchase_orders: list[str] = []
    transfer_order: str | None = Field(default=None, alias="transfer_order.number")
    reference: str
    organization: str = Field(alias="organization.code")
    received_at: datetime.datetime
    lines: list[ReceiptLineOut] = Field(alias="lines_out")

    @staticmethod
    def resolve_purchase_orders(receipt) -> list[str]:
        return selectors.purchase_orders_of(receipt)


class ShipmentLineIn(InputSchema):
    sales_order: str = Field(min_length=1, max_length=20)
    line_number: int = Field(ge=1, le=MAX_LINE)
    quantity: QuantityIn | None = None


class ShipmentIn(InputSchema):
    organization: str = Field(min_length=1, max_length=20)
    lines: list[ShipmentLineIn] = Field(min_length=1, max_length=500)


class ConfirmIn(InputSchema):
    carrier: PlainText = Field(default="", max_length=60)
    tracking_number: PlainText = Field(default="", max_length=60)


class ShipmentLineOut(Schema):
    sales_order: str = Field(alias="demand_line.order.number")
    line_number: int = Field(alias="demand_line.line_number")
    item: str = Field(alias="demand_line.item.sku")
    quantity: Quantity
    status: choice_of(FulfillmentLine.Status) = Field(alias="demand_line.status")


class ShipmentOut(Schema):
    number: str
    organization: str = Field(alias="organization.code")
    customer: str = Field(alias="customer.number")
    status: choice_of(Shipment.Status)
    carrier: str
    tracking_number: str
    ship_date: datetime.date | None
    lines: list[ShipmentLineOut] = Field(alias="lines_out")


def _receipt(number: str):
    try:
        return selectors.receipt_detail(number)
    except Receipt.DoesNotExist:
        raise Http404(f"No receipt {number}.") from None


def _shipment(number: str):
    try:
        return selectors.shipment_detail(number)
    except Shipment.DoesNotExist:
        raise Http404(f"No shipment {number}.") from None


class ReceiptSummary(Schema):
    """A receipt in a list: its header, line count and quantity (its lines: GET one)."""

    number: str
    purchase_order: str | None = Field(default=None, alias="purchase_order.number")
    purchase_orders: list[str] = Field(
        default=[], description="The purchase orders of its lines (none on a transfer receipt)."
    )
    transfer_order: str | None = Field(default=None, alias="transfer_order.number")
    reference: str
    organization: str = Field(alias="organization.code")
    received_at: datetime.datetime
    line_count: int
    quantity: Quantity

    @staticmethod
    def resolve_purchase_orders(receipt) -> list[str]:
        return selectors.purchase_orders_of(receipt)


class ShipmentSummary(Schema):
    """A shipment in a list: its header, line count and quantity (its lines: GET one)."""

    number: str
    organization: str = Field(alias="organization.code")
    customer: str = Field(alias="customer.number")
    status: choice_of(Shipment.Status)
    carrier: str
    tracking_number: str
    ship_date: datetime.date | None
    wave: str | None = Field(default=None, alias="wave.number")
    line_count: int
    quantity: Quantity


@router.get("/receipts", response=list[ReceiptSummary])
@paginate(KeysFirstPagination)
def list_receipts(
    request,
    organization: str = "",
    purchase_order: str = "",
    transfer_order: str = "",
):
    """Receipts newest first, at an organization, on a purchase order or a transfer order."""
    require_permission(request, "warehouse.view_receipt")
    return selectors.receipts(
        organization=organization, purchase_order=purchase_order, transfer_order=transfer_order
    )


@router.get("/shipments", response=list[ShipmentSummary])
@paginate(KeysFirstPagination)
def list_shipments(
    request,
    status: choice_filter(Shipment.Status) = "",
    organization: str = "",
    customer: str = "",
    sales_order: str = "",
):
    """Shipments newest first, by status, organization, customer or sales order."""
    require_permission(request, "warehouse.view_shipment")
    return selectors.shipments(
        status=status, organization=organization, customer=customer, sales_order=sales_order
    )


@router.post("/receipts", response={201: ReceiptOut})
def create_receipt(request, payload: ReceiptIn):
    """Receive on OPEN POs — named lines, or every open line of the POs named, in one receipt
    (over-receipt beyond tolerance → 422, nothing written) — or on a SHIPPED transfer order at
    its destination (more than shipped → 422)."""
    require_permission(request, "warehouse.add_receipt")
    on_purchase_orders = (
        payload.purchase_order
        or payload.purchase_orders
        or any(line.purchase_order for line in payload.lines)
    )
    if bool(on_purchase_orders) == (payload.transfer_order is not None):
        raise BusinessRuleError(
            "Name either the purchase order or the transfer order received (one or more "
            "purchase orders, or one transfer order).",
            field="purchase_order",
        )
    if payload.transfer_order is not None:
        if not payload.lines or any(line.quantity is None for line in payload.lines):
            raise BusinessRuleError(
                "List each transfer line received with its quantity.", field="lines"
            )
        transfer_order = _master(TransferOrder, "number", payload.transfer_order, "transfer_order")
        receipt = transfer_order_receive(
            transfer_order=transfer_order,
            lines=[ReceiveLine(line.line_number, line.quantity) for line in payload.lines],
            acting_user=request.user,
        )
        return Status(201, _receipt(receipt.number))
    receipt = purchase_orders_receive(
        _receipt_lines(payload), reference=payload.reference, acting_user=request.user
    )
    return Status(201, _receipt(receipt.number))


def _receipt_lines(payload: ReceiptIn) -> list[PurchaseOrderReceiveLine]:
    """The PO lines a receipt names: its lines (each on its own PO or the receipt's), then
    every other open line of the POs received whole (`purchase_orders`, or `purchase_order`
    without lines)."""
    whole = list(payload.purchase_orders)
    if payload.purchase_order and not payload.lines:
        whole.append(payload.purchase_order)
    named = {line.purchase_order or payload.purchase_order for line in payload.lines}
    pos = {po.number: po for po in PurchaseOrder.objects.filter(number__in=named | set(whole))}
    errors = [
        (f"purchase_orders[{index}]", f"Unknown purchase order “{number}”.")
        for index, number in enumerate(payload.purchase_orders)
        if number not in pos
    ]
    if payload.purchase_order and payload.purchase_order not in pos:
        errors.append(("purchase_order", f"Unknown purchase order “{payload.purchase_order}”."))
    for index, line in enumerate(payload.lines):
        number = line.purchase_order or payload.purchase_order
        if number is None:
            errors.append((f"lines[{index}].purchase_order", "Name the line's purchase order."))
        elif number not in pos and line.purchase_order:
            errors.append((f"lines[{index}].purchase_order", f"Unknown purchase order “{number}”."))
    if errors:
        raise FieldErrors(errors)
    lines = [
        PurchaseOrderReceiveLine(
            pos[line.purchase_order or payload.purchase_order], line.line_number, line.quantity
        )
        for line in payload.lines
    ]
    listed = {(line.purchase_order.pk, line.line_number) for line in lines}
    everything = open_lines_of([pos[number] for number in dict.fromkeys(whole)])
    lines += [
        line for line in everything if (line.purchase_order.pk, line.line_number) not in listed
    ]
    if not lines:
        raise InvalidTransition(f"Nothing is left to receive on {', '.join(whole)}.")
    return lines


@router.get("/receipts/{number}", response=ReceiptOut)
def get_receipt(request, number: str):
    require_permission(request, "warehouse.view_receipt")
    return _receipt(number)


@router.post("/shipments", response={201: ShipmentOut})
def create_shipment(request, payload: ShipmentIn):
    require_permission(request, "warehouse.add_shipment")
    organization = _master(Organization, "code", payload.organization, "organization")
    lines, errors = [], []
    for index, line in enumerate(payload.lines):
        demand = (
            FulfillmentLine.objects.filter(
                order__number=line.sales_order, line_number=line.line_number
            )
            .select_related("order")
            .first()
        )
        if demand is None:
            errors.append((f"lines[{index}]", f"No line {line.line_number} on {line.sales_order}."))
        else:
            lines.append(ShipLine(demand, line.quantity))
    if errors:
        raise FieldErrors(errors)
    shipment = shipment_create(organization=organization, lines=lines, acting_user=request.user)
    return Status(201, _shipment(shipment.number))


@router.get("/shipments/{number}", response=ShipmentOut)
def get_shipment(request, number: str):
    require_permission(request, "warehouse.view_shipment")
    return _shipment(number)


@router.post("/shipments/{number}/pick", response=ShipmentOut)
def pick(request, number: str):
    require_permission(request, "warehouse.change_shipment")
    shipment_move(shipment=_shipment(number), action="pick", acting_user=request.user)
    return _shipment(number)


@router.post("/shipments/{number}/pack", response=ShipmentOut)
def pack(request, number: str):
    require_permission(request, "warehouse.change_shipment")
    shipment_move(shipment=_shipment(number), action="pack", acting_user=request.user)
    return _shipment(number)


@router.post("/shipments/{number}/confirm", response=ShipmentOut)
def confirm(request, number: str, payload: ConfirmIn | None = None):
    """Ship confirm, exactly once: a second confirm of the same shipment answers 409."""
    require_permission(request, "warehouse.change_shipment")
    payload = payload or ConfirmIn()
    shipment_confirm(
        shipment=_shipment(number),
        carrier=payload.carrier,
        tracking_number=payload.tracking_number,
        acting_user=request.user,
    )
    return _shipment(number)


@router.post("/shipments/{number}/cancel", response=ShipmentOut)
def cancel_shipment(request, number: str):
    require_permission(request, "warehouse.change_shipment")
    shipment_cancel(shipment=_shipment(number), acting_user=request.user)
    return _shipment(number)


# --- pick waves ---------------------------------------------------------------------------------


class WaveIn(InputSchema):
    """Release every line ready to ship at the organization (wholly reserved on hand, on no
    shipment), narrowed to one customer and/or to lines scheduled by a day."""

    organization: str = Field(min_length=1, max_length=20)
    customer: str | None = Field(default=None, min_length=1, max_length=20)
    ship_by: DateIn | None = None
    carrier: PlainText = Field(default="", max_length=60)


class WaveConfirmIn(InputSchema):
    carrier: PlainText = Field(
        default="", max_length=60, description="Default: the wave's carrier."
    )
    tracking_numbers: dict[str, Annotated[PlainText, Field(max_length=60)]] = Field(
        default={}, description="Tracking number by shipment number (optional)."
    )
    carriers: dict[str, Annotated[PlainText, Field(max_length=60)]] = Field(
        default={},
        description="Carrier by shipment number, for shipments that go with another carrier "
        "than `carrier` (optional).",
    )


class WaveShipmentOut(Schema):
    number: str
    customer: str = Field(alias="customer.number")
    status: choice_of(Shipment.Status)
    lines: int = Field(alias="line_count")
    quantity: Quantity
    tracking_number: str


class WaveOut(Schema):
    number: str
    organization: str = Field(alias="organization.code")
    status: choice_of(PickWave.Status)
    customer: str | None = Field(default=None, alias="customer.number")
    ship_by: datetime.date | None
    carrier: str
    created_at: datetime.datetime
    shipments: list[WaveShipmentOut] = Field(alias="shipments_out")


def _wave(number: str) -> PickWave:
    try:
        wave = selectors.wave_detail(number)
    except PickWave.DoesNotExist:
        raise Http404(f"No pick wave {number}.") from None
    wave.shipments_out = list(selectors.wave_shipments(wave))
    return wave


@router.post("/pick-waves", response={201: WaveOut})
def release_wave(request, payload: WaveIn):
    """Release a pick wave: one shipment per customer (nothing ready → 422)."""
    require_permission(request, "warehouse.add_shipment")
    organization = _master(Organization, "code", payload.organization, "organization")
    customer = payload.customer and _master(Customer, "number", payload.customer, "customer")
    wave = wave_release(
        organization=organization,
        customer=customer or None,
        ship_by=payload.ship_by,
        carrier=payload.carrier,
        acting_user=request.user,
    )
    return Status(201, _wave(wave.number))


@router.get("/pick-waves/{number}", response=WaveOut)
def get_wave(request, number: str):
    require_permission(request, "warehouse.view_shipment")
    return _wave(number)


@router.post("/pick-waves/{number}/pick", response=WaveOut)
def pick_wave(request, number: str):
    require_permission(request, "warehouse.change_shipment")
    wave_move(wave=_wave(number), action="pick", acting_user=request.user)
    return _wave(number)


@router.post("/pick-waves/{number}/pack", response=WaveOut)
def pack_wave(request, number: str):
    require_permission(request, "warehouse.change_shipment")
    wave_move(wave=_wave(number), action="pack", acting_user=request.user)
    return _wave(number)


@router.post("/pick-waves/{number}/confirm", response=WaveOut)
def confirm_wave(request, number: str, payload: WaveConfirmIn | None = None):
    """Ship confirm every packed shipment of the wave, exactly once (again: 409)."""
    require_permission(request, "warehouse.change_shipment")
    payload = payload or WaveConfirmIn()
    wave = _wave(number)
    by_number = {shipment.number: shipment.pk for shipment in wave.shipments_out}
    unknown = [
        (f"{field}.{shipment}", f"{shipment} is not a shipment of {wave.number}.")
        for field, given in (
            ("tracking_numbers", payload.tracking_numbers),
            ("carriers", payload.carriers),
        )
        for shipment in given
        if shipment not in by_number
    ]
    if unknown:
        raise FieldErrors(unknown)
    wave_confirm(
        wave=wave,
        carrier=payload.carrier,
        tracking_numbers={by_number[n]: t for n, t in payload.tracking_numbers.items()},
        carriers={by_number[n]: c for n, c in payload.carriers.items()},
        acting_user=request.user,
    )
    return _wave(number)


class TransferLineOut(Schema):
    line_number: int
    item: str = Field(alias="item.sku")
    quantity: Quantity
    quantity_shipped: Quantity
    quantity_received: Quantity


class TransferOrderOut(Schema):
    number: str
    status: choice_of(TransferOrder.Status)
    source: str = Field(alias="source.code")
    destination: str = Field(alias="destination.code")
    need_by_date: datetime.date
    ship_date: datetime.date | None
    sales_order: str = Field(alias="demand_line.order.number")
    sales_order_line: int = Field(alias="demand_line.line_number")
    customer: str = Field(alias="demand_line.order.customer.number")
    cancel_reason: str
    lines: list[TransferLineOut] = Field(alias="lines_out")


class TransferCancelIn(InputSchema):
    reason: PlainText = Field(min_length=1, max_length=200)


def _transfer(number: str) -> TransferOrder:
    transfer_order = get_object_or_404(selectors.transfer_orders(), number=number)
    transfer_order.lines_out = list(transfer_order.lines.select_related("item"))
    return transfer_order


@router.get("/transfer-orders", response=list[TransferOrderOut])
@paginate(KeysFirstPagination)
def list_transfer_orders(
    request,
    status: choice_filter(TransferOrder.Status) = "",
    source: str = "",
    destination: str = "",
):
    require_permission(request, "warehouse.view_transferorder")
    rows = selectors.transfer_orders(status=status, source=source, destination=destination)
    lines = TransferOrderLine.objects.select_related("item")
    return rows.prefetch_related(Prefetch("lines", queryset=lines, to_attr="lines_out"))


@router.get("/transfer-orders/{number}", response=TransferOrderOut)
def get_transfer_order(request, number: str):
    require_permission(request, "warehouse.view_transferorder")
    return _transfer(number)


@router.post("/transfer-orders/{number}/ship", response=TransferOrderOut)
def ship_transfer_order(request, number: str):
    """Ship from the source: on hand there down, in transit at the destination up; a second
    ship → 409."""
    require_permission(request, "warehouse.change_transferorder")
    transfer_order_ship(transfer_order=_transfer(number), acting_user=request.user)
    return _transfer(number)


@router.post("/transfer-orders/{number}/cancel", response=TransferOrderOut)
def cancel_transfer_order(request, number: str, payload: TransferCancelIn):
    require_permission(request, "warehouse.change_transferorder")
    transfer_order_cancel(
        transfer_order=_transfer(number), reason=payload.reason, acting_user=request.user
    )
    return _transfer(number)
