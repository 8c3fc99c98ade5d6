"""Supply's own use cases: promising at submit, supply creation through the execution adapters,
re-promising backorders, line cancellation (orchestration). The flows that carry a document
across apps are in supply.flows."""

from supply.services.orchestration import (
    backorders_repromise,
    fulfillment_line_cancel,
    line_cancellable,
    sales_order_enter,
    sales_order_submit,
    supply_order_create_document,
    supply_order_retry,
    supply_orders_requeue_stale,
)

__all__ = [
    "backorders_repromise",
    "fulfillment_line_cancel",
    "line_cancellable",
    "sales_order_enter",
    "sales_order_submit",
    "supply_order_create_document",
    "supply_order_retry",
    "supply_orders_requeue_stale",
]
