"""Read queries for supply: pegging of order lines, supply orders, sourcing decisions."""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, DecimalField, Exists, OuterRef, Prefetch, Q, Subquery, Sum

from catalog.models import QUANTITY
from core.models import SupplyDocumentKind
from core.queries import per_row
from core.selectors import timelines_of_lines
from orders.models import FulfillmentLine, SalesOrder
from orders.selectors import needs_attention
from supply.models import SupplyException, SupplyOrder, SupplyTrackingLine
from warehouse.models import InventoryBalance, Reservation, Shipment, ShipmentLine

QUANTITY_FIELD = DecimalField(**QUANTITY)
# What a tracking line's document reference reads (SupplyTrackingLine.document…), in one join.
TRACKED_DOCUMENTS = (
    "requisition_line",
    "purchase_order_line__purchase_order",
    "work_order",
    "transfer_order_line__transfer_order",
)


@dataclass
class LineView:
    """A line with everything its row on the order page and in the API shows."""

    line: FulfillmentLine
    decision: object = None
    supply_order: object = None
    documents: list = field(default_factory=list)
    reservations: list = field(default_factory=list)
    timeline: list = field(default_factory=list)
    # Set by billing.selectors.sales_order_line_views (billing comes after supply).
    quantity_invoiced: Decimal = Decimal(0)

    @property
    def quantity_shipped(self) -> Decimal:
        """What confirmed shipments carried of this line."""
        return self.line.shipped

    @property
    def needs_attention(self) -> bool:
        """The CSR's flag: orders.selectors.NEEDS_ATTENTION, read with the line (the worklist's
        filter and count are the same expression)."""
        return self.line.needs_attention

    @property
    def quantity_reserved(self) -> Decimal:
        return sum(
            (r.quantity for r in self.reservations if r.supply_source == "ON_HAND"), Decimal(0)
        )


def sales_order_lines(order: SalesOrder, *, with_timeline: bool = False) -> list[LineView]:
    """Lines of an order with their decision, supply order, documents and reservations.

    The pegging, read in a fixed number of queries whatever the number of lines.
    """
    shipped = ShipmentLine.objects.filter(
        demand_line=OuterRef("pk"), shipment__status=Shipment.Status.SHIPPED
    ).values("demand_line")
    lines = list(
        order.lines.select_related("item", "ship_from", "split_from")
        .annotate(
            shipped=per_row(shipped, Sum("quantity"), QUANTITY_FIELD, default=0),
            needs_attention=needs_attention(),
        )
        .prefetch_related(
            Prefetch("decisions", to_attr="all_decisions"),
            Prefetch(
                "supply_orders",
                queryset=SupplyOrder.objects.order_by("-id").prefetch_related(
                    Prefetch(
                        "tracking_lines",
                        queryset=SupplyTrackingLine.objects.select_related(*TRACKED_DOCUMENTS),
                    )
                ),
                to_attr="all_supply_orders",
            ),
            Prefetch(
                "reservations",
                queryset=Reservation.objects.filter(status="ACTIVE").select_related("organization"),
                to_attr="active_reservations",
            ),
        )
        .order_by("line_number")
    )
    timeline = {}
    if with_timeline and lines:
        timeline = timelines_of_lines(line.pk for line in lines)
    views = []
    for line in lines:
        supply_order = line.all_supply_orders[0] if line.all_supply_orders else None
        views.append(
            LineView(
                line=line,
                decision=line.all_decisions[0] if line.all_decisions else None,
                supply_order=supply_order,
                documents=list(supply_order.tracking_lines.all()) if supply_order else [],
                reservations=line.active_reservations,
                timeline=timeline.get(line.pk, []),
            )
        )
    return views


