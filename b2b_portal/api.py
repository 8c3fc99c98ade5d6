"""The REST API root (docs/api.md): /api/v1/; OpenAPI at /api/v1/openapi.json, docs /api/v1/docs."""

from billing.api import router as billing_router
from catalog.api import router as catalog_router
from core.api import AUTH, DecimalParser, PortalAPI, install_error_handlers
from manufacturing.api import router as manufacturing_router
from orders.api import router as orders_router
from procurement.api import router as procurement_router
from supply.api import router as supply_router
from warehouse.api import router as warehouse_router
from webhooks.api import router as webhooks_router

api = PortalAPI(
    title="B2B Portal API",
    version="1",
    description="Back-to-back order fulfillment. Authenticate with a personal API token "
    "(`Authorization: Bearer …`), HTTP Basic or a session.",
    auth=AUTH,
    parser=DecimalParser(),
    urls_namespace="api",
)
install_error_handlers(api)
api.add_router("/", catalog_router)
api.add_router("/", orders_router)
api.add_router("/", procurement_router)
api.add_router("/", supply_router)
api.add_router("/", warehouse_router)
api.add_router("/", manufacturing_router)
api.add_router("/", billing_router)
api.add_router("/", webhooks_router)
