from decimal import Decimal

from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema, Status
from ninja.pagination import LimitOffsetPagination, paginate

from catalog.models import Item, Organization
from core.api import Quantity, require_permission
from core.exceptions import BusinessRuleError
from warehouse import selectors
from warehouse.services import inventory_adjust

router = Router(tags=["inventory"])


class BalanceOut(Schema):
    item: str = Field(alias="item.sku")
    organization: str = Field(alias="organization.code")
    on_hand: Quantity
    reserved: Quantity
    available: Quantity = Field(alias="available_qty")
    in_transit: Quantity


class AdjustmentIn(Schema):
    item: str
    organization: str
    quantity: Decimal = Field(max_digits=15, decimal_places=3)
    reason: str = Field(min_length=1, max_length=200)


class AdjustmentOut(Schema):
    id: int
    item: str = Field(alias="item.sku")
    organization: str = Field(alias="organization.code")
    quantity: Quantity
    reason: str
    balance: BalanceOut


@router.get("/inventory", response=list[BalanceOut])
@paginate(LimitOffsetPagination)
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
@paginate(LimitOffsetPagination)
def list_reservations(request, sales_order: str = "", item: str = "", organization: str = ""):
    """Active reservations: on hand, or against a supply document."""
    require_permission(request, "warehouse.view_reservation")
    return selectors.active_reservations(
        sales_order=sales_order, item=item, organization=organization
    )