def supply_orders(
    *, status: str = "", sales_order: str = "", supply_type: str = "", exception: str = ""
):
    rows = SupplyOrder.objects.select_related(
        "demand_line__order__customer", "demand_line__item", "supplier", "source_organization"
    )
    if exception:
        rows = rows.filter(
            Exists(
                SupplyException.objects.filter(
                    supply_order=OuterRef("pk"), kind=exception, resolved_at__isnull=True
                )
            )
        )
    if status:
        rows = rows.filter(status=status)
    if supply_type:
        rows = rows.filter(supply_type=supply_type)
    if sales_order:
        rows = rows.filter(demand_line__order__number=sales_order)
    return rows.order_by("-id")


def supply_orders_listed(*, q: str = "", status: str = "", type: str = "", exception: str = ""):
    """The supply order list: the API list's filters plus a search by supply order or sales
    order number, newest first, each with its documents (one query for all of a page's)."""
    rows = supply_orders(status=status, supply_type=type, exception=exception)
    q = q.strip().upper()
    if q:
        rows = rows.filter(Q(number=q) | Q(demand_line__order__number=q))
    return rows.prefetch_related(
        Prefetch(
            "tracking_lines",
            queryset=SupplyTrackingLine.objects.select_related(*TRACKED_DOCUMENTS).order_by(
                "sequence"
            ),
        )
    )


def exceptions_of(supply_order: SupplyOrder) -> list[SupplyException]:
    """A supply order's exceptions, open and resolved, oldest first."""
    return list(supply_order.exceptions.select_related("resolved_by"))


def supply_documents(supply_order: SupplyOrder) -> list[SupplyTrackingLine]:
    """The execution documents of a supply order, in the order they were created."""
    return list(supply_order.tracking_lines.select_related(*TRACKED_DOCUMENTS))


@dataclass(frozen=True)
class PromisePreview:
    """What submitting a line would do now: stock first, then the source and its date."""

    organization: object
    available: Decimal
    from_stock: Decimal
    to_source: Decimal
    result: object = None  # sourcing_decision.SourcingResult for the part to source
    backorder_reason: str = ""
    # The line names no ship-from: the organization is the customer's default.
    customer_default: object = None

    @property
    def ship_date(self):
        if self.to_source and (self.result is None or self.result.chosen is None):
            return None
        if self.to_source:
            return self.result.scheduled_date
        return None


def promise_preview(*, item, quantity: Decimal, requested_date, ship_from, customer):
    """Preview the promise of a line before it is entered; writes and locks nothing."""
    from supply import sourcing, sourcing_decision

    organization = ship_from or (customer.default_ship_from if customer else None)
    if organization is None:
        return None
    default = customer if ship_from is None else None
    balance = InventoryBalance.objects.filter(item=item, organization=organization).first()
    available = max(balance.available, Decimal(0)) if balance else Decimal(0)
    from_stock, to_source = sourcing_decision.split_quantity(quantity=quantity, available=available)
    if not to_source:
        return PromisePreview(
            organization, available, from_stock, to_source, customer_default=default
        )
    if not item.back_to_back:
        return PromisePreview(
            organization,
            available,
            from_stock,
            to_source,
            backorder_reason=f"{item.sku} is stocked, not bought per order",
            customer_default=default,
        )
    line = FulfillmentLine(item=item, quantity=to_source, requested_ship_date=requested_date)
    result = sourcing.choose(line, organization, lock=False)
    reason = "" if result.chosen else "no feasible source"
    return PromisePreview(
        organization, available, from_stock, to_source, result, reason, customer_default=default
    )


def supply_order_counts() -> dict:
    """Supply orders by status and type, in one query: {status: {type: count, "total": n}}."""
    counts = {status: {"total": 0} for status in SupplyOrder.Status.values}
    rows = SupplyOrder.objects.values_list("status", "supply_type").annotate(n=Count("id"))
    for status, supply_type, n in rows.order_by():
        counts[status][supply_type] = n
        counts[status]["total"] += n
    return counts


