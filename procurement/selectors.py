"""Read queries for the buyer workbench, PO screens and the procurement API."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db.models import (
    Case,
    CharField,
    Count,
    DecimalField,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    Max,
    OuterRef,
    Prefetch,
    Q,
    Sum,
    Value,
    When,
)
from django.utils import timezone

from catalog.models import SourcingRule, Supplier, SupplyType
from core.documents import document_type_of
from core.formatting import day, qty
from core.models import OutboxMessage, TransitionLog
from core.money import AMOUNT_FIELD, line_amount_sql
from core.queries import per_row
from procurement.models import PurchaseOrder, PurchaseOrderLine, RequisitionLine


def purchase_order_email(po: PurchaseOrder) -> OutboxMessage | None:
    """The outbox message carrying this revision's email to the supplier, if one was queued."""
    return OutboxMessage.objects.filter(key=po.email_key).first()


def requisition_lines(*, status: str = "", supplier: str = "", search: str = ""):
    """Requisition lines with their extended amount (quantity × price, core.money's rounding),
    by supplier and need-by date."""
    rows = RequisitionLine.objects.select_related(
        "item", "supplier", "organization", "demand_line__order__customer"
    ).annotate(amount=line_amount_sql())
    if status:
        rows = rows.filter(status=status)
    if supplier:
        rows = rows.filter(supplier__number=supplier)
    if search:
        rows = rows.filter(
            Q(number__icontains=search)
            | Q(item__sku__icontains=search)
            | Q(demand_line__order__number__icontains=search)
        )
    return rows.order_by("supplier__number", "need_by_date", "id")


@dataclass(frozen=True)
class SupplierOffer:
    supplier: Supplier
    unit_price: Decimal | None
    lead_time_days: int | None


def requisition_supplier_offers(requisition: RequisitionLine) -> list[SupplierOffer]:
    """The suppliers a requisition line may go to: every supplier with a Buy sourcing rule for
    its item (or for any item) at its ship-to (or any organization) that has not expired, with
    the price and lead time of its most specific rule; by supplier number."""
    today = timezone.localdate()
    rules = (
        SourcingRule.objects.filter(type=SupplyType.BUY, supplier__isnull=False)
        .filter(Q(item=requisition.item_id) | Q(item__isnull=True))
        .filter(Q(organization=requisition.organization_id) | Q(organization__isnull=True))
        # effective today, both ends inclusive (as supply.sourcing_decision.effective_rules)
        .filter(Q(effective_from__isnull=True) | Q(effective_from__lte=today))
        .filter(Q(effective_to__isnull=True) | Q(effective_to__gte=today))
        .select_related("supplier")
        # The most specific rule first: item + organization, item, organization, any.
        .order_by(F("item").asc(nulls_last=True), F("organization").asc(nulls_last=True), "rank")
    )
    offers: dict[int, SupplierOffer] = {}
    for rule in rules:
        offers.setdefault(
            rule.supplier_id, SupplierOffer(rule.supplier, rule.unit_price, rule.lead_time_days)
        )
    return sorted(offers.values(), key=lambda offer: offer.supplier.number)


def requisition_change_offers(requisition: RequisitionLine) -> list[SupplierOffer]:
    """The suppliers the requisition page offers: its supplier offers, and always the
    requisition's own supplier (at its price) — a price-only change never switches supplier,
    even when that supplier's rule has expired or was removed."""
    offers = requisition_supplier_offers(requisition)
    if all(offer.supplier.pk != requisition.supplier_id for offer in offers):
        own = SupplierOffer(requisition.supplier, requisition.unit_price, None)
        offers = sorted([*offers, own], key=lambda offer: offer.supplier.number)
    return offers


def requisition_line(number: str) -> RequisitionLine:
    """One requisition line with its amount and what it is for; raises DoesNotExist."""
    return requisition_lines().get(number=number)


def requisition_purchase_order_line(requisition: RequisitionLine) -> PurchaseOrderLine | None:
    """The PO line a requisition line is on (its live one, else the last cancelled one)."""
    return (
        requisition.purchase_order_lines.select_related("purchase_order")
        .order_by(Case(When(status=PurchaseOrderLine.Status.CANCELLED, then=1), default=0), "-id")
        .first()
    )


@dataclass(frozen=True)
class PurchaseOrderFilters:
    status: str = ""
    supplier: str = ""
    sales_order: str = ""
    late: bool = False
    awaiting_acknowledgment: bool = False
    search: str = ""
    change_order_held: bool = False


