"""Supply orders API (DESIGN §9)."""

import datetime

from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema
from ninja.pagination import paginate

from catalog.models import SOURCE_TYPES
from core.api import Quantity, choice_filter, choice_of, require_permission
from core.paging import KeysFirstPagination
from supply import selectors
from supply.models import SupplyOrder
from supply.services import supply_order_retry

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


class SupplyOrderDetailOut(SupplyOrderOut):
    documents: list[SupplyDocumentOut]


@router.get("/supply-orders", response=list[SupplyOrderOut])
@paginate(KeysFirstPagination)
def list_supply_orders(
    request,
    status: choice_filter(SupplyOrder.Status) = "",
    sales_order: str = "",
    type: choice_filter(SOURCE_TYPES) = "",
):
    require_permission(request, "supply.view_supplyorder")
    return selectors.supply_orders(status=status, sales_order=sales_order, supply_type=type)


@router.get("/supply-orders/{number}", response=SupplyOrderDetailOut)
def get_supply_order(request, number: str):
    require_permission(request, "supply.view_supplyorder")
    supply_order = get_object_or_404(selectors.supply_orders(), number=number)
    supply_order.documents = selectors.supply_documents(supply_order)
    return supply_order


@router.post("/supply-orders/{number}/retry", response=SupplyOrderDetailOut)
def retry_supply_order(request, number: str):
    """Create the document of a supply order in EXCEPTION again, from the same source (409
    when a document still works for it, or the source still refuses)."""
    require_permission(request, "supply.change_supplyorder")
    supply_order = get_object_or_404(selectors.supply_orders(), number=number)
    supply_order_retry(supply_order=supply_order, acting_user=request.user)
    return get_supply_order(request, number)
