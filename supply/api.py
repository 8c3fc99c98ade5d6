"""Supply orders API (DESIGN §9)."""

import datetime

from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema
from ninja.pagination import paginate

from core.api import Quantity, choice_filter, choice_of, require_permission
from core.paging import KeysFirstPagination
from supply import selectors
from supply.models import SupplyOrder

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
    supply_type: choice_of(SupplyOrder.Type)
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
    request, status: choice_filter(SupplyOrder.Status) = "", sales_order: str = ""
):
    require_permission(request, "supply.view_supplyorder")
    return selectors.supply_orders(status=status, sales_order=sales_order)


@router.get("/supply-orders/{number}", response=SupplyOrderDetailOut)
def get_supply_order(request, number: str):
    require_permission(request, "supply.view_supplyorder")
    supply_order = get_object_or_404(selectors.supply_orders(), number=number)
    supply_order.documents = selectors.supply_documents(supply_order)
    return supply_order
