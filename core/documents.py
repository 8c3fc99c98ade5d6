"""Typed document references: how an earlier app points at a document of any app (the event
log, ledger rows, reservations) — its type (`app_label.model`), id and number — instead of a
foreign key that would point the wrong way between apps (docs/architecture.md)."""

from django.urls import reverse


def document_type_of(model) -> str:
    """The type under which documents of `model` (a class or an instance) are referenced."""
    return model._meta.label_lower


def document_reference(document) -> dict:
    """The fields that reference `document`: document_type, document_id, document_number."""
    return {
        "document_type": document_type_of(document),
        "document_id": document.pk,
        "document_number": str(getattr(document, "number", "") or ""),
    }


# Where each kind of document referenced by type and number (the change log, ledger rows,
# reservations) has its page, by URL name (core reverses names; it imports no later app).
DOCUMENT_PAGES = {
    "orders.salesorder": "orders:detail",
    "orders.fulfillmentline": "orders:detail",  # SO-000001/2: the line on its order's page
    "supply.supplyorder": "supply:supply_order",
    "procurement.requisitionline": "procurement:requisition",
    "procurement.purchaseorder": "procurement:purchase_order",
    "procurement.purchaseorderline": "procurement:purchase_order",
    "manufacturing.workorder": "manufacturing:work_order",
    "manufacturing.workordercomponent": "manufacturing:work_order",
    "warehouse.transferorder": "warehouse:transfer_order",
    "warehouse.transferorderline": "warehouse:transfer_order",
    "warehouse.shipment": "warehouse:shipment",
    "warehouse.receipt": "warehouse:receipt",
    "warehouse.pickwave": "warehouse:wave",
    "billing.invoice": "billing:invoice",
}


def document_url(document_type: str, number: str) -> str:
    """The page of a document referenced by type and number ("" when it has none); a line's
    number (PO-000001/2) leads to its document."""
    page = DOCUMENT_PAGES.get(document_type)
    if not page or not number:
        return ""
    return reverse(page, args=[number.split("/")[0]])
