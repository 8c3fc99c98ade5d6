"""Supply orders API (docs/api.md)."""

import datetime

from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema
from ninja.pagination import paginate

from catalog.models import SOURCE_TYPES
from core.api import (
    InputSchema,
    PlainText,
    PriceIn,
    Quantity,
    choice_filter,
    choice_of,
    require_permission,
)
from core.exceptions import FieldErrors
from core.paging import KeysFirstPagination
from orders.api import SalesOrderOut, order_out
from orders.models import SalesOrder
from supply import selectors
from supply.models import SupplyException, SupplyOrder
from supply.services import (
    SourceChoice,
    line_choose_source,
    supply_order_cancel_supply,
    supply_order_choose_source,
    supply_order_retry,
)

router = Router(tags=["supply"])


class SupplyDocumentOut(Schema):
    type: str = Field(alias="document_type")
    number: str = Field(alias="document_number")
    line_number: int | None = Field(alias="document_line_number")
    status: str = Field(alias="document_status")
    quantity: Quantity


class SupplyOrderOut(Schema):
    number: str
    sales_order: str = Field(alias="demand_line.order.number")
    sales_order_line: int = Field(alias="demand_line.line_number")
    item: str = Field(alias="demand_line.item.sku")
    supply_type: choice_of(SOURCE_TYPES)
    status: choice_of(SupplyOrder.Status)
    quantity: Quantity
    need_by_date: datetime.date
    supplier: str | None = Field(default=None, alias="supplier.number")
    source_organization: str | None = Field(default=None, alias="source_organization.code")
    exception: str = Field(alias="exception_reason")


class SupplyExceptionOut(Schema):
    kind: choice_of(SupplyException.Kind)
    reason: str
    raised_at: datetime.datetime
    resolved_at: datetime.datetime | None
    resolved_by: str | None = Field(default=None, alias="resolved_by.username")
    resolution: str


class SupplyOrderDetailOut(SupplyOrderOut):
    documents: list[SupplyDocumentOut]
    exceptions: list[SupplyExceptionOut] = Field(alias="exception_list")


class AlternativeSourceIn(InputSchema):
    type: choice_of(SOURCE_TYPES)
    supplier: str | None = Field(default=None, max_length=40)
    source_organization: str | None = Field(default=None, max_length=20)
    # With a price (Buy) and a lead time the source needs no sourcing rule: any supplier, any
    # organization that has the item, the plant's bill of materials.
    unit_price: PriceIn | None = None
    lead_time_days: int | None = Field(default=None, ge=0, le=365)

    def choice(self) -> SourceChoice:
        if self.type == "BUY" and not self.supplier:
            raise FieldErrors([("supplier", "Say which supplier to buy from.")])
        if self.type == "TRANSFER" and not self.source_organization:
            raise FieldErrors([("source_organization", "Say which organization ships it.")])
        return SourceChoice(
            type=self.type,
            supplier=self.supplier or "",
            source_organization=self.source_organization or "",
            unit_price=self.unit_price,
            lead_time_days=self.lead_time_days,
        )


class LineSourceIn(InputSchema):
    """A source for a backordered line; without `source`, the best feasible one by the rules."""

    source: AlternativeSourceIn | None = None


class CancelSupplyIn(InputSchema):
    reason: PlainText = Field(min_length=1, max_length=200)


@router.get("/supply-orders", response=list[SupplyOrderOut])
@paginate(KeysFirstPagination)
def list_supply_orders(
    request,
    status: choice_filter(SupplyOrder.Status) = "",
    sales_order: str = "",
    type: choice_filter(SOURCE_TYPES) = "",
    exception: choice_filter(SupplyException.Kind) = "",
):
    """Supply orders, newest first; `exception=` a kind keeps those with an open exception of
    that kind."""
    require_permission(request, "supply.view_supplyorder")
    return selectors.supply_orders(
        status=status, sales_order=sales_order, supply_type=type, exception=exception
    )


@router.get("/supply-orders/{number}", response=SupplyOrderDetailOut)
def get_supply_order(request, number: str):
    require_permission(request, "supply.view_supplyorder")
    supply_order = get_object_or_404(selectors.supply_orders(), number=number)
    supply_order.documents = selectors.supply_documents(supply_order)
    supply_order.exception_list = selectors.exceptions_of(supply_order)
    return supply_order


@router.post("/supply-orders/{number}/retry", response=SupplyOrderDetailOut)
def retry_supply_order(request, number: str):
    """Supply what the line of a supply order in EXCEPTION lacks again, from the same source
    (409 when its documents still cover the line, or the source still refuses)."""
    require_permission(request, "supply.change_supplyorder")
    supply_order = get_object_or_404(selectors.supply_orders(), number=number)
    supply_order_retry(supply_order=supply_order, acting_user=request.user)
    return get_supply_order(request, number)


@router.post("/supply-orders/{number}/alternative-source", response=SupplyOrderDetailOut)
def alternative_source(request, number: str, payload: AlternativeSourceIn):
    """Cover what the line of a supply order in EXCEPTION lacks from another source: one of
    the sourcing rules' candidates (409 with its reason when it is not feasible)."""
    require_permission(request, "supply.change_supplyorder")
    choice = payload.choice()
    supply_order = get_object_or_404(selectors.supply_orders(), number=number)
    supply_order_choose_source(supply_order=supply_order, choice=choice, acting_user=request.user)
    return get_supply_order(request, number)


@router.post("/sales-orders/{number}/lines/{line_number}/source", response=SalesOrderOut)
def source_backordered_line(request, number: str, line_number: int, payload: LineSourceIn):
    """Supply a BACKORDERED line now: from `source` (a sourcing rule's candidate, or with
    `unit_price` and `lead_time_days` any supplier or organization that has the item), or
    without it from the best feasible source by the rules. Its document is created at once;
    409 when the line is not backordered or the source cannot supply it."""
    require_permission(request, "supply.change_supplyorder")
    order = get_object_or_404(SalesOrder, number=number)
    line = get_object_or_404(order.lines.select_related("item"), line_number=line_number)
    try:
        choice = payload.source.choice() if payload.source is not None else None
        line_choose_source(line=line, choice=choice, acting_user=request.user)
    except FieldErrors as exc:
        # errors[].field is a path into the request: the source's fields are under "source".
        raise FieldErrors([(f"source.{field}", message) for field, message in exc.errors]) from None
    return order_out(SalesOrder.objects.select_related("customer").get(pk=order.pk))


@router.post("/supply-orders/{number}/re-promise", response=SupplyOrderDetailOut)
def re_promise(request, number: str):
    """Cover what the line of a supply order in EXCEPTION lacks from the best feasible source
    by the sourcing rules now (409 when none is feasible)."""
    require_permission(request, "supply.change_supplyorder")
    supply_order = get_object_or_404(selectors.supply_orders(), number=number)
    supply_order_choose_source(supply_order=supply_order, choice=None, acting_user=request.user)
    return get_supply_order(request, number)


@router.post("/supply-orders/{number}/cancel", response=SupplyOrderDetailOut)
def cancel_supply(request, number: str, payload: CancelSupplyIn):
    """Give up a supply order in EXCEPTION: its supply still to come is taken back and the
    line is backordered for re-promising."""
    require_permission(request, "supply.change_supplyorder")
    supply_order = get_object_or_404(selectors.supply_orders(), number=number)
    supply_order_cancel_supply(
        supply_order=supply_order, reason=payload.reason, acting_user=request.user
    )
    return get_supply_order(request, number)
