from django.contrib import admin

from catalog.models import (
    BillOfMaterials,
    BomComponent,
    Customer,
    Item,
    Organization,
    SourcingRule,
    Supplier,
)


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "receiving_days"]
    list_filter = ["kind"]
    search_fields = ["code", "name"]


class SourcingRuleInline(admin.TabularInline):
    model = SourcingRule
    extra = 0
    fields = [
        "organization",
        "rank",
        "type",
        "supplier",
        "source_organization",
        "unit_price",
        "lead_time_days",
        "allocation_percent",
        "effective_from",
        "effective_to",
    ]
    autocomplete_fields = ["organization", "supplier", "source_organization"]


@admin.register(Item)
class ItemAdmin(admin.ModelAdmin):
    list_display = ["sku", "description", "uom", "list_price", "standard_cost", "back_to_back"]
    list_filter = ["back_to_back", "uom"]
    search_fields = ["sku", "description"]
    inlines = [SourcingRuleInline]


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ["number", "name", "email", "default_ship_from", "transit_days"]
    list_filter = ["default_ship_from"]
    search_fields = ["number", "name"]
    list_select_related = ["default_ship_from"]
    autocomplete_fields = ["default_ship_from"]


@admin.register(Supplier)
class SupplierAdmin(admin.ModelAdmin):
    list_display = ["number", "name", "email", "automatic_po", "over_receipt_tolerance_pct"]
    list_filter = ["automatic_po"]
    search_fields = ["number", "name", "email"]


@admin.register(SourcingRule)
class SourcingRuleAdmin(admin.ModelAdmin):
    list_display = [
        "item",
        "organization",
        "rank",
        "type",
        "supplier",
        "source_organization",
        "unit_price",
        "lead_time_days",
        "allocation_percent",
        "effective_from",
        "effective_to",
    ]
    list_filter = ["type", "organization", "supplier"]
    search_fields = ["item__sku", "supplier__number", "source_organization__code"]
    list_select_related = ["item", "organization", "supplier", "source_organization"]
    autocomplete_fields = ["item", "organization", "supplier", "source_organization"]


class BomComponentInline(admin.TabularInline):
    model = BomComponent
    extra = 1
    autocomplete_fields = ["item"]


@admin.register(BillOfMaterials)
class BillOfMaterialsAdmin(admin.ModelAdmin):
    list_display = ["item", "organization"]
    list_filter = ["organization"]
    search_fields = ["item__sku", "item__description"]
    list_select_related = ["item", "organization"]
    autocomplete_fields = ["item", "organization"]
    inlines = [BomComponentInline]
