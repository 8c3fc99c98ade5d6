"""Supply's own use cases: promising at submit, supply creation through the execution adapters,
re-promising backorders (orchestration), and change management on both sides (changes). The
flows that carry a document across apps are in supply.flows."""

from supply.services.changes import (
    SourceChoice,
    line_cancel,
    line_change,
    line_choose_source,
    order_cancel,
    supply_lost,
    supply_order_cancel_supply,
    supply_order_choose_source,
    supply_order_retry,
)
from supply.services.orchestration import (
    backorders_repromise,
    sales_order_enter,
    sales_order_submit,
    supply_order_create_document,
    supply_orders_create_documents,
    supply_orders_requeue_stale,
)

__all__ = [
    "SourceChoice",
    "backorders_repromise",
    "line_cancel",
    "line_change",
    "line_choose_source",
    "order_cancel",
    "sales_order_enter",
    "sales_order_submit",
    "supply_lost",
    "supply_order_cancel_supply",
    "supply_order_choose_source",
    "supply_order_create_document",
    "supply_order_retry",
    "supply_orders_create_documents",
    "supply_orders_requeue_stale",
]