def purchase_orders(filters: PurchaseOrderFilters = PurchaseOrderFilters()):
    """PO headers with their total and line count (cancelled lines left out), newest first.

    The figures are subqueries, computed for the rows of a page only (a count leaves them out
    instead of grouping every PO's lines).
    """
    live = (
        PurchaseOrderLine.objects.filter(purchase_order=OuterRef("pk"))
        .exclude(status=PurchaseOrderLine.Status.CANCELLED)
        .values("purchase_order")
    )
    rows = PurchaseOrder.objects.select_related("supplier", "organization").annotate(
        total=per_row(live, Sum(line_amount_sql()), AMOUNT_FIELD, default=0),
        line_count=per_row(live, Count("pk"), IntegerField(), default=0),
        acknowledgment_shown=acknowledgment_shown(),
    )
    if filters.status:
        rows = rows.filter(status=filters.status)
    if filters.supplier:
        rows = rows.filter(supplier__number=filters.supplier)
    if filters.sales_order:
        rows = rows.filter(
            Exists(
                PurchaseOrderLine.objects.filter(
                    purchase_order=OuterRef("pk"), demand_line__order__number=filters.sales_order
                )
            )
        )
    if filters.search:
        rows = rows.filter(number__icontains=filters.search)
    if filters.late:
        late_lines = late_purchase_order_lines().filter(purchase_order=OuterRef("pk"))
        rows = rows.filter(Exists(late_lines))
    if filters.change_order_held:
        rows = rows.filter(status=PurchaseOrder.Status.OPEN, change_order_held_at__isnull=False)
    if filters.awaiting_acknowledgment:
        rows = rows.filter(
            status=PurchaseOrder.Status.OPEN,
            acknowledgment=PurchaseOrder.Acknowledgment.PENDING,
            communicated_at__isnull=False,
        )
    return rows.order_by("-id")


NOT_SENT = "Not sent yet"


def acknowledgment_shown():
    """The supplier's acknowledgment as screens and exports show it: a PO never sent to the
    supplier has nothing to acknowledge yet ("Not sent yet", not "Pending")."""
    return Case(
        When(communicated_at__isnull=True, then=Value(NOT_SENT)),
        *(
            When(acknowledgment=value, then=Value(label))
            for value, label in PurchaseOrder.Acknowledgment.choices
        ),
        default=F("acknowledgment"),
        output_field=CharField(),
    )


def line_status_shown():
    """A PO line's status as screens show it. A line is stored OPEN from its PO's creation (open
    for receiving once the PO is); while its PO is not yet approved (DRAFT, PENDING_APPROVAL)
    the line shows its PO's status, so nobody reads an unapproved line as ordered."""
    return Case(
        When(
            status=PurchaseOrderLine.Status.OPEN,
            purchase_order__status__in=[
                PurchaseOrder.Status.DRAFT,
                PurchaseOrder.Status.PENDING_APPROVAL,
            ],
            then=F("purchase_order__status"),
        ),
        default=F("status"),
        output_field=CharField(),
    )


def purchase_order_lines(po: PurchaseOrder, *, ordered_only: bool = False):
    """The PO's lines (with `status_shown`); `ordered_only` leaves out cancelled ones (what the
    supplier is sent and what the total counts)."""
    lines = po.lines.select_related("item", "demand_line__order__customer").annotate(
        status_shown=line_status_shown()
    )
    if ordered_only:
        lines = lines.exclude(status=PurchaseOrderLine.Status.CANCELLED)
    return lines.order_by("line_number")


def purchase_order_total(po: PurchaseOrder) -> Decimal:
    """The total every screen, the API, the PDF, the email and the approval threshold use."""
    return purchase_orders().filter(pk=po.pk).values_list("total", flat=True).get()


def late_purchase_order_lines():
    """Lines of OPEN POs whose need-by date has passed and that are not fully received: the
    one rule of a late PO (the PO list's filter, the dashboard, the late-supply scan's buyers)."""
    return PurchaseOrderLine.objects.filter(
        purchase_order__status=PurchaseOrder.Status.OPEN,
        status=PurchaseOrderLine.Status.OPEN,
        need_by_date__lt=timezone.localdate(),
        quantity_received__lt=F("quantity"),
    )


