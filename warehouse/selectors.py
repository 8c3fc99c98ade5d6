from decimal import Decimal

from django.db.models import (
    Case,
    CharField,
    Count,
    DecimalField,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    StringAgg,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from catalog.models import QUANTITY, Customer, Organization
from core.documents import document_type_of
from core.queries import per_row
from orders.models import FulfillmentLine
from procurement.models import PurchaseOrder, PurchaseOrderLine
from warehouse.models import (
    InventoryBalance,
    InventoryTransaction,
    PickWave,
    Receipt,
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
    """The movements of one balance, newest first, with what their documents point to: the
    sales order of the line moved, and the PO or transfer order a receipt received."""
    receipt = Receipt.objects.filter(pk=OuterRef("document_id"))

    def of_receipt(field):
        rows = receipt.values(field)[:1]
        return Case(
            When(document_type=document_type_of(Receipt), then=Subquery(rows)),
            output_field=CharField(),
        )

    return (
        InventoryTransaction.objects.filter(item_id=item_id, organization_id=organization_id)
        .annotate(
            sales_order_number=Subquery(
                FulfillmentLine.objects.filter(pk=OuterRef("demand_line_id")).values(
                    "order__number"
                )[:1]
            ),
            sales_order_line=Subquery(
                FulfillmentLine.objects.filter(pk=OuterRef("demand_line_id")).values("line_number")[
                    :1
                ]
            ),
            receipt_purchase_order=of_receipt("purchase_order__number"),
            receipt_transfer_order=of_receipt("transfer_order__number"),
        )
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


def purchase_orders_expected(search: str) -> str:
    """The numbers of the OPEN POs with open lines whose number matches `search` (at most ten,
    space-separated): what a "receive the whole delivery" form starts with."""
    numbers = (
        PurchaseOrder.objects.filter(
            status=PurchaseOrder.Status.OPEN,
            number__icontains=search,
            lines__status=PurchaseOrderLine.Status.OPEN,
        )
        .order_by("number")
        .values_list("number", flat=True)
        .distinct()[:10]
    )
    return " ".join(numbers)


def receipt_figures(receipt) -> dict:
    """A receipt's lines, and the quantity reserved for orders and gone to free stock."""
    figures = receipt.lines.aggregate(
        lines=Count("id"), quantity=Sum("quantity"), reserved=Sum("reserved_quantity")
    )
    figures["free"] = (figures["quantity"] or 0) - (figures["reserved"] or 0)
    figures["reserved"] = figures["reserved"] or 0
    return figures


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
        "purchase_order_line__purchase_order",
        "purchase_order_line__demand_line__order",
        "transfer_order_line__item",
        "transfer_order_line__transfer_order__demand_line__order",
        "receipt__received_by",
    ).order_by("-receipt__received_at", "-id")[:limit]


# A shipment holds its lines from planning until ship confirm (or cancel).
OPEN_SHIPMENT_STATES = (Shipment.Status.PLANNED, Shipment.Status.PICKED, Shipment.Status.PACKED)


def lines_to_ship(*, organization: str = ""):
    """Lines with stock reserved on hand that no open shipment holds yet: every
    AWAITING_SHIPPING line, and lines still awaiting supply whose received part can ship now.

    `ready_quantity` (reserved on hand less what open shipments hold of the line) is the
    figure of "Ready to ship": the remainder of a line planned in part stays listed, with the
    shipment that holds the rest (`planned_on`, `planned_quantity`).
    """
    active_on_hand = Reservation.objects.filter(
        demand_line=OuterRef("pk"),
        status=Reservation.Status.ACTIVE,
        supply_source=Reservation.Source.ON_HAND,
    )
    planned = ShipmentLine.objects.filter(
        demand_line=OuterRef("pk"), active=True, shipment__status__in=OPEN_SHIPMENT_STATES
    )
    reserved_on_hand = per_row(
        active_on_hand.values("demand_line"), Sum("quantity"), QUANTITY_FIELD, default=0
    )
    planned_quantity = per_row(
        planned.values("demand_line"), Sum("quantity"), QUANTITY_FIELD, default=0
    )
    rows = (
        FulfillmentLine.objects.filter(
            status__in=[
                FulfillmentLine.Status.AWAITING_SHIPPING,
                FulfillmentLine.Status.AWAITING_SUPPLY,
            ]
        )
        .filter(Exists(active_on_hand))
        .alias(ready=ExpressionWrapper(reserved_on_hand - planned_quantity, QUANTITY_FIELD))
        .filter(ready__gt=0)
        .annotate(
            reserved_on_hand=reserved_on_hand,
            planned_quantity=planned_quantity,
            ready_quantity=ExpressionWrapper(
                F("reserved_on_hand") - F("planned_quantity"), QUANTITY_FIELD
            ),
            planned_on=Subquery(planned.values("shipment__number")[:1]),
        )
        .select_related("order__customer", "item", "ship_from")
    )
    if organization:
        rows = rows.filter(ship_from__code=organization)
    return rows.order_by(
        "order__customer__number", "scheduled_ship_date", "order_id", "line_number"
    )


def open_shipments():
    return Shipment.objects.filter(status__in=OPEN_SHIPMENT_STATES)


def shipping_organizations_with_work() -> list[str]:
    """Codes of the organizations with something to ship: lines ready to ship or open
    shipments (what the shipping screen opens on when no organization is chosen)."""
    ready = lines_to_ship().filter(ship_from=OuterRef("pk"))
    shipments = open_shipments().filter(organization=OuterRef("pk"))
    return list(
        Organization.objects.filter(Q(Exists(ready)) | Q(Exists(shipments)))
        .order_by("code")
        .values_list("code", flat=True)
    )


def _with_lines(shipments, lines=None):
    return shipments.select_related("customer", "organization").prefetch_related(
        Prefetch(
            "lines",
            queryset=(lines or ShipmentLine.objects.all())
            .select_related("demand_line__order", "demand_line__item")
            .order_by("id"),
        )
    )


def active_shipments(*, organization: str = ""):
    """Open shipments planned on their own (a wave's shipments are on its page)."""
    rows = _with_lines(
        open_shipments().filter(wave__isnull=True), ShipmentLine.objects.filter(active=True)
    )
    if organization:
        rows = rows.filter(organization__code=organization)
    return rows.order_by("id")


def shipment_card(shipment_id: int) -> Shipment:
    """One shipment as the shipping screen shows it, whatever its status (a card just shipped
    or cancelled stays in view until the next visit)."""
    return _with_lines(Shipment.objects.all()).get(pk=shipment_id)


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


ZERO = Value(Decimal(0), output_field=QUANTITY_FIELD)


def _wave_figures(waves):
    active = Q(shipments__lines__active=True) & ~Q(shipments__status=Shipment.Status.CANCELLED)
    return waves.annotate(
        shipment_count=Count(
            "shipments", filter=~Q(shipments__status=Shipment.Status.CANCELLED), distinct=True
        ),
        line_count=Count("shipments__lines", filter=active),
        quantity=Coalesce(Sum("shipments__lines__quantity", filter=active), ZERO),
    ).select_related("organization", "customer")


def waves_at(organization: str, *, shipped: int = 5) -> list:
    """An organization's open pick waves (oldest first), then the last `shipped` shipped."""
    waves = _wave_figures(PickWave.objects.filter(organization__code=organization))
    return list(waves.exclude(status=PickWave.Status.SHIPPED).order_by("id")) + list(
        waves.filter(status=PickWave.Status.SHIPPED).order_by("-id")[:shipped]
    )


def wave_detail(number: str) -> PickWave:
    """One wave with its figures (raises PickWave.DoesNotExist)."""
    return _wave_figures(PickWave.objects.all()).get(number=number)


def wave_shipments(wave: PickWave):
    """A wave's shipments by customer, with their lines' count and quantity."""
    active = Q(lines__active=True)
    return (
        wave.shipments.annotate(
            line_count=Count("lines", filter=active),
            quantity=Coalesce(Sum("lines__quantity", filter=active), ZERO),
        )
        .select_related("customer")
        .order_by("customer__number", "id")
    )


def customers_with_lines_ready(organization: str):
    """The customers with lines ready to ship at an organization (a wave's customer filter)."""
    ready = lines_to_ship(organization=organization).filter(order__customer=OuterRef("pk"))
    return Customer.objects.filter(Exists(ready)).order_by("number")


# --- shipments and receipts: their pages, the history and the API lists ----------------------


def _carried_lines():
    """The lines a shipment carries: its active lines, and a cancelled shipment's lines as
    they were planned (cancelling made them inactive)."""
    return ShipmentLine.objects.filter(CARRIED, shipment=OuterRef("pk"))


# A shipment carries its active lines; a cancelled one shows its lines as they were planned.
CARRIED = Q(active=True) | Q(shipment__status=Shipment.Status.CANCELLED)


def _with_figures(shipments):
    lines = _carried_lines().values("shipment")
    return shipments.annotate(
        line_count=per_row(lines, Count("id"), IntegerField(), default=0),
        quantity=per_row(lines, Sum("quantity"), QUANTITY_FIELD, default=0),
    )


def shipments(
    *,
    status: str = "",
    organization: str = "",
    customer: str = "",
    sales_order: str = "",
    search: str = "",
):
    """Shipments newest first with their line count and quantity, filtered by status,
    organization code, customer number and sales order number; `search` finds the shipment,
    customer (number or name), carrier, tracking number or sales order."""
    rows = _with_figures(Shipment.objects.select_related("organization", "customer", "wave"))
    if status:
        rows = rows.filter(status=status)
    if organization:
        rows = rows.filter(organization__code=organization)
    if customer:
        rows = rows.filter(customer__number=customer)
    if sales_order:
        rows = rows.filter(Exists(_carried_lines().filter(demand_line__order__number=sales_order)))
    if search:
        rows = rows.filter(
            Q(number__icontains=search)
            | Q(customer__number__icontains=search)
            | Q(customer__name__icontains=search)
            | Q(carrier__icontains=search)
            | Q(tracking_number__icontains=search)
            | Exists(_carried_lines().filter(demand_line__order__number__icontains=search))
        )
    if status == Shipment.Status.SHIPPED:
        return rows.order_by("-ship_date", "-id")  # the shipped history: last shipped first
    return rows.order_by("-id")


def shipment_detail(number: str) -> Shipment:
    """One shipment with its lines (as carried), their orders and items (raises
    Shipment.DoesNotExist)."""
    shipment = _with_figures(
        Shipment.objects.select_related("organization", "customer", "wave")
    ).get(number=number)
    shipment.lines_out = list(
        shipment.lines.filter(CARRIED)
        .select_related("demand_line__order", "demand_line__item")
        .order_by("id")
    )
    return shipment


def _receipt_lines():
    return ReceiptLine.objects.select_related(
        "purchase_order_line__item",
        "purchase_order_line__purchase_order",
        "purchase_order_line__demand_line__order",
        "transfer_order_line__item",
        "transfer_order_line__transfer_order__demand_line__order",
    ).order_by("id")


def receipts(
    *,
    organization: str = "",
    purchase_order: str = "",
    transfer_order: str = "",
    search: str = "",
):
    """Receipts newest first with their line count and quantity, filtered by organization
    code, purchase order (any of its lines received) and transfer order; `search` finds the
    receipt, its reference (the supplier's ship notice), a PO, a transfer or a supplier."""
    lines = ReceiptLine.objects.filter(receipt=OuterRef("pk")).values("receipt")
    rows = _with_purchase_orders(
        Receipt.objects.select_related(
            "organization", "purchase_order__supplier", "transfer_order", "received_by"
        )
    ).annotate(
        line_count=per_row(lines, Count("id"), IntegerField(), default=0),
        quantity=per_row(lines, Sum("quantity"), QUANTITY_FIELD, default=0),
    )
    on_po = ReceiptLine.objects.filter(receipt=OuterRef("pk"))
    if organization:
        rows = rows.filter(organization__code=organization)
    if purchase_order:
        rows = rows.filter(
            Exists(on_po.filter(purchase_order_line__purchase_order__number=purchase_order))
        )
    if transfer_order:
        rows = rows.filter(transfer_order__number=transfer_order)
    if search:
        rows = rows.filter(
            Q(number__icontains=search)
            | Q(reference__icontains=search)
            | Q(transfer_order__number__icontains=search)
            | Exists(
                on_po.filter(
                    Q(purchase_order_line__purchase_order__number__icontains=search)
                    | Q(purchase_order_line__purchase_order__supplier__number__icontains=search)
                    | Q(purchase_order_line__purchase_order__supplier__name__icontains=search)
                )
            )
        )
    return rows.order_by("-id")


def receipt_detail(number: str) -> Receipt:
    """One receipt with its lines, what they were received on and for whom (raises
    Receipt.DoesNotExist)."""
    receipt = _with_purchase_orders(
        Receipt.objects.select_related(
            "organization", "purchase_order__supplier", "transfer_order", "received_by"
        )
    ).get(number=number)
    receipt.lines_out = list(_receipt_lines().filter(receipt=receipt))
    return receipt


def _with_purchase_orders(receipts):
    """Annotate each receipt with the numbers of the purchase orders its lines received (a whole
    delivery names each PO), in one subquery per row — not by loading its lines."""
    numbers = (
        ReceiptLine.objects.filter(receipt=OuterRef("pk"), purchase_order_line__isnull=False)
        .values("receipt")
        .order_by()
    )
    number = "purchase_order_line__purchase_order__number"
    return receipts.annotate(
        purchase_order_numbers=per_row(
            numbers,
            StringAgg(number, Value(","), distinct=True),
            CharField(),
            default="",
        )
    )


def purchase_orders_of(receipt) -> list[str]:
    """The purchase orders a receipt (of `receipts` or `receipt_detail`) received, by number;
    none for a transfer receipt."""
    if receipt.transfer_order_id is not None or not receipt.purchase_order_numbers:
        return []
    return sorted(receipt.purchase_order_numbers.split(","))


# Where a transfer's history ends: received (then closed when its demand shipped) or cancelled.
TRANSFER_HISTORY_STATES = (
    TransferOrder.Status.RECEIVED,
    TransferOrder.Status.CLOSED,
    TransferOrder.Status.CANCELLED,
)


def transfer_history(*, organization: str = "", search: str = ""):
    """Transfers received, closed or cancelled, newest first; at an organization (source or
    destination); `search` finds the transfer, its sales order or an item."""
    rows = transfer_orders().filter(status__in=TRANSFER_HISTORY_STATES)
    if organization:
        rows = rows.filter(Q(source__code=organization) | Q(destination__code=organization))
    if search:
        rows = rows.filter(
            Q(number__icontains=search)
            | Q(demand_line__order__number__icontains=search)
            | Q(demand_line__item__sku__icontains=search)
        )
    return rows


def wave_pick_list(wave: PickWave) -> list[dict]:
    """What the picker walks the warehouse for: the wave's lines consolidated by item (one row
    per item with its total quantity and how many lines and shipments it goes to), by SKU.
    Organizations keep no bin locations, so the item is the pick face."""
    return list(
        ShipmentLine.objects.filter(shipment__wave=wave, active=True)
        .exclude(shipment__status=Shipment.Status.CANCELLED)
        .values(
            sku=F("demand_line__item__sku"),
            description=F("demand_line__item__description"),
            uom=F("demand_line__item__uom"),
        )
        .annotate(
            quantity=Sum("quantity"),
            line_count=Count("id"),
            shipment_count=Count("shipment", distinct=True),
        )
        .order_by("sku")
    )
