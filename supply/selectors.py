"""Read queries for supply: pegging of order lines, supply orders, sourcing decisions."""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, DecimalField, Exists, OuterRef, Prefetch, Subquery, Sum

from catalog.models import QUANTITY
from core.models import SupplyDocumentKind, TransitionLog
from core.queries import per_row
from orders.models import FulfillmentLine, SalesOrder
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
        """Backordered, or its supply in exception, while the line is open (the CSR's flag)."""
        line = self.line
        if line.status not in FulfillmentLine.OPEN_STATES:
            return False
        exception = self.supply_order is not None and self.supply_order.status == "EXCEPTION"
        return exception or line.status == FulfillmentLine.Status.BACKORDERED

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
        .annotate(shipped=per_row(shipped, Sum("quantity"), QUANTITY_FIELD, default=0))
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
        for entry in TransitionLog.objects.filter(
            demand_line_id__in=[line.pk for line in lines]
        ).select_related("actor"):
            timeline.setdefault(entry.demand_line_id, []).append(entry)
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
    balance = InventoryBalance.objects.filter(item=item, organization=organization).first()
    available = max(balance.available, Decimal(0)) if balance else Decimal(0)
    from_stock, to_source = sourcing_decision.split_quantity(quantity=quantity, available=available)
    if not to_source:
        return PromisePreview(organization, available, from_stock, to_source)
    if not item.back_to_back:
        return PromisePreview(
            organization,
            available,
            from_stock,
            to_source,
            backorder_reason=f"{item.sku} is stocked, not bought per order",
        )
    line = FulfillmentLine(item=item, quantity=to_source, requested_ship_date=requested_date)
    result = sourcing.choose(line, organization, lock=False)
    reason = "" if result.chosen else "no feasible source"
    return PromisePreview(organization, available, from_stock, to_source, result, reason)


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
    deciding needs (kind, when raised, line, customer, item, requested date)."""
    open_exceptions = SupplyException.objects.filter(
        supply_order=OuterRef("pk"), resolved_at__isnull=True
    ).order_by("raised_at", "id")
    rows = supply_orders(status=SupplyOrder.Status.EXCEPTION, exception=kind).annotate(
        exception_kind=Subquery(open_exceptions.values("kind")[:1]),
        exception_raised_at=Subquery(open_exceptions.values("raised_at")[:1]),
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


def alternative_sources(supply_order: SupplyOrder):
    """What the orchestration manager may choose for a supply order in exception: the sourcing
    rules' candidates for the quantity its line lacks (the "why this source" table). Returns
    (quantity lacking, candidates)."""
    from supply import sourcing

    line = supply_order.demand_line
    lacking = line.quantity - covered(line.reservations.filter(status=Reservation.Status.ACTIVE))
    if lacking <= 0 or line.ship_from is None:
        return max(lacking, Decimal(0)), ()
    result = sourcing.choose(line, line.ship_from, lock=False, quantity=lacking)
    return lacking, result.candidates


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
