"""The role table, in one place: roles are Django groups, actions are permissions.

`sync_roles` runs after every `migrate`: it creates the six groups and gives each exactly the
permissions listed here. Permissions of models that a later release adds are created ahead of
their model (same app label, model name and codename as Django will use), so that the role
table holds from the first release and a screen can check its permission before its model
exists; when the model arrives, Django finds the permission already there and keeps it.
"""

from dataclasses import dataclass

CUSTOMER_SERVICE = "customer_service"
BUYER = "buyer"
PROCUREMENT_MANAGER = "procurement_manager"
WAREHOUSE = "warehouse"
PRODUCTION = "production"
ORCHESTRATION_MANAGER = "orchestration_manager"

# permission -> what it allows (the permission's name in the admin)
PERMISSIONS: dict[str, str] = {
    "catalog.view_item": "Can view item",
    "catalog.view_organization": "Can view organization",
    "catalog.view_customer": "Can view customer",
    "catalog.view_supplier": "Can view supplier",
    "orders.view_salesorder": "Can view sales orders, lines, pegging and timeline",
    "orders.add_salesorder": "Can create and submit sales orders",
    "orders.change_salesorder": "Can change and cancel sales orders",
    "procurement.view_requisitionline": "Can view requisition lines",
    "procurement.add_purchaseorder": "Can convert requisitions into purchase orders",
    "procurement.change_purchaseorder": "Can submit, communicate, acknowledge, change, cancel POs",
    "procurement.view_purchaseorder": "Can view purchase orders",
    "procurement.approve_purchaseorder": "Can approve or reject purchase orders",
    "warehouse.add_receipt": "Can receive purchase orders and transfers",
    "warehouse.view_receipt": "Can view receipts",
    "warehouse.add_shipment": "Can create shipments",
    "warehouse.change_shipment": "Can pick, pack, ship confirm and cancel shipments",
    "warehouse.view_shipment": "Can view shipments",
    "warehouse.change_transferorder": "Can ship and receive transfer orders",
    "warehouse.view_transferorder": "Can view transfer orders",
    "warehouse.view_inventorybalance": "Can view inventory balances",
    "warehouse.adjust_inventorybalance": "Can adjust inventory",
    "warehouse.view_reservation": "Can view reservations",
    "manufacturing.view_workorder": "Can view work orders",
    "manufacturing.change_workorder": "Can release work orders, issue materials, report completion",
    "supply.view_supplyorder": "Can view supply orders",
    "supply.change_supplyorder": "Can retry supply, choose an alternative source, re-promise",
    "billing.view_invoice": "Can view invoices",
}

_READ_MASTER_DATA = (
    "catalog.view_item",
    "catalog.view_organization",
    "catalog.view_customer",
    "catalog.view_supplier",
)
_READ_STOCK = ("warehouse.view_inventorybalance", "warehouse.view_reservation")


@dataclass(frozen=True)
class Role:
    name: str
    label: str
    home: str  # URL name of the role's worklist
    permissions: tuple[str, ...]

    def __str__(self):
        return self.label


