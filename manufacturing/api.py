import datetime

from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema
from ninja.pagination import paginate

from core.api import (
    InputSchema,
    PlainText,
    Quantity,
    QuantityIn,
    choice_filter,
    choice_of,
    require_permission,
)
from core.exceptions import FieldErrors
from core.paging import KeysFirstPagination
from manufacturing import selectors
from manufacturing.models import WorkOrder
from manufacturing.services import (
    work_order_issue_materials,
    work_order_release,
    work_order_scrap_components,
)
from supply.flows.make import work_order_cancel, work_order_complete

router = Router(tags=["manufacturing"])


class ComponentOut(Schema):
    item: str = Field(alias="item.sku")
    quantity_per_unit: Quantity
    quantity_required: Quantity
    quantity_issued: Quantity
    quantity_scrapped: Quantity
    quantity_returned: Quantity
    quantity_to_issue: Quantity
    available: Quantity


class WorkOrderOut(Schema):
    number: str
    status: choice_of(WorkOrder.Status)
    organization: str = Field(alias="organization.code")
    item: str = Field(alias="item.sku")
    quantity: Quantity
    quantity_completed: Quantity
    due_date: datetime.date
    sales_order: str = Field(alias="demand_line.order.number")
    sales_order_line: int = Field(alias="demand_line.line_number")
    customer: str = Field(alias="demand_line.order.customer.number")


class WorkOrderDetailOut(WorkOrderOut):
    components: list[ComponentOut] = Field(alias="components_out")
    cancel_reason: str
    quantity_for_demand: Quantity | None = Field(
        description="Set when the demand line was cut after release: what it still needs of "
        "this work order (the rest goes to free stock when made)."
    )


class ComponentQuantityIn(InputSchema):
    item: str = Field(min_length=1, max_length=40, description="The component's SKU.")
    quantity: QuantityIn


class IssueIn(InputSchema):
    components: list[ComponentQuantityIn] = Field(
        default_factory=list,
        max_length=500,
        description="Per component the quantity to issue; empty or left out: all still to issue.",
    )


class ScrapIn(InputSchema):
    components: list[ComponentQuantityIn] = Field(min_length=1, max_length=500)
    reason: PlainText = Field(min_length=1, max_length=200)


class CompleteIn(InputSchema):
    quantity: QuantityIn


class CancelIn(InputSchema):
    reason: PlainText = Field(min_length=1, max_length=200)


def _work_order(number: str) -> WorkOrder:
    work_order = get_object_or_404(selectors.work_orders(), number=number)
    work_order.components_out = selectors.work_order_components(work_order)
    return work_order


@router.get("/work-orders", response=list[WorkOrderOut])
@paginate(KeysFirstPagination)
def list_work_orders(request, status: choice_filter(WorkOrder.Status) = "", organization: str = ""):
    require_permission(request, "manufacturing.view_workorder")
    return selectors.work_orders(status=status, organization=organization)


@router.get("/work-orders/{number}", response=WorkOrderDetailOut)
def get_work_order(request, number: str):
    require_permission(request, "manufacturing.view_workorder")
    return _work_order(number)


@router.post("/work-orders/{number}/release", response=WorkOrderDetailOut)
def release(request, number: str):
    """Hold the components at the plant; a shortage → 422 naming each short component."""
    require_permission(request, "manufacturing.change_workorder")
    work_order_release(work_order=_work_order(number), acting_user=request.user)
    return _work_order(number)


def _quantities(components: list[ComponentQuantityIn]) -> dict:
    quantities = {}
    for index, component in enumerate(components):
        if component.item in quantities:
            raise FieldErrors([(f"components[{index}].item", f"{component.item} is given twice.")])
        quantities[component.item] = component.quantity
    return quantities


@router.post("/work-orders/{number}/issue-materials", response=WorkOrderDetailOut)
def issue_materials(request, number: str, payload: IssueIn | None = None):
    """Issue components to production: without a body (or with no components) everything
    still to issue; with `components`, those quantities (a partial issue — the rest stays held).
    From RELEASED or IN_PROGRESS; more than a component still needs → 422 on that component."""
    require_permission(request, "manufacturing.change_workorder")
    quantities = _quantities(payload.components) if payload else {}
    work_order_issue_materials(
        work_order=_work_order(number), quantities=quantities or None, acting_user=request.user
    )
    return _work_order(number)


@router.post("/work-orders/{number}/scrap", response=WorkOrderDetailOut)
def scrap(request, number: str, payload: ScrapIn):
    """Issued components lost in production (IN_PROGRESS): written off, never back to stock
    on a cancellation; issue them again to replace them. More than is in production → 422."""
    require_permission(request, "manufacturing.change_workorder")
    work_order_scrap_components(
        work_order=_work_order(number),
        quantities=_quantities(payload.components),
        reason=payload.reason,
        acting_user=request.user,
    )
    return _work_order(number)


@router.post("/work-orders/{number}/complete", response=WorkOrderDetailOut)
def complete(request, number: str, payload: CompleteIn):
    """Report finished goods; more than is left to make → 422, nothing written."""
    require_permission(request, "manufacturing.change_workorder")
    work_order_complete(
        work_order=_work_order(number), quantity=payload.quantity, acting_user=request.user
    )
    return _work_order(number)


@router.post("/work-orders/{number}/cancel", response=WorkOrderDetailOut)
def cancel(request, number: str, payload: CancelIn):
    require_permission(request, "manufacturing.change_workorder")
    work_order_cancel(
        work_order=_work_order(number), reason=payload.reason, acting_user=request.user
    )
    return _work_order(number)