def approval_queue():
    """POs waiting for a manager's approval, newest first, each with what approving
    needs without opening it: its live lines (item, quantity, need-by date, the sales order and
    customer each serves) and how far its total is over the approval threshold (amount and
    percent of the threshold). The lines come in one query for the whole page."""
    threshold = settings.PO_APPROVAL_THRESHOLD
    over = ExpressionWrapper(F("total") - Value(threshold), output_field=AMOUNT_FIELD)
    percent = (
        ExpressionWrapper(
            (F("total") - Value(threshold)) * Value(100) / Value(threshold),
            output_field=DecimalField(max_digits=30, decimal_places=1),
        )
        if threshold > 0
        else Value(None, output_field=DecimalField(max_digits=30, decimal_places=1))
    )
    live_lines = (
        PurchaseOrderLine.objects.exclude(status=PurchaseOrderLine.Status.CANCELLED)
        .select_related("item", "demand_line__order__customer")
        .order_by("line_number")
    )
    return (
        purchase_orders(PurchaseOrderFilters(status=PurchaseOrder.Status.PENDING_APPROVAL))
        .select_related("submitted_by")
        .annotate(over_threshold=over, over_threshold_percent=percent)
        .prefetch_related(Prefetch("lines", queryset=live_lines, to_attr="live_lines"))
    )


def sales_orders_served(po) -> list:
    """The distinct sales orders (with their customers) a PO's live lines serve, in the order
    the lines come (`po` from `approval_queue()`; no query)."""
    orders = {}
    for line in po.live_lines:
        orders.setdefault(line.demand_line.order.number, line.demand_line.order)
    return list(orders.values())


def amounts_by_currency(rows) -> list[tuple[str, Decimal]]:
    """The sum of the rows' `amount` per currency (requisition lines of a screen), by currency."""
    totals: dict[str, Decimal] = {}
    for row in rows:
        totals[row.currency] = totals.get(row.currency, Decimal(0)) + row.amount
    return sorted(totals.items())


@dataclass(frozen=True)
class LineChange:
    """One field of one PO line as the supplier last had it and as it is now."""

    line_number: int
    field: str
    before: str
    after: str


CHANGE_ORDER_FIELDS = {
    "quantity": "Quantity",
    "need_by_date": "Need by",
    "unit_price": "Unit price",
    "status": "Status",
}


def _change_value(field: str, value: str) -> str:
    if not value:
        return "—"
    if field == "quantity":
        return qty(Decimal(value))
    if field == "need_by_date":
        return day(datetime.date.fromisoformat(value))
    if field == "status":
        return dict(PurchaseOrderLine.Status.choices).get(value, value)
    return value


def purchase_order_changes_not_sent(pos) -> dict[int, list[LineChange]]:
    """Per PO (by id): what its lines' change orders changed since the supplier was last sent
    the PO — per line and field, the value the supplier has → the value now; a change undone
    meanwhile drops out. What the approver of a change order and the buyer reviewing a held
    one see. A PO never sent has none (all of it is new). Three queries for any number of POs.
    """
    sent_once = [po.pk for po in pos if po.communicated_revision >= 0]
    if not sent_once:
        return {}
    last_sent = dict(
        TransitionLog.objects.filter(
            document_type=document_type_of(PurchaseOrder),
            document_id__in=sent_once,
            field="communicated",
        )
        .order_by()
        .values("document_id")
        .annotate(at=Max("at"))
        .values_list("document_id", "at")
    )
    lines = {
        pk: (po_id, number)
        for pk, po_id, number in PurchaseOrderLine.objects.filter(
            purchase_order_id__in=last_sent
        ).values_list("pk", "purchase_order_id", "line_number")
    }
    entries = TransitionLog.objects.filter(
        document_type=document_type_of(PurchaseOrderLine),
        document_id__in=list(lines),
        field__in=list(CHANGE_ORDER_FIELDS),
    ).order_by("at", "id")
    first_and_last: dict[tuple[int, str], list[str]] = {}
    for entry in entries:
        po_id, _ = lines[entry.document_id]
        if entry.at <= last_sent[po_id] or (entry.field == "status" and not entry.from_value):
            continue
        values = first_and_last.setdefault((entry.document_id, entry.field), [entry.from_value])
        values[1:] = [entry.to_value]
    changes: dict[int, list[LineChange]] = {}
    for (line_id, field), (before, after) in sorted(
        first_and_last.items(), key=lambda item: (lines[item[0][0]][1], item[0][1])
    ):
        if before == after:
            continue
        po_id, number = lines[line_id]
        changes.setdefault(po_id, []).append(
            LineChange(
                number,
                CHANGE_ORDER_FIELDS[field],
                _change_value(field, before),
                _change_value(field, after),
            )
        )
    return changes