# In order of precedence for a user's home page when they hold several roles.
ROLES: tuple[Role, ...] = (
    Role(
        CUSTOMER_SERVICE,
        "Customer service",
        "orders:worklist",
        (
            *_READ_MASTER_DATA,
            *_READ_STOCK,
            "orders.view_salesorder",
            "orders.add_salesorder",
            "orders.change_salesorder",
            "procurement.view_purchaseorder",
            "warehouse.view_receipt",
            "warehouse.view_shipment",
            "warehouse.view_transferorder",
            "manufacturing.view_workorder",
            "supply.view_supplyorder",
            "billing.view_invoice",
        ),
    ),
    Role(
        BUYER,
        "Buyer",
        "procurement:requisitions",
        (
            *_READ_MASTER_DATA,
            *_READ_STOCK,
            "orders.view_salesorder",
            "procurement.view_requisitionline",
            "procurement.add_purchaseorder",
            "procurement.change_purchaseorder",
            "procurement.view_purchaseorder",
            "warehouse.view_receipt",
            "supply.view_supplyorder",
        ),
    ),
    Role(
        PROCUREMENT_MANAGER,
        "Procurement manager",
        "procurement:approvals",
        (
            *_READ_MASTER_DATA,
            "orders.view_salesorder",
            "procurement.view_purchaseorder",
            "procurement.approve_purchaseorder",
        ),
    ),
    Role(
        WAREHOUSE,
        "Warehouse operator",
        "warehouse:receiving",
        (
            *_READ_MASTER_DATA,
            *_READ_STOCK,
            "orders.view_salesorder",
            "procurement.view_purchaseorder",
            "warehouse.add_receipt",
            "warehouse.view_receipt",
            "warehouse.add_shipment",
            "warehouse.change_shipment",
            "warehouse.view_shipment",
            "warehouse.change_transferorder",
            "warehouse.view_transferorder",
            "warehouse.adjust_inventorybalance",
        ),
    ),
    Role(
        PRODUCTION,
        "Production operator",
        "manufacturing:work_orders",
        (
            *_READ_MASTER_DATA,
            *_READ_STOCK,
            "orders.view_salesorder",
            "manufacturing.view_workorder",
            "manufacturing.change_workorder",
        ),
    ),
    Role(
        ORCHESTRATION_MANAGER,
        "Supply chain orchestration manager",
        "supply:supply_orders",
        (
            *_READ_MASTER_DATA,
            *_READ_STOCK,
            "orders.view_salesorder",
            "procurement.view_purchaseorder",
            "warehouse.view_receipt",
            "warehouse.view_shipment",
            "warehouse.view_transferorder",
            "manufacturing.view_workorder",
            "supply.view_supplyorder",
            "supply.change_supplyorder",
            "billing.view_invoice",
        ),
    ),
)
ROLE_NAMES = tuple(role.name for role in ROLES)
ROLES_BY_NAME = {role.name: role for role in ROLES}


def roles_of(user) -> list[Role]:
    """The user's roles, in order of precedence (cached on the user for the request)."""
    if not user.is_authenticated:
        return []
    if not hasattr(user, "_b2b_roles"):
        names = set(user.groups.values_list("name", flat=True))
        user._b2b_roles = [role for role in ROLES if role.name in names]
    return user._b2b_roles


def sync_roles(using: str = "default") -> None:
    """Create the role groups and give each exactly the permissions of the role table."""
    from django.contrib.auth.models import Group, Permission
    from django.contrib.contenttypes.models import ContentType

    permissions = {}
    for dotted, name in PERMISSIONS.items():
        app_label, codename = dotted.split(".")
        model = codename.split("_", 1)[1]
        content_type, _ = ContentType.objects.db_manager(using).get_or_create(
            app_label=app_label, model=model
        )
        permissions[dotted], _ = Permission.objects.db_manager(using).get_or_create(
            content_type=content_type, codename=codename, defaults={"name": name}
        )
    for role in ROLES:
        group, _ = Group.objects.db_manager(using).get_or_create(name=role.name)
        group.permissions.set([permissions[p] for p in role.permissions])


