"""Read queries for supply: pegging of order lines, supply orders, sourcing decisions."""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, DecimalField, Exists, OuterRef, Prefetch, Q, Subquery, Sum
from django.urls import reverse
from django.utils import timezone

from catalog.models import QUANTITY
from core.formatting import day, qty
from core.models import SupplyDocumentKind
from core.queries import per_row
from core.selectors import timelines_of_lines
from orders.models import FulfillmentLine, SalesOrder
from orders.selectors import needs_attention
from supply.models import SupplyException, SupplyOrder, SupplyTrackingLine
from warehouse.models import InventoryBalance, ReceiptLine, Reservation, Shipment, ShipmentLine

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


# --- Pegging of one line: the chain of documents and the next step it waits for ---------------


@dataclass
class ChainDocument:
    """One document in a line's chain as its pegging page shows it."""

    kind: str
    number: str
    url: str = ""
    status: str = ""
    quantity: Decimal | None = None
    detail: str = ""
    inactive: bool = False  # cancelled: it no longer works for the line
    fallback_url: str = ""  # what it links to for a user who may not open `url` (a receipt: its PO)


@dataclass
class SupplyChain:
    """A supply order of the line and the documents that worked for it, in order."""

    supply_order: SupplyOrder
    documents: list[ChainDocument] = field(default_factory=list)

    @property
    def inactive(self) -> bool:
        return self.supply_order.status == SupplyOrder.Status.CANCELLED


@dataclass(frozen=True)
class NextStep:
    """What the line waits for, in words, and the page of whoever is to act."""

    text: str
    url: str = ""
    tone: str = "info"  # Bootstrap colour: info (on its way), danger (stuck), success (done)
    opens: str = ""  # what the link opens (a document number, "shipping")


@dataclass
class Pegging:
    line: FulfillmentLine
    supply: list[SupplyChain]
    reservations: list
    shipments: list
    timeline: list
    next_step: NextStep
    # Set by the view from billing (billing comes after supply).
    invoices: list = field(default_factory=list)


PEGGING_DOCUMENTS = (
    *TRACKED_DOCUMENTS,
    "requisition_line__supplier",
    "purchase_order_line__purchase_order__supplier",
    "work_order__organization",
    "transfer_order_line__transfer_order__source",
    "transfer_order_line__transfer_order__destination",
)


def pegging_line(order_number: str, line_number: int) -> FulfillmentLine:
    """The line whose pegging is shown (FulfillmentLine.DoesNotExist when there is none)."""
    return FulfillmentLine.objects.select_related(
        "order__customer", "item", "ship_from", "split_from"
    ).get(order__number=order_number, line_number=line_number)


def pegging_of(line: FulfillmentLine) -> Pegging:
    """A line's whole chain — supply orders (cancelled ones too) with their requisition / PO
    line and receipts, work order or transfer order; what is reserved for it where; its
    shipments — and the next step it waits for; in a fixed number of queries."""
    supply_orders = list(
        line.supply_orders.select_related("supplier", "source_organization")
        .prefetch_related(
            Prefetch(
                "tracking_lines",
                queryset=SupplyTrackingLine.objects.select_related(*PEGGING_DOCUMENTS),
            )
        )
        .order_by("id")
    )
    tracking = [t for s in supply_orders for t in s.tracking_lines.all()]
    receipts: dict[tuple[str, int], list] = {}
    po_lines = [t.purchase_order_line_id for t in tracking if t.purchase_order_line_id]
    to_lines = [t.transfer_order_line_id for t in tracking if t.transfer_order_line_id]
    if po_lines or to_lines:
        for receipt_line in ReceiptLine.objects.filter(
            Q(purchase_order_line_id__in=po_lines) | Q(transfer_order_line_id__in=to_lines)
        ).select_related("receipt__organization"):
            key = (
                ("po", receipt_line.purchase_order_line_id)
                if receipt_line.purchase_order_line_id
                else ("to", receipt_line.transfer_order_line_id)
            )
            receipts.setdefault(key, []).append(receipt_line)
    supply = [
        SupplyChain(s, [d for t in s.tracking_lines.all() for d in _chain_of(t, receipts)])
        for s in supply_orders
    ]
    reservations = list(
        line.reservations.filter(status=Reservation.Status.ACTIVE).select_related("organization")
    )
    shipments = list(
        line.shipment_lines.select_related("shipment__organization").order_by("shipment_id")
    )
    timeline = timelines_of_lines([line.pk]).get(line.pk, [])
    return Pegging(
        line=line,
        supply=supply,
        reservations=reservations,
        shipments=shipments,
        timeline=timeline,
        next_step=next_step_of(line, supply_orders, shipments),
    )