def supply_exceptions(kind: str = ""):
    """The exceptions queue: supply orders in EXCEPTION, oldest open exception first, with what
    deciding needs (kind, when raised, line, customer, item, requested date, documents)."""
    open_exceptions = SupplyException.objects.filter(
        supply_order=OuterRef("pk"), resolved_at__isnull=True
    ).order_by("raised_at", "id")
    rows = (
        supply_orders(status=SupplyOrder.Status.EXCEPTION, exception=kind)
        .annotate(
            exception_kind=Subquery(open_exceptions.values("kind")[:1]),
            exception_raised_at=Subquery(open_exceptions.values("raised_at")[:1]),
        )
        .prefetch_related(
            Prefetch(
                "tracking_lines",
                queryset=SupplyTrackingLine.objects.select_related(*TRACKED_DOCUMENTS),
            )
        )
    )
    return rows.order_by("exception_raised_at", "id")


# What covers a demand line: its reservations on hand and against supply documents (stock
# held for a document's components or at a transfer's source is the document's, not the line's).
COVERING_SOURCES = frozenset({"ON_HAND", *SupplyDocumentKind.values})


def covered(reservations) -> Decimal:
    """How much of a line its active reservations cover (the one rule, read and write side)."""
    return sum(
        (
            r.quantity
            for r in reservations
            if r.supply_source in COVERING_SOURCES and r.status == Reservation.Status.ACTIVE
        ),
        Decimal(0),
    )


# Lead times offered for a source nothing tells about (no rule, no earlier purchase): the
# manager checks them before using the source.
DEFAULT_BUY_LEAD_DAYS = 7
DEFAULT_TRANSFER_LEAD_DAYS = 2


@dataclass(frozen=True)
class OtherSource:
    """A source the manager may use without a sourcing rule, with the price and lead time the
    form starts from (the item's rules, else its last purchase, else the defaults)."""

    type: str
    supplier: object = None  # catalog.Supplier (BUY)
    organization: object = None  # catalog.Organization (TRANSFER: has the item; MAKE: the plant)
    unit_price: Decimal | None = None
    lead_time_days: int = 0
    available: Decimal | None = None  # TRANSFER: what the organization has available
    rejected_on: str = ""  # BUY: the PO of this line the supplier rejected

    @property
    def name(self) -> str:
        return self.supplier.number if self.supplier is not None else self.organization.code


def suppliers_rejected(line) -> dict[str, str]:
    """Suppliers that rejected this demand: supplier number -> the PO they rejected."""
    from procurement.models import PurchaseOrder, PurchaseOrderLine

    rows = (
        PurchaseOrderLine.objects.filter(
            demand_line=line,
            purchase_order__acknowledgment=PurchaseOrder.Acknowledgment.REJECTED,
        )
        .order_by("purchase_order_id")
        .values_list("purchase_order__supplier__number", "purchase_order__number")
    )
    return dict(rows)


