"""Read queries for the buyer workbench, PO screens and the procurement API."""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import (
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    Sum,
)
from django.utils import timezone

from core.models import OutboxMessage
from core.money import AMOUNT_FIELD, line_amount_sql
from core.queries import per_row
from procurement.models import PurchaseOrder, PurchaseOrderLine, RequisitionLine


def purchase_order_email(po: PurchaseOrder) -> OutboxMessage | None:
    """The outbox message carrying this revision's email to the supplier, if one was queued."""
    return OutboxMessage.objects.filter(key=po.email_key).first()


def requisition_lines(*, status: str = "", supplier: str = "", search: str = ""):
    rows = RequisitionLine.objects.select_related(
        "item", "supplier", "organization", "demand_line__order__customer"
    )
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
class PurchaseOrderFilters:
    status: str = ""
    supplier: str = ""
    sales_order: str = ""
    late: bool = False
    awaiting_acknowledgment: bool = False
    search: str = ""


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
    if filters.awaiting_acknowledgment:
        rows = rows.filter(
            status=PurchaseOrder.Status.OPEN,
            acknowledgment=PurchaseOrder.Acknowledgment.PENDING,
            communicated_at__isnull=False,
        )
    return rows.order_by("-id")


def purchase_order_lines(po: PurchaseOrder, *, ordered_only: bool = False):
    """The PO's lines; `ordered_only` leaves out cancelled ones (what the supplier is sent and
    what the total counts)."""
    lines = po.lines.select_related("item", "demand_line__order__customer")
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