def _receipt_documents(receipt_lines, received_on: str = "") -> list[ChainDocument]:
    return [
        ChainDocument(
            "Receipt",
            r.receipt.number,
            reverse("warehouse:receipt", args=[r.receipt.number]),
            fallback_url=received_on,
            quantity=r.quantity,
            detail=f"received at {r.receipt.organization.name} on "
            f"{day(timezone.localdate(r.receipt.received_at))}"
            + (
                f", {qty(r.reserved_quantity)} reserved for the line" if r.reserved_quantity else ""
            ),
        )
        for r in receipt_lines
    ]


def _chain_of(tracking_line: SupplyTrackingLine, receipts) -> list[ChainDocument]:
    """The documents of one tracking line: requisition → PO line → receipts, the work order,
    or the transfer order → receipts."""
    chain = []
    requisition = tracking_line.requisition_line
    if requisition is not None:
        chain.append(
            ChainDocument(
                "Requisition",
                requisition.number,
                reverse("procurement:requisition", args=[requisition.number]),
                requisition.status,
                requisition.quantity,
                f"from {requisition.supplier.name}, need by {day(requisition.need_by_date)}",
                inactive=requisition.status == "CANCELLED",
            )
        )
    po_line = tracking_line.purchase_order_line
    if po_line is not None:
        po = po_line.purchase_order
        url = reverse("procurement:purchase_order", args=[po.number])
        promised = (
            f"promised {day(po_line.promised_date)}"
            if po_line.promised_date
            else f"need by {day(po_line.need_by_date)}"
        )
        chain.append(
            ChainDocument(
                "Purchase order line",
                f"{po.number} line {po_line.line_number}",
                url,
                po_line.status if po.status == po.Status.OPEN else po.status,
                po_line.quantity,
                f"from {po.supplier.name}, {promised}, {qty(po_line.quantity_received)} received",
                inactive=po_line.status == "CANCELLED" or po.status == po.Status.CANCELLED,
            )
        )
        chain += _receipt_documents(receipts.get(("po", po_line.pk), ()), url)
    work_order = tracking_line.work_order
    if work_order is not None:
        chain.append(
            ChainDocument(
                "Work order",
                work_order.number,
                reverse("manufacturing:work_order", args=[work_order.number]),
                work_order.status,
                work_order.quantity,
                f"at {work_order.organization.name}, due {day(work_order.due_date)}, "
                f"{qty(work_order.quantity_completed)} completed",
                inactive=work_order.status == work_order.Status.CANCELLED,
            )
        )
    to_line = tracking_line.transfer_order_line
    if to_line is not None:
        transfer = to_line.transfer_order
        url = reverse("warehouse:transfer_order", args=[transfer.number])
        chain.append(
            ChainDocument(
                "Transfer order",
                transfer.number,
                url,
                transfer.status,
                to_line.quantity,
                f"from {transfer.source.name} to {transfer.destination.name}, need by "
                f"{day(transfer.need_by_date)}, {qty(to_line.quantity_shipped)} shipped, "
                f"{qty(to_line.quantity_received)} received",
                inactive=transfer.status == transfer.Status.CANCELLED,
            )
        )
        chain += _receipt_documents(receipts.get(("to", to_line.pk), ()), url)
    return chain


SHIPMENT_NEXT = {"PLANNED": "picked", "PICKED": "packed", "PACKED": "ship confirmed"}


