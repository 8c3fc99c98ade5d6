"""Requisitions and purchase orders API (docs/api.md)."""

import datetime
from typing import Annotated

from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import AfterValidator

from catalog.models import Supplier
from core.api import (
    Amount,
    DateIn,
    InputSchema,
    PlainText,
    Price,
    PriceIn,
    Quantity,
    QuantityIn,
    choice_filter,
    choice_of,
    require_permission,
    unique_line_numbers,
)
from core.exceptions import FieldErrors
from core.paging import KeysFirstPagination
from procurement import selectors
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

router = Router(tags=["procurement"])


class RequisitionLineOut(Schema):
    id: int
    number: str
    item: str = Field(alias="item.sku")
    quantity: Quantity
    unit_price: Price
    need_by_date: datetime.date
    supplier: str = Field(alias="supplier.number")
    organization: str = Field(alias="organization.code")
    status: choice_of(RequisitionLine.Status)
    sales_order: str = Field(alias="demand_line.order.number")
    sales_order_line: int = Field(alias="demand_line.line_number")


class PurchaseOrderLineOut(Schema):
    line_number: int
    item: str = Field(alias="item.sku")
    quantity: Quantity
    unit_price: Price
    quantity_received: Quantity
    need_by_date: datetime.date
    promised_date: datetime.date | None
    status: choice_of(PurchaseOrderLine.Status)
    sales_order: str = Field(alias="demand_line.order.number")
    sales_order_line: int = Field(alias="demand_line.line_number")


class PurchaseOrderSummary(Schema):
    number: str
    supplier: str = Field(alias="supplier.number")
    organization: str = Field(alias="organization.code")
    status: choice_of(PurchaseOrder.Status)
    revision: int
    total: Amount
    acknowledgment: str
    communicated_at: datetime.datetime | None
    change_order_held_at: datetime.datetime | None = Field(
        description="Set while a change order from sales order changes waits for the buyer's "
        "review (PO_CHANGE_ORDER_REVIEW); POST …/communicate sends it."
    )


class LineChangeOut(Schema):
    line_number: int
    field: str
    before: str
    after: str


class PurchaseOrderOut(PurchaseOrderSummary):
    lines: list[PurchaseOrderLineOut] = Field(alias="lines_out")
    changes_not_sent: list[LineChangeOut] = Field(
        description="Per line and field: what the supplier was last sent → what it is now."
    )


class PurchaseOrderList(Schema):
    items: list[PurchaseOrderOut]


RequisitionId = Annotated[int, Field(ge=1, le=2**63 - 1)]
RequisitionNumber = Annotated[str, Field(min_length=1, max_length=20)]


class CreateIn(InputSchema):
    requisition_lines: list[RequisitionId | RequisitionNumber] = Field(min_length=1, max_length=500)


class ReasonIn(InputSchema):
    reason: PlainText = Field(min_length=1, max_length=300)


class LineChangeIn(InputSchema):
    quantity: QuantityIn | None = None
    promised_date: DateIn | None = None


class AcknowledgedLineIn(InputSchema):
    line_number: int = Field(ge=1, le=2**31 - 1)
    promised_date: DateIn


class AcknowledgeIn(InputSchema):
    accepted: bool
    lines: Annotated[list[AcknowledgedLineIn], AfterValidator(unique_line_numbers)] = Field(
        default_factory=list, max_length=500, description="Each PO line at most once."
    )
    note: PlainText = Field(default="", max_length=300)


def _po(number: str) -> PurchaseOrder:
    po = get_object_or_404(selectors.purchase_orders(), number=number)
    po.lines_out = list(selectors.purchase_order_lines(po))
    po.changes_not_sent = selectors.purchase_order_changes_not_sent([po]).get(po.pk, [])
    return po


def po_out(po: PurchaseOrder) -> PurchaseOrder:
    """The PO as the API shows it, read again after a change (total, lines)."""
    return _po(po.number)


@router.get("/requisition-lines", response=list[RequisitionLineOut])
@paginate(KeysFirstPagination)
def list_requisition_lines(
    request, status: choice_filter(RequisitionLine.Status) = "", supplier: str = ""
):
    require_permission(request, "procurement.view_requisitionline")
    return selectors.requisition_lines(status=status, supplier=supplier)


class RequisitionChangeIn(InputSchema):
    supplier: str | None = Field(
        default=None,
        min_length=1,
        max_length=30,
        description="Another supplier of the item (its number): one with a Buy sourcing rule.",
    )
    unit_price: PriceIn | None = None  # left out with a new supplier: its rule's price


def _requisition(number: str) -> RequisitionLine:
    return get_object_or_404(selectors.requisition_lines(), number=number)


@router.get("/requisition-lines/{number}", response=RequisitionLineOut)
def get_requisition_line(request, number: str):
    require_permission(request, "procurement.view_requisitionline")
    return _requisition(number)


@router.patch("/requisition-lines/{number}", response=RequisitionLineOut)
def change_requisition_line(request, number: str, payload: RequisitionChangeIn):
    """The buyer moves an OPEN requisition line to another supplier of its item and/or
    another unit price (logged on its timeline); once it is on a PO → 409."""
    require_permission(request, "procurement.add_purchaseorder")
    if payload.supplier is None and payload.unit_price is None:
        raise FieldErrors([("supplier", "Give another supplier or a unit_price.")])
    supplier = None
    if payload.supplier is not None:
        supplier = Supplier.objects.filter(number=payload.supplier).first()
        if supplier is None:
            raise FieldErrors([("supplier", f"Unknown supplier “{payload.supplier}”.")])
    requisition_reassign(
        requisition=_requisition(number),
        supplier=supplier,
        unit_price=payload.unit_price,
        acting_user=request.user,
    )
    return _requisition(number)


