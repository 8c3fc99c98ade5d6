"""The pegging page of one line: its chain of documents (supply orders with their requisition /
PO line and receipts, work order or transfer order), what is reserved for it where, its
shipments, its history and the next step it waits for, in a fixed number of queries."""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Prefetch, Q
from django.urls import reverse
from django.utils import timezone

from core.formatting import day, qty
from core.selectors import timelines_of_lines
from orders.models import FulfillmentLine
from supply.models import SupplyOrder, SupplyTrackingLine
from supply.selectors import TRACKED_DOCUMENTS
from warehouse.models import ReceiptLine, Reservation


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