def next_step_of(line: FulfillmentLine, supply_orders, shipment_lines) -> NextStep:
    """The one step the line waits for now, in words (the pegging page's headline)."""
    S = FulfillmentLine.Status
    status = line.status
    if status == S.DRAFT:
        return NextStep("Waiting for the order to be submitted")
    if status == S.CANCELLED:
        return NextStep(
            "Cancelled" + (f": {line.cancel_reason}" if line.cancel_reason else ""),
            tone="secondary",
        )
    if status == S.CLOSED:
        return NextStep("Closed", tone="success")
    if status in (S.SHIPPED, S.AWAITING_BILLING):
        return NextStep("Waiting for invoicing")
    if status == S.AWAITING_SHIPPING:
        for shipment_line in shipment_lines:
            shipment = shipment_line.shipment
            if shipment_line.active and shipment.status in SHIPMENT_NEXT:
                return NextStep(
                    f"Waiting for {shipment.number} to be {SHIPMENT_NEXT[shipment.status]} at "
                    f"{shipment.organization.name}",
                    reverse("warehouse:shipment", args=[shipment.number]),
                    opens=shipment.number,
                )
        where = line.ship_from.name if line.ship_from else "stock"
        return NextStep(
            f"Ready to ship from {where}", reverse("warehouse:shipping"), opens="shipping"
        )
    current = next(
        (s for s in supply_orders if s.status not in (s.Status.CANCELLED, s.Status.CLOSED)),
        None,
    )
    url = reverse("supply:supply_order", args=[current.number]) if current else ""
    if current is not None and current.status == current.Status.EXCEPTION:
        reason = f": {current.exception_reason}" if current.exception_reason else ""
        return NextStep(
            f"Waiting for a decision on {current.number}{reason}", url, "danger", current.number
        )
    if status == S.BACKORDERED:
        return NextStep(
            "Backordered: waiting to be promised again when a source can supply it", tone="danger"
        )
    if current is None:
        return NextStep("Waiting for supply to be requested")
    if current.status == current.Status.REQUESTED:
        return NextStep(
            f"Waiting for {current.number} to get its supply document", url, opens=current.number
        )
    for tracking_line in current.tracking_lines.all():
        step = _document_step(tracking_line)
        if step is not None:
            return step
    return NextStep(f"Waiting for {current.number} to deliver", url, opens=current.number)


def _document_step(tracking_line: SupplyTrackingLine) -> NextStep | None:
    """What an open document of the line's supply waits for (None when it is done)."""
    po_line = tracking_line.purchase_order_line
    if po_line is not None:
        po = po_line.purchase_order
        url = reverse("procurement:purchase_order", args=[po.number])
        if po_line.status != po_line.Status.OPEN or po.status not in (
            po.Status.DRAFT,
            po.Status.PENDING_APPROVAL,
            po.Status.OPEN,
        ):
            return None
        if po.status == po.Status.DRAFT:
            return NextStep(f"Waiting for the buyer to submit {po.number}", url, opens=po.number)
        if po.status == po.Status.PENDING_APPROVAL:
            return NextStep(f"Waiting for approval of {po.number}", url, opens=po.number)
        if po.communicated_at is None:
            return NextStep(
                f"Waiting for {po.number} to be sent to {po.supplier.name}", url, opens=po.number
            )
        still = po_line.quantity - po_line.quantity_received
        part = f" ({qty(still)} still to come)" if po_line.quantity_received else ""
        when = (
            f"promised {day(po_line.promised_date)}"
            if po_line.promised_date
            else f"needed by {day(po_line.need_by_date)}, not yet promised"
        )
        return NextStep(
            f"Waiting for {po.number} line {po_line.line_number} from {po.supplier.name}"
            f"{part}, {when}",
            url,
            opens=po.number,
        )
    requisition = tracking_line.requisition_line
    if requisition is not None:
        if requisition.status != requisition.Status.OPEN:
            return None
        return NextStep(
            f"Waiting for a buyer to order {requisition.number} from {requisition.supplier.name}",
            reverse("procurement:requisition", args=[requisition.number]),
            opens=requisition.number,
        )
    work_order = tracking_line.work_order
    if work_order is not None:
        url = reverse("manufacturing:work_order", args=[work_order.number])
        if work_order.status == work_order.Status.UNRELEASED:
            return NextStep(
                f"Waiting for {work_order.number} to be released", url, opens=work_order.number
            )
        if work_order.status in work_order.OPEN_STATES:
            return NextStep(
                f"Waiting for {work_order.number} to complete, due {day(work_order.due_date)}",
                url,
                opens=work_order.number,
            )
        return None
    to_line = tracking_line.transfer_order_line
    if to_line is not None:
        transfer = to_line.transfer_order
        url = reverse("warehouse:transfer_order", args=[transfer.number])
        if transfer.status == transfer.Status.OPEN:
            return NextStep(
                f"Waiting for {transfer.number} to ship from {transfer.source.name}",
                url,
                opens=transfer.number,
            )
        if transfer.status == transfer.Status.SHIPPED:
            return NextStep(
                f"Waiting for {transfer.number} to arrive at {transfer.destination.name}",
                url,
                opens=transfer.number,
            )
    return None


def supply_orders_of_work_order(work_order) -> list[SupplyOrder]:
    """The supply orders a work order works for (one, unless change management moved it)."""
    return list(
        SupplyOrder.objects.filter(tracking_lines__work_order=work_order).distinct().order_by("id")
    )
