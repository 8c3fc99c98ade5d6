from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

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


MAX_IMPORT_BYTES = 20 * 1024 * 1024


class MasterDataUploadForm(forms.Form):
    file = forms.FileField(
        label="Master-data file (JSON)",
        help_text="The file import_master_data takes (docs/import-format.md).",
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_IMPORT_BYTES:
            raise forms.ValidationError(
                "The file is larger than 20 MB: split it, or run import_master_data on the server."
            )
        return upload


def import_master_data_view(request, model_admin):
    """The Django admin's master-data import: upload the same JSON file the import_master_data
    command takes; every error is listed with its JSON path and nothing is written on any
    error (one transaction). Administrators only: the file also sets stock and creates users."""
    if not request.user.is_superuser:
        raise PermissionDenied("Only an administrator imports master data.")
    from catalog.management.commands.import_master_data import (
        import_master_data,
        parse,
        summary,
    )

    form = MasterDataUploadForm(request.POST or None, request.FILES or None)
    errors: list = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        data, unreadable = parse(upload.read())
        if unreadable:
            form.add_error("file", f"{upload.name}: {unreadable}")
        else:
            plan = import_master_data(data)
            errors = plan.errors
            if not errors:
                lines = summary(plan) or ["nothing to change"]
                messages.success(request, f"Imported {upload.name}: " + "; ".join(lines) + ".")
                return redirect(reverse("admin:catalog_item_changelist"))
    context = {
        **model_admin.admin_site.each_context(request),
        "title": "Import master data",
        "opts": model_admin.model._meta,
        "form": form,
        "errors": errors,
    }
    status = 422 if request.method == "POST" else 200
    return TemplateResponse(
        request, "catalog/admin/import_master_data.html", context, status=status
    )


@admin.register(Item)
class ItemAdmin(admin.ModelAdmin):
    list_display = ["sku", "description", "uom", "list_price", "standard_cost", "back_to_back"]
    list_filter = ["back_to_back", "uom"]
    search_fields = ["sku", "description"]
    inlines = [SourcingRuleInline]
    change_list_template = "catalog/admin/item_change_list.html"

    def get_urls(self):
        view = self.admin_site.admin_view(lambda request: import_master_data_view(request, self))
        return [path("import/", view, name="catalog_import_master_data"), *super().get_urls()]


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