# Every screen and API operation with the permission it needs (None: any signed-in user).
# Screens are keyed by URL name (a view that takes an action in its URL: "name[action]"), API
# operations by "METHOD /path". tests/core/test_permissions.py calls each one as each role and
# expects a 403 exactly where the role lacks the permission; a route missing here fails it.
ROUTE_PERMISSIONS: dict[str, str | None] = {
    "home": None,
    "favicon": None,
    "profile": None,
    "email_preferences": None,
    "notifications": None,
    "notifications_read": None,
    "api_token_new": None,
    "api_token_revoke": None,
    "dashboard": "orders.view_salesorder",
    "orders:worklist": "orders.view_salesorder",
    "orders:new": "orders.add_salesorder",
    "orders:edit": "orders.add_salesorder",
    "orders:preview": "orders.add_salesorder",
    "orders:detail": "orders.view_salesorder",
    "orders:submit": "orders.add_salesorder",
    "orders:cancel_line": "orders.change_salesorder",
    "orders:change_line": "orders.change_salesorder",
    "orders:cancel_order": "orders.change_salesorder",
    "supply:supply_orders": "supply.view_supplyorder",
    "supply:supply_order": "supply.view_supplyorder",
    "supply:supply_order_list": "supply.view_supplyorder",
    "supply:retry": "supply.change_supplyorder",
    "supply:choose_source": "supply.change_supplyorder",
    "supply:cancel_supply": "supply.change_supplyorder",
    "supply:pegging": "orders.view_salesorder",
    "supply:line_source": "supply.change_supplyorder",
    "procurement:requisitions": "procurement.view_requisitionline",
    "procurement:requisition": "procurement.view_requisitionline",
    "procurement:requisition_change": "procurement.add_purchaseorder",
    "procurement:purchase_orders": "procurement.view_purchaseorder",
    "procurement:purchase_order": "procurement.view_purchaseorder",
    "procurement:document": "procurement.view_purchaseorder",
    "procurement:acknowledge": "procurement.change_purchaseorder",
    "procurement:change_line": "procurement.change_purchaseorder",
    "procurement:purchase_order_action[submit]": "procurement.change_purchaseorder",
    "procurement:purchase_order_action[approve]": "procurement.approve_purchaseorder",
    "procurement:purchase_order_action[reject]": "procurement.approve_purchaseorder",
    "procurement:purchase_order_action[communicate]": "procurement.change_purchaseorder",
    "procurement:purchase_order_action[cancel]": "procurement.change_purchaseorder",
    "procurement:approvals": "procurement.approve_purchaseorder",
    "warehouse:receiving": "warehouse.add_receipt",
    "warehouse:shipping": "warehouse.add_shipment",
    "warehouse:packing_slip": "warehouse.view_shipment",
    "warehouse:shipments": "warehouse.view_shipment",
    "warehouse:shipment": "warehouse.view_shipment",
    "warehouse:receipts": "warehouse.view_receipt",
    "warehouse:receipt": "warehouse.view_receipt",
    "warehouse:shipment_action[pick]": "warehouse.change_shipment",
    "warehouse:shipment_action[pack]": "warehouse.change_shipment",
    "warehouse:shipment_action[confirm]": "warehouse.change_shipment",
    "warehouse:shipment_action[cancel]": "warehouse.change_shipment",
    "warehouse:wave_release": "warehouse.add_shipment",
    "warehouse:wave": "warehouse.view_shipment",
    "warehouse:wave_action[pick]": "warehouse.change_shipment",
    "warehouse:wave_action[pack]": "warehouse.change_shipment",
    "warehouse:wave_action[confirm]": "warehouse.change_shipment",
    "warehouse:transfers": "warehouse.view_transferorder",
    "warehouse:transfer_order": "warehouse.view_transferorder",
    "warehouse:transfer_action[ship]": "warehouse.change_transferorder",
    "warehouse:transfer_action[cancel]": "warehouse.change_transferorder",
    "warehouse:inventory": "warehouse.view_inventorybalance",
    "warehouse:inventory_detail": "warehouse.view_inventorybalance",
    "manufacturing:work_orders": "manufacturing.view_workorder",
    "manufacturing:work_order": "manufacturing.view_workorder",
    "manufacturing:pick_list": "manufacturing.view_workorder",
    "manufacturing:work_order_action[release]": "manufacturing.change_workorder",
    "manufacturing:work_order_action[issue]": "manufacturing.change_workorder",
    "manufacturing:work_order_action[scrap]": "manufacturing.change_workorder",
    "manufacturing:work_order_action[complete]": "manufacturing.change_workorder",
    "manufacturing:work_order_action[cancel]": "manufacturing.change_workorder",
    "billing:invoice": "billing.view_invoice",
    "GET /items": "catalog.view_item",
    "GET /items/{sku}": "catalog.view_item",
    "GET /organizations": "catalog.view_organization",
    "GET /organizations/{code}": "catalog.view_organization",
    "POST /sales-orders": "orders.add_salesorder",
    "POST /sales-orders/batch": "orders.add_salesorder",
    "GET /sales-orders": "orders.view_salesorder",
    "GET /sales-orders/{number}": "orders.view_salesorder",
    "POST /sales-orders/{number}/submit": "orders.add_salesorder",
    "POST /sales-orders/{number}/lines/{line_number}/cancel": "orders.change_salesorder",
    "PATCH /sales-orders/{number}/lines/{line_number}": "orders.change_salesorder",
    "POST /sales-orders/{number}/cancel": "orders.change_salesorder",
    "GET /requisition-lines": "procurement.view_requisitionline",
    "GET /requisition-lines/{number}": "procurement.view_requisitionline",
    "PATCH /requisition-lines/{number}": "procurement.add_purchaseorder",
    "POST /purchase-orders": "procurement.add_purchaseorder",
    "GET /purchase-orders": "procurement.view_purchaseorder",
    "GET /purchase-orders/{number}": "procurement.view_purchaseorder",
    "POST /purchase-orders/{number}/submit": "procurement.change_purchaseorder",
    "POST /purchase-orders/{number}/approve": "procurement.approve_purchaseorder",
    "POST /purchase-orders/{number}/reject": "procurement.approve_purchaseorder",
    "POST /purchase-orders/{number}/communicate": "procurement.change_purchaseorder",
    "POST /purchase-orders/{number}/acknowledge": "procurement.change_purchaseorder",
    "POST /purchase-orders/{number}/cancel": "procurement.change_purchaseorder",
    "PATCH /purchase-orders/{number}/lines/{line_number}": "procurement.change_purchaseorder",
    "POST /purchase-orders/{number}/lines/{line_number}/cancel": "procurement.change_purchaseorder",
    "GET /supply-orders": "supply.view_supplyorder",
    "GET /supply-orders/{number}": "supply.view_supplyorder",
    "POST /supply-orders/{number}/retry": "supply.change_supplyorder",
    "POST /supply-orders/{number}/alternative-source": "supply.change_supplyorder",
    "POST /supply-orders/{number}/re-promise": "supply.change_supplyorder",
    "POST /supply-orders/{number}/cancel": "supply.change_supplyorder",
    "POST /sales-orders/{number}/lines/{line_number}/source": "supply.change_supplyorder",
    "GET /inventory": "warehouse.view_inventorybalance",
    "POST /inventory/adjustments": "warehouse.adjust_inventorybalance",
    "GET /reservations": "warehouse.view_reservation",
    "POST /receipts": "warehouse.add_receipt",
    "GET /receipts/{number}": "warehouse.view_receipt",
    "GET /receipts": "warehouse.view_receipt",
    "GET /shipments": "warehouse.view_shipment",
    "POST /shipments": "warehouse.add_shipment",
    "GET /shipments/{number}": "warehouse.view_shipment",
    "POST /shipments/{number}/pick": "warehouse.change_shipment",
    "POST /shipments/{number}/pack": "warehouse.change_shipment",
    "POST /shipments/{number}/confirm": "warehouse.change_shipment",
    "POST /shipments/{number}/cancel": "warehouse.change_shipment",
    "POST /pick-waves": "warehouse.add_shipment",
    "GET /pick-waves/{number}": "warehouse.view_shipment",
    "POST /pick-waves/{number}/pick": "warehouse.change_shipment",
    "POST /pick-waves/{number}/pack": "warehouse.change_shipment",
    "POST /pick-waves/{number}/confirm": "warehouse.change_shipment",
    "GET /invoices": "billing.view_invoice",
    "POST /webhooks": "webhooks.add_subscription",
    "GET /webhooks": "webhooks.view_subscription",
    "GET /webhooks/{subscription_id}": "webhooks.view_subscription",
    "DELETE /webhooks/{subscription_id}": "webhooks.delete_subscription",
    "POST /webhooks/{subscription_id}/rotate-secret": "webhooks.change_subscription",
    "GET /webhooks/{subscription_id}/deliveries": "webhooks.view_subscription",
    "GET /work-orders": "manufacturing.view_workorder",
    "GET /work-orders/{number}": "manufacturing.view_workorder",
    "POST /work-orders/{number}/release": "manufacturing.change_workorder",
    "POST /work-orders/{number}/issue-materials": "manufacturing.change_workorder",
    "POST /work-orders/{number}/scrap": "manufacturing.change_workorder",
    "POST /work-orders/{number}/complete": "manufacturing.change_workorder",
    "POST /work-orders/{number}/cancel": "manufacturing.change_workorder",
    "GET /transfer-orders": "warehouse.view_transferorder",
    "GET /transfer-orders/{number}": "warehouse.view_transferorder",
    "POST /transfer-orders/{number}/ship": "warehouse.change_transferorder",
    "POST /transfer-orders/{number}/cancel": "warehouse.change_transferorder",
}
