from django.contrib import admin

from core.admin import ReadOnlyAdmin
from warehouse.models import InventoryBalance, InventoryTransaction


@admin.register(InventoryBalance)
class InventoryBalanceAdmin(ReadOnlyAdmin):
    """Balances move only through the ledger (adjust on the inventory screen)."""

    list_display = ["item", "organization", "on_hand", "reserved", "available", "in_transit"]
    list_filter = ["organization"]
    search_fields = ["item__sku", "item__description"]
    list_select_related = ["item", "organization"]


@admin.register(InventoryTransaction)
class InventoryTransactionAdmin(ReadOnlyAdmin):
    list_display = [
        "created_at",
        "kind",
        "item",
        "organization",
        "bucket",
        "quantity",
        "document_number",
        "reason",
        "created_by",
    ]
    list_filter = ["kind", "bucket", "organization"]
    search_fields = ["item__sku", "document_number", "reason"]
    list_select_related = ["item", "organization", "created_by"]
    date_hierarchy = "created_at"
