"""The main menu: each entry shows only to users whose roles carry its permission."""

from dataclasses import dataclass

from django.urls import reverse


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    permission: str  # "" = any signed-in user; "staff" = Django admin users


NAVIGATION: tuple[NavItem, ...] = (
    NavItem("Orders", "orders:worklist", "orders.view_salesorder"),
    NavItem("Supply", "supply:supply_orders", "supply.view_supplyorder"),
    NavItem("Requisitions", "procurement:requisitions", "procurement.view_requisitionline"),
    NavItem("Purchase orders", "procurement:purchase_orders", "procurement.view_purchaseorder"),
    NavItem("Approvals", "procurement:approvals", "procurement.approve_purchaseorder"),
    NavItem("Receiving", "warehouse:receiving", "warehouse.add_receipt"),
    NavItem("Shipping", "warehouse:shipping", "warehouse.add_shipment"),
    NavItem("Transfers", "warehouse:transfers", "warehouse.view_transferorder"),
    NavItem("Inventory", "warehouse:inventory", "warehouse.view_inventorybalance"),
    NavItem("Work orders", "manufacturing:work_orders", "manufacturing.view_workorder"),
    NavItem("Dashboard", "dashboard", "orders.view_salesorder"),
    NavItem("Admin", "admin:index", "staff"),
)


def navigation_for(user, current_path: str = "") -> list[dict]:
    items = []
    for item in NAVIGATION:
        if item.permission == "staff":
            allowed = user.is_staff
        else:
            allowed = not item.permission or user.has_perm(item.permission)
        if allowed:
            url = reverse(item.url_name)
            items.append({"label": item.label, "url": url, "active": current_path.startswith(url)})
    return items