def _as_id(reference: int | str) -> int | None:
    if isinstance(reference, int):
        return reference
    if reference.isascii() and reference.isdecimal() and len(reference) < 19:
        return int(reference)
    return None


def _requisition_ids(references: list[int | str]) -> list[int]:
    """Ids or REQ numbers → ids; every unknown one is a field error with its index."""
    numbers = {r for r in references if _as_id(r) is None}
    by_number = dict(RequisitionLine.objects.filter(number__in=numbers).values_list("number", "pk"))
    wanted = [_as_id(r) if _as_id(r) is not None else by_number.get(r) for r in references]
    known = set(
        RequisitionLine.objects.filter(pk__in=[i for i in wanted if i]).values_list("pk", flat=True)
    )
    errors = [
        (f"requisition_lines[{index}]", f"Unknown requisition line “{reference}”.")
        for index, (reference, found) in enumerate(zip(references, wanted, strict=True))
        if found not in known
    ]
    if errors:
        raise FieldErrors(errors)
    return wanted


@router.post("/purchase-orders", response={201: PurchaseOrderList})
def create_purchase_orders(request, payload: CreateIn):
    """DRAFT POs from requisition lines (ids or REQ numbers): one per supplier + ship-to."""
    require_permission(request, "procurement.add_purchaseorder")
    orders = purchase_orders_create(
        requisition_line_ids=_requisition_ids(payload.requisition_lines), acting_user=request.user
    )
    return Status(201, {"items": [po_out(po) for po in orders]})


@router.get("/purchase-orders", response=list[PurchaseOrderSummary])
@paginate(KeysFirstPagination)
def list_purchase_orders(
    request,
    status: choice_filter(PurchaseOrder.Status) = "",
    supplier: str = "",
    sales_order: str = "",
    change_order_held: bool = False,
):
    require_permission(request, "procurement.view_purchaseorder")
    return selectors.purchase_orders(
        selectors.PurchaseOrderFilters(
            status=status,
            supplier=supplier,
            sales_order=sales_order,
            change_order_held=change_order_held,
        )
    )


@router.get("/purchase-orders/{number}", response=PurchaseOrderOut)
def get_purchase_order(request, number: str):
    require_permission(request, "procurement.view_purchaseorder")
    return _po(number)


@router.post("/purchase-orders/{number}/submit", response=PurchaseOrderOut)
def submit(request, number: str):
    require_permission(request, "procurement.change_purchaseorder")
    return po_out(purchase_order_submit(po=_po(number), acting_user=request.user))


@router.post("/purchase-orders/{number}/approve", response=PurchaseOrderOut)
def approve(request, number: str):
    require_permission(request, "procurement.approve_purchaseorder")
    return po_out(purchase_order_approve(po=_po(number), acting_user=request.user))


@router.post("/purchase-orders/{number}/reject", response=PurchaseOrderOut)
def reject(request, number: str, payload: ReasonIn):
    require_permission(request, "procurement.approve_purchaseorder")
    return po_out(
        purchase_order_reject(po=_po(number), reason=payload.reason, acting_user=request.user)
    )


@router.post("/purchase-orders/{number}/communicate", response=PurchaseOrderOut)
def communicate(request, number: str):
    require_permission(request, "procurement.change_purchaseorder")
    return po_out(purchase_order_communicate(po=_po(number), acting_user=request.user))


@router.post("/purchase-orders/{number}/acknowledge", response=PurchaseOrderOut)
def acknowledge(request, number: str, payload: AcknowledgeIn):
    require_permission(request, "procurement.change_purchaseorder")
    po = purchase_order_acknowledge(
        po=_po(number),
        accepted=payload.accepted,
        promised_dates={line.line_number: line.promised_date for line in payload.lines},
        note=payload.note,
        acting_user=request.user,
    )
    return po_out(po)


@router.post("/purchase-orders/{number}/cancel", response=PurchaseOrderOut)
def cancel(request, number: str, payload: ReasonIn):
    require_permission(request, "procurement.change_purchaseorder")
    return po_out(
        purchase_order_cancel(po=_po(number), reason=payload.reason, acting_user=request.user)
    )


def _po_line(number: str, line_number: int) -> PurchaseOrderLine:
    return get_object_or_404(
        PurchaseOrderLine, purchase_order__number=number, line_number=line_number
    )


@router.patch("/purchase-orders/{number}/lines/{line_number}", response=PurchaseOrderOut)
def change_line(request, number: str, line_number: int, payload: LineChangeIn):
    """The buyer's change order: a new quantity (an OPEN PO gets revision + 1, approval again
    when a larger total reaches the threshold, and goes to the supplier again) and/or the
    supplier's promised date (the pegged line is rescheduled when it is later). A cut below
    what the sales order line waits for sends the difference to the next feasible source."""
    require_permission(request, "procurement.change_purchaseorder")
    if payload.quantity is None and payload.promised_date is None:
        raise FieldErrors([("quantity", "Give a new quantity or promised_date.")])
    purchase_order_line_revise(
        po_line=_po_line(number, line_number),
        quantity=payload.quantity,
        promised_date=payload.promised_date,
        acting_user=request.user,
    )
    return po_out(_po(number))


@router.post("/purchase-orders/{number}/lines/{line_number}/cancel", response=PurchaseOrderOut)
def cancel_line(request, number: str, line_number: int, payload: ReasonIn):
    """Cancel one PO line (cut to what was received, if anything was); its sales order line's
    supply goes to the next feasible source."""
    require_permission(request, "procurement.change_purchaseorder")
    purchase_order_line_take_back(
        po_line=_po_line(number, line_number), reason=payload.reason, acting_user=request.user
    )
    return po_out(_po(number))
