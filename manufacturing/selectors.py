"""Read queries for work orders (worklist, page, API)."""

from django.db.models import Q

from manufacturing.models import WorkOrder
from warehouse.models import InventoryBalance


def work_orders(*, status: str = "", organization: str = "", q: str = ""):
    """Work orders newest first, with what the worklist shows (plant, item, sales order,
    customer) joined in one query."""
    rows = WorkOrder.objects.select_related("organization", "item", "demand_line__order__customer")
    if status:
        rows = rows.filter(status=status)
    if organization:
        rows = rows.filter(organization__code=organization)
    if q:
        rows = rows.filter(Q(number__icontains=q) | Q(item__sku__icontains=q))
    return rows.order_by("-id")


def work_order_components(work_order: WorkOrder) -> list:
    """The component table: required, issued, and available at the plant now."""
    components = list(work_order.components.select_related("item").order_by("item__sku"))
    balances = {
        b.item_id: b
        for b in InventoryBalance.objects.filter(
            organization_id=work_order.organization_id,
            item_id__in=[c.item_id for c in components],
        )
    }
    for component in components:
        balance = balances.get(component.item_id)
        component.available = balance.available if balance else 0
        component.on_hand = balance.on_hand if balance else 0
    return components