def other_sources(line, quantity: Decimal) -> list[OtherSource]:
    """What else can supply `quantity` of the line besides its sourcing rules: every supplier
    of the item (a Buy rule for it anywhere, or an earlier requisition of it), each warehouse
    or plant with the item available, and the ship-from plant's own bill of materials. Rule
    prices and lead times come first, then the last purchase; a supplier that rejected this
    demand says so."""
    from catalog.models import BillOfMaterials, SourcingRule, Supplier, SupplyType
    from procurement.models import RequisitionLine

    here = line.ship_from
    rules = list(
        SourcingRule.objects.filter(item_id=line.item_id).order_by("organization_id", "rank", "id")
    )

    def from_rules(kind, key, value):
        # The rule at the ship-from first, then any other organization's.
        matching = [r for r in rules if r.type == kind and getattr(r, key) == value]
        matching.sort(key=lambda r: (r.organization_id != here.pk, r.rank, r.pk))
        return matching[0] if matching else None

    from supply import sourcing

    # Each supplier's latest requisition of the item: one row per supplier, not its history.
    bought = RequisitionLine.objects.filter(item_id=line.item_id, supplier_id=OuterRef("pk"))
    rule_suppliers = {r.supplier_id for r in rules if r.type == SupplyType.BUY}
    suppliers = (
        Supplier.objects.filter(Q(pk__in=rule_suppliers) | Q(Exists(bought)))
        .annotate(last_price=Subquery(bought.order_by("-id").values("unit_price")[:1]))
        .order_by("number")
    )
    rejected = suppliers_rejected(line)
    found = []
    for supplier in suppliers:
        rule = from_rules(SupplyType.BUY, "supplier_id", supplier.pk)
        price = rule.unit_price if rule is not None and rule.unit_price is not None else None
        found.append(
            OtherSource(
                type=SupplyType.BUY,
                supplier=supplier,
                unit_price=price if price is not None else supplier.last_price,
                lead_time_days=rule.lead_time_days if rule else DEFAULT_BUY_LEAD_DAYS,
                rejected_on=rejected.get(supplier.number, ""),
            )
        )
    balances = (
        InventoryBalance.objects.filter(item_id=line.item_id)
        .exclude(organization_id=here.pk)
        .select_related("organization")
        .order_by("organization__code")
    )
    # What each can still transfer: less what lines promised earlier take from it.
    promised = sourcing.transfer_promised(line.item_id)
    for balance in balances:
        available = balance.available - promised.get(balance.organization_id, 0)
        if available <= 0:
            continue
        rule = from_rules(SupplyType.TRANSFER, "source_organization_id", balance.organization_id)
        found.append(
            OtherSource(
                type=SupplyType.TRANSFER,
                organization=balance.organization,
                lead_time_days=rule.lead_time_days if rule else DEFAULT_TRANSFER_LEAD_DAYS,
                available=available,
            )
        )
    if BillOfMaterials.objects.filter(item_id=line.item_id, organization=here).exists():
        rule = from_rules(SupplyType.MAKE, "source_organization_id", here.pk)
        found.append(
            OtherSource(
                type=SupplyType.MAKE,
                organization=here,
                lead_time_days=rule.lead_time_days if rule else DEFAULT_TRANSFER_LEAD_DAYS,
            )
        )
    return found


def line_sources(line):
    """What the manager chooses from for a line: (quantity it lacks, the sourcing rules'
    candidates for it, the other sources, the suppliers that rejected this demand)."""
    from supply import sourcing

    lacking = line.quantity - covered(line.reservations.filter(status=Reservation.Status.ACTIVE))
    lacking = max(lacking, Decimal(0))
    if lacking <= 0 or line.ship_from is None:
        return lacking, (), [], {}
    result = sourcing.choose(line, line.ship_from, lock=False, quantity=lacking)
    return lacking, result.candidates, other_sources(line, lacking), suppliers_rejected(line)


def lines_in_jeopardy():
    """Open lines whose scheduled ship date slipped past the promise, worst first."""
    return (
        FulfillmentLine.objects.filter(status__in=FulfillmentLine.OPEN_STATES, jeopardy_days__gt=0)
        .select_related("order__customer", "item")
        .order_by("-jeopardy_days", "scheduled_ship_date", "id")
    )


def backordered_lines():
    return (
        FulfillmentLine.objects.filter(status=FulfillmentLine.Status.BACKORDERED)
        .select_related("order__customer", "item")
        .order_by("requested_ship_date", "id")
    )


def supply_orders_of_work_order(work_order) -> list[SupplyOrder]:
    """The supply orders a work order works for (one, unless change management moved it)."""
    return list(
        SupplyOrder.objects.filter(tracking_lines__work_order=work_order).distinct().order_by("id")
    )


# The pegging page's view model has a module of its own (supply/pegging_view.py, which reads
# TRACKED_DOCUMENTS from here); its names are still found here, loaded on first use.
PEGGING_VIEW = frozenset(
    {
        "ChainDocument",
        "NextStep",
        "PEGGING_DOCUMENTS",
        "Pegging",
        "SHIPMENT_NEXT",
        "SupplyChain",
        "next_step_of",
        "pegging_line",
        "pegging_of",
    }
)


def __getattr__(name: str):
    if name in PEGGING_VIEW:
        from supply import pegging_view

        return getattr(pegging_view, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
