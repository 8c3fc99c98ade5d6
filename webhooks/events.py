"""The one mapping from change-log entries to event types, and each event's data.

An entry is (document type, field, from, to): a sales order's first status is
`sales_order.created`, a later one `sales_order.status_changed`; a line's status change
`sales_order.line.status_changed`; a line's scheduled or promised date
`sales_order.line.rescheduled`; a supply order going to EXCEPTION
`supply_order.exception`; a PO's status `purchase_order.status_changed`, its email taken by
the mail server `purchase_order.communicated` and the supplier's answer
`purchase_order.acknowledged`; a shipment going SHIPPED `shipment.confirmed`;
an invoice created `invoice.posted`. Line events carry `sequence` (the log entry's number: it
only grows, so a receiver can order events of one sales order even when a retry comes late).
"""

from collections import defaultdict

from billing.models import Invoice
from orders.models import FulfillmentLine, SalesOrder
from procurement.models import PurchaseOrder
from supply.models import SupplyOrder
from warehouse.models import Shipment

EVENT_TYPES = (
    "sales_order.created",
    "sales_order.status_changed",
    "sales_order.line.status_changed",
    "sales_order.line.rescheduled",
    "supply_order.exception",
    "purchase_order.status_changed",
    "purchase_order.communicated",
    "purchase_order.acknowledged",
    "shipment.confirmed",
    "invoice.posted",
)
# Who may subscribe to an event type: whoever may read the document it describes, since the
# event carries that document's data ("*" needs them all).
EVENT_PERMISSIONS = {
    "sales_order.created": "orders.view_salesorder",
    "sales_order.status_changed": "orders.view_salesorder",
    "sales_order.line.status_changed": "orders.view_salesorder",
    "sales_order.line.rescheduled": "orders.view_salesorder",
    "supply_order.exception": "supply.view_supplyorder",
    "purchase_order.status_changed": "procurement.view_purchaseorder",
    "purchase_order.communicated": "procurement.view_purchaseorder",
    "purchase_order.acknowledged": "procurement.view_purchaseorder",
    "shipment.confirmed": "warehouse.view_shipment",
    "invoice.posted": "billing.view_invoice",
}


def event_type_of(entry) -> str | None:
    """The event type of a change-log entry (None: not an event). Notifications classify
    entries through this too: one mapping."""
    kind, field, before, after = entry.document_type, entry.field, entry.from_value, entry.to_value
    if kind == "orders.salesorder" and field == "status" and not before:
        return "sales_order.created"
    if kind == "orders.salesorder" and field == "status":
        return "sales_order.status_changed"
    if kind == "orders.fulfillmentline" and field == "status" and before and before != after:
        return "sales_order.line.status_changed"
    if kind == "orders.fulfillmentline" and field in ("scheduled_ship_date", "promised_ship_date"):
        return "sales_order.line.rescheduled"
    if kind == "supply.supplyorder" and field == "status" and after == "EXCEPTION":
        return "supply_order.exception"
    if kind == "procurement.purchaseorder" and field == "status" and before:
        return "purchase_order.status_changed"
    if kind == "procurement.purchaseorder" and field == "communicated":
        return "purchase_order.communicated"
    if kind == "procurement.purchaseorder" and field == "acknowledgment":
        return "purchase_order.acknowledged"
    if kind == "warehouse.shipment" and field == "status" and after == "SHIPPED":
        return "shipment.confirmed"
    if kind == "billing.invoice" and field == "status" and not before:
        return "invoice.posted"
    return None


MODELS = {
    "orders.salesorder": SalesOrder.objects.select_related("customer"),
    "orders.fulfillmentline": FulfillmentLine.objects.select_related("order", "item"),
    "supply.supplyorder": SupplyOrder.objects.select_related("demand_line__order"),
    "procurement.purchaseorder": PurchaseOrder.objects.select_related("supplier"),
    "warehouse.shipment": Shipment.objects.select_related("customer"),
    "billing.invoice": Invoice.objects.select_related("sales_order"),
}


def _line(line, entry) -> dict:
    return {
        "sales_order": line.order.number,
        "line_number": line.line_number,
        "item": line.item.sku,
        "quantity": str(line.quantity),
        "supply_type": line.supply_type,
        "sequence": entry.pk,
    }


def _data(event_type: str, document, entry) -> dict:
    change = {"from": entry.from_value, "to": entry.to_value}
    if event_type == "sales_order.created":
        return {
            "sales_order": document.number,
            "customer": document.customer.number,
            "external_reference": document.external_reference,
            "currency": document.currency,
        }
    if event_type == "sales_order.line.status_changed":
        return _line(document, entry) | change
    if event_type == "sales_order.line.rescheduled":
        return _line(document, entry) | {
            "field": entry.field,
            "scheduled_ship_date": str(document.scheduled_ship_date or ""),
            "promised_ship_date": str(document.promised_ship_date or ""),
            "jeopardy_days": document.jeopardy_days,
            "reason": entry.reason,
        }
    if event_type == "supply_order.exception":
        return {
            "supply_order": document.number,
            "sales_order": document.demand_line.order.number,
            "line_number": document.demand_line.line_number,
            "supply_type": document.supply_type,
            "reason": entry.reason or document.exception_reason,
        }
    if event_type == "sales_order.status_changed":
        return {"sales_order": document.number, "customer": document.customer.number} | change
    if event_type.startswith("purchase_order."):
        data = {
            "purchase_order": document.number,
            "supplier": document.supplier.number,
            "revision": document.revision,
        }
        if event_type == "purchase_order.acknowledged":
            return data | {"acknowledgment": entry.to_value, "note": entry.reason}
        return data | change if event_type == "purchase_order.status_changed" else data
    if event_type == "shipment.confirmed":
        lines = document.lines.filter(active=True).select_related("demand_line__order")
        return {
            "shipment": document.number,
            "customer": document.customer.number,
            "carrier": document.carrier,
            "tracking_number": document.tracking_number,
            "lines": [
                {
                    "sales_order": line.demand_line.order.number,
                    "line_number": line.demand_line.line_number,
                    "quantity": str(line.quantity),
                }
                for line in lines
            ],
        }
    return {  # invoice.posted
        "invoice": document.number,
        "sales_order": document.sales_order.number,
        "total": str(document.total),
        "currency": document.currency,
    }


def events_of(entries) -> list[tuple[str, object, dict]]:
    """(type, occurred_at, data) of the entries that are events, in log order."""
    typed = [(entry, event_type_of(entry)) for entry in entries]
    typed = [(entry, kind) for entry, kind in typed if kind]
    ids = defaultdict(set)
    for entry, _ in typed:
        ids[entry.document_type].add(entry.document_id)
    documents = {kind: MODELS[kind].in_bulk(list(pks)) for kind, pks in ids.items()}
    events = []
    for entry, event_type in typed:
        document = documents[entry.document_type].get(entry.document_id)
        if document is not None:
            events.append((event_type, entry.at, _data(event_type, document, entry)))
    return events
