"""Supply use cases, by area: promising and supply creation (orchestration), the Buy flow
across requisitions, purchase orders and reservations (purchasing)."""

from supply.services.orchestration import (
    backorders_repromise,
    fulfillment_line_cancel,
    line_cancellable,
    sales_order_enter,
    sales_order_submit,
    supply_order_create_document,
    supply_orders_requeue_stale,
)

__all__ = [
    "backorders_repromise",
    "fulfillment_line_cancel",
    "line_cancellable",
    "sales_order_enter",
    "sales_order_submit",
    "supply_order_create_document",
    "supply_orders_requeue_stale",
]
