from django.db.models import (
    DecimalField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Prefetch,
    Q,
    Sum,
)

from catalog.models import QUANTITY
from core.queries import per_row
from orders.models import FulfillmentLine
from procurement.models import PurchaseOrder, PurchaseOrderLine
from warehouse.models import (
    InventoryBalance,
    InventoryTransaction,
    ReceiptLine,
    Reservation,
    Shipment,
    ShipmentLine,
    TransferOrder,
    TransferOrderLine,
)

QUANTITY_FIELD = DecimalField(**QUANTITY)


def inventory_balances(*, item: str = "", organization: str = "", search: str = ""):
    """Balances with `available`, filtered by item SKU / organization code / free text."""
    rows = InventoryBalance.objects.select_related("item", "organization").annotate(
        available_qty=ExpressionWrapper(F("on_hand") - F("reserved"), output_field=QUANTITY_FIELD)
    )
    if item:
        rows = rows.filter(item__sku=item)
    if organization:
        rows = rows.filter(organization__code=organization)
    if search:
        rows = rows.filter(
            Q(item__sku__icontains=search)
            | Q(item__description__icontains=search)
            | Q(organization__code__iexact=search)
        )
    return rows.order_by("item__sku", "organization__code")


def ledger_for(*, item_id: int, organization_id: int):
    return (
        InventoryTransaction.objects.filter(item_id=item_id, organization_id=organization_id)
        .select_related("created_by")
        .order_by("-created_at", "-id")
    )


def ledger_mismatches() -> list[InventoryBalance]:
    """Balances that differ from the sum of their ledger rows (the invariant says: none)."""

    def ledger_sum(bucket):
        rows = InventoryTransaction.objects.filter(
            item=OuterRef("item"), organization=OuterRef("organization"), bucket=bucket
        ).values("item")
        return per_row(rows, Sum("quantity"), QUANTITY_FIELD, default=0)

    Bucket = InventoryTransaction.Bucket
    return list(
        InventoryBalance.objects.annotate(
            ledger_on_hand=ledger_sum(Bucket.ON_HAND),
            ledger_in_transit=ledger_sum(Bucket.IN_TRANSIT),
        )
        .exclude(on_hand=F("ledger_on_hand"), in_transit=F("ledger_in_transit"))
        .select_related("item", "organization")
    )


def active_reservations(*, sales_order: str = "", item: str = "", organization: str = ""):
    rows = Reservation.objects.filter(status=Reservation.Status.ACTIVE).select_related(
        "demand_line__order", "item", "organization"
    )
    if sales_order:
        rows = rows.filter(demand_line__order__number=sales_order)
    if item:
        rows = rows.filter(item__sku=item)
    if organization:
        rows = rows.filter(organization__code=organization)
    return rows.order_by("-id")


def expected_receipts(*, search: str = "", organization: str = ""):
    """Open lines of OPEN purchase orders: what the dock expects to receive."""
    rows = PurchaseOrderLine.objects.filter(
        status=PurchaseOrderLine.Status.OPEN, purchase_order__status=PurchaseOrder.Status.OPEN
    ).select_related(
        "purchase_order__supplier", "purchase_order__organization", "item", "demand_line__order"
    )
    if organization:
        rows = rows.filter(purchase_order__organization__code=organization)
    if search:
        rows = rows.filter(
            Q(purchase_order__number__icontains=search)
            | Q(item__sku__icontains=search)
            | Q(purchase_order__supplier__number__icontains=search)
            | Q(purchase_order__supplier__name__icontains=search)
        )
    return rows.order_by("need_by_date", "purchase_order_id", "line_number")


def expected_transfer_receipts(*, search: str = ""):
    """Lines of transfers in transit (shipped, not all received): what arrives from other
    organizations, beside the PO lines on the receiving screen."""
    rows = TransferOrderLine.objects.filter(
        transfer_order__status=TransferOrder.Status.SHIPPED,
        quantity_received__lt=F("quantity_shipped"),
    ).select_related(
        "transfer_order__source",
        "transfer_order__destination",
        "transfer_order__demand_line__order",
        "item",
    )
    if search:
        rows = rows.filter(
            Q(transfer_order__number__icontains=search) | Q(item__sku__icontains=search)
        )
    return rows.order_by("transfer_order__need_by_date", "transfer_order_id", "line_number")


def recent_receipts(*, limit: int = 20):
    return ReceiptLine.objects.select_related(
        "receipt__purchase_order__supplier",
        "receipt__transfer_order",
        "purchase_order_line__item",
        "purchase_order_line__demand_line__order",
        "transfer_order_line__item",
        "transfer_order_line__transfer_order__demand_line__order",
        "receipt__received_by",
    ).order_by("-receipt__received_at", "-id")[:limit]


def lines_to_ship(*, organization: str = ""):
    """Lines with stock reserved on hand and not on an active shipment: every AWAITING_SHIPPING
    line, and lines still awaiting supply whose received part can ship now."""
    active_on_hand = Reservation.objects.filter(
        demand_line=OuterRef("pk"),
        status=Reservation.Status.ACTIVE,
        supply_source=Reservation.Source.ON_HAND,
    )
    rows = (
        FulfillmentLine.objects.filter(
            status__in=[
                FulfillmentLine.Status.AWAITING_SHIPPING,
                FulfillmentLine.Status.AWAITING_SUPPLY,
            ]
        )
        .filter(Exists(active_on_hand))
        .exclude(Exists(ShipmentLine.objects.filter(demand_line=OuterRef("pk"), active=True)))
        # computed for the rows of the page only (a count leaves it out)
        .annotate(
            reserved_on_hand=per_row(
                active_on_hand.values("demand_line"), Sum("quantity"), QUANTITY_FIELD
            )
        )
        .select_related("order__customer", "item", "ship_from")
    )
    if organization:
        rows = rows.filter(ship_from__code=organization)
    return rows.order_by(
        "order__customer__number", "scheduled_ship_date", "order_id", "line_number"
    )


def active_shipments(*, organization: str = ""):
    rows = (
        Shipment.objects.exclude(status__in=[Shipment.Status.SHIPPED, Shipment.Status.CANCELLED])
        .select_related("customer", "organization")
        .prefetch_related(
            Prefetch(
                "lines",
                queryset=ShipmentLine.objects.filter(active=True).select_related(
                    "demand_line__order", "demand_line__item"
                ),
            )
        )
    )
    if organization:
        rows = rows.filter(organization__code=organization)
    return rows.order_by("id")


def reservations_of_balance(balance: InventoryBalance):
    return (
        Reservation.objects.filter(
            item_id=balance.item_id,
            organization_id=balance.organization_id,
            status=Reservation.Status.ACTIVE,
        )
        .select_related("demand_line__order__customer")
        .order_by("supply_source", "id")
    )


def transfer_orders(*, status: str = "", source: str = "", destination: str = ""):
    """Transfer orders newest first, with their organizations, sales order and customer."""
    rows = TransferOrder.objects.select_related(
        "source", "destination", "demand_line__order__customer", "demand_line__item"
    )
    if status:
        rows = rows.filter(status=status)
    if source:
        rows = rows.filter(source__code=source)
    if destination:
        rows = rows.filter(destination__code=destination)
    return rows.order_by("-id")
