"""Purchase order use cases that stay inside procurement: submit with the approval threshold,
approve/reject with segregation of duties, supplier communication sent once."""

import datetime
import logging
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.mail import EmailMessage
from django.utils import timezone

from core.enqueue import enqueue_on_commit
from core.exceptions import BusinessRuleError, Conflict, InvalidTransition
from core.formatting import qty
from core.models import DocumentType, OutboxMessage
from core.outbox import outbox_handler, outbox_retry, outbox_write
from core.queries import bulk_update_rows, insert_rows
from core.services import (
    change_log,
    document_number_next,
    document_numbers_next,
    field_change,
    transition,
    use_case,
    user_or_none,
)
from procurement.documents import purchase_order_pdf
from procurement.models import PurchaseOrder, PurchaseOrderLine, RequisitionLine
from procurement.selectors import (
    purchase_order_lines,
    purchase_order_total,
    purchase_orders,
    requisition_supplier_offers,
)

logger = logging.getLogger(__name__)
POStatus = PurchaseOrder.Status
TOUCHLESS_RUN = "supply.convert_touchless_requisitions"


@dataclass(frozen=True)
class RequisitionSpec:
    line: object  # the demand line (with its order and ship-from organization loaded)
    supplier: object
    quantity: Decimal
    unit_price: Decimal
    need_by_date: datetime.date
    reason: str


def requisition_lines_create(specs: list[RequisitionSpec]) -> list[RequisitionLine]:
    """Requisitions for many demand lines at once: numbers in one statement, rows in one
    INSERT, their log in the use case's one INSERT."""
    numbers = document_numbers_next(DocumentType.REQUISITION, len(specs))
    requisitions = insert_rows(
        RequisitionLine(
            number=number,
            demand_line=spec.line,
            item_id=spec.line.item_id,
            organization=spec.line.ship_from,
            supplier=spec.supplier,
            quantity=spec.quantity,
            unit_price=spec.unit_price,
            currency=spec.line.order.currency,
            need_by_date=spec.need_by_date,
        )
        for spec, number in zip(specs, numbers, strict=True)
    )
    for requisition, spec in zip(requisitions, specs, strict=True):
        change_log(
            document=requisition,
            to_value=requisition.status,
            demand_line_id=spec.line.pk,
            reason=spec.reason,
        )
    return requisitions


def requisition_line_change(
    *, requisition: RequisitionLine, quantity=None, need_by_date=None, acting_user=None
) -> RequisitionLine:
    """Change an OPEN requisition line in place (quantity, need-by date); once it is ordered
    the PO line changes by change order, not here (409)."""
    requisition = RequisitionLine.objects.select_for_update().get(pk=requisition.pk)
    if requisition.status != RequisitionLine.Status.OPEN:
        raise Conflict(
            f"{requisition.number} is {requisition.status}: it no longer changes in place."
        )
    for field, value in (("quantity", quantity), ("need_by_date", need_by_date)):
        field_change(
            requisition,
            field,
            value,
            acting_user=acting_user,
            demand_line_id=requisition.demand_line_id,
        )
    return requisition


def requisition_line_reassign(
    *, requisition: RequisitionLine, supplier=None, unit_price=None, acting_user=None
) -> RequisitionLine:
    """The buyer moves an OPEN requisition line to another supplier of its item (one with a
    Buy sourcing rule for it) and/or another unit price, before it goes on a PO. A new
    supplier without a new price takes the price of that supplier's rule (if it has one).
    Each change is in the change log (the line's timeline); once the line is ordered or
    cancelled it no longer changes here (409: change the PO line by change order)."""
    with use_case():
        requisition = (
            RequisitionLine.objects.select_for_update(of=("self",))
            .select_related("supplier", "item", "organization")
            .get(pk=requisition.pk)
        )
        if requisition.status != RequisitionLine.Status.OPEN:
            raise Conflict(
                f"{requisition.number} is {requisition.get_status_display().lower()}: its "
                "supplier and price no longer change here"
                + (
                    " (change the PO line instead)."
                    if requisition.status == RequisitionLine.Status.ORDERED
                    else "."
                )
            )
        if supplier is not None and supplier.pk != requisition.supplier_id:
            offers = {
                offer.supplier.pk: offer for offer in requisition_supplier_offers(requisition)
            }
            if supplier.pk not in offers:
                raise BusinessRuleError(
                    f"{supplier.number} is not a supplier of {requisition.item.sku} for "
                    f"{requisition.organization.code}: choose one with a Buy sourcing rule for "
                    "the item.",
                    field="supplier",
                )
            if unit_price is None:
                unit_price = offers[supplier.pk].unit_price
            before = requisition.supplier
            requisition.supplier = supplier
            requisition.save(update_fields=["supplier"])
            change_log(
                document=requisition,
                field="supplier",
                from_value=before.number,
                to_value=supplier.number,
                acting_user=acting_user,
                demand_line_id=requisition.demand_line_id,
                reason="buyer changed the supplier",
            )
            if supplier.automatic_po:
                # The touchless run orders it for an automatic supplier, as for a new one.
                enqueue_on_commit(TOUCHLESS_RUN, supplier.pk)
        if unit_price is not None:
            field_change(
                requisition,
                "unit_price",
                unit_price,
                acting_user=acting_user,
                demand_line_id=requisition.demand_line_id,
                reason="buyer changed the price",
            )
    return requisition


def requisition_lines_locked_open(ids) -> list[RequisitionLine]:
    """Lock requisition lines (id order) that are all still OPEN, or refuse naming the others."""
    requisitions = list(
        RequisitionLine.objects.select_for_update(of=("self",))
        .select_related("supplier", "organization", "item")
        .filter(pk__in=ids)
        .order_by("pk")
    )
    missing = set(ids) - {r.pk for r in requisitions}
    if missing:
        raise BusinessRuleError(
            f"Unknown requisition line(s): {', '.join(map(str, sorted(missing)))}.",
            field="requisition_lines",
        )
    taken = [r.number for r in requisitions if r.status != RequisitionLine.Status.OPEN]
    if taken:
        raise Conflict(f"Already ordered or cancelled: {', '.join(taken)}.")
    return requisitions


def purchase_order_create_from_requisitions(
    requisitions, *, currency: str, acting_user=None, touchless: bool = False
) -> tuple[PurchaseOrder, list[tuple[RequisitionLine, PurchaseOrderLine]]]:
    """A DRAFT PO with one line per (locked, OPEN) requisition line of one supplier and
    ship-to, each pegged to the requisition's demand line; the requisitions are ORDERED.
    Returns the PO and (requisition, PO line) pairs."""
    first = requisitions[0]
    po = PurchaseOrder.objects.create(
        number=document_number_next(DocumentType.PURCHASE_ORDER),
        supplier=first.supplier,
        organization=first.organization,
        currency=currency,
        touchless=touchless,
        created_by=user_or_none(acting_user),
    )
    change_log(
        document=po,
        to_value=po.status,
        acting_user=acting_user,
        reason="touchless run" if touchless else "from requisitions",
    )
    po_lines = insert_rows(
        PurchaseOrderLine(
            purchase_order=po,
            line_number=number,
            demand_line_id=requisition.demand_line_id,
            requisition_line=requisition,
            item=requisition.item,
            quantity=requisition.quantity,
            unit_price=requisition.unit_price,
            need_by_date=requisition.need_by_date,
        )
        for number, requisition in enumerate(requisitions, start=1)
    )
    ordered = list(zip(requisitions, po_lines, strict=True))
    for requisition, po_line in ordered:
        transition(
            requisition,
            "order",
            acting_user=acting_user,
            demand_line_id=requisition.demand_line_id,
            reason=f"on {po_line.number}",
            save=False,
        )
        change_log(
            document=po_line,
            to_value=po_line.status,
            acting_user=acting_user,
            demand_line_id=requisition.demand_line_id,
            reason=f"from {requisition.number}",
        )
    bulk_update_rows(requisitions, ["status"])
    return po, ordered


def purchase_order_cancel_document(
    *, po: PurchaseOrder, reason: str, acting_user=None, consequence: bool = False
) -> tuple[PurchaseOrder, list[PurchaseOrderLine]]:
    """Cancel a PO before anything was received: the PO, its open lines and their requisition
    lines CANCELLED. Returns the locked PO and the lines it cancelled; the Buy flow reports the
    lost supply to its demand lines. `consequence`: the supplier's rejection, not the buyer."""
    po = PurchaseOrder.objects.select_for_update().get(pk=po.pk)
    lines = list(po.lines.select_related("requisition_line").order_by("line_number"))
    received = [line for line in lines if line.quantity_received > 0]
    if received:
        raise InvalidTransition(
            f"Cannot cancel {po.number}: line {received[0].line_number} has receipts."
        )
    transition(po, "cancel", acting_user=acting_user, reason=reason, consequence=consequence)
    cancelled = []
    for line in lines:
        if line.status == PurchaseOrderLine.Status.CANCELLED:
            continue
        line.purchase_order = po
        transition(
            line,
            "cancel",
            acting_user=acting_user,
            demand_line_id=line.demand_line_id,
            reason=reason,
        )
        transition(
            line.requisition_line,
            "cancel",
            acting_user=acting_user,
            demand_line_id=line.demand_line_id,
            reason=f"{po.number} cancelled",
        )
        cancelled.append(line)
    return po, cancelled


def purchase_order_acknowledgment_record(
    *, po: PurchaseOrder, accepted: bool, note: str = "", acting_user=None
) -> None:
    """Record the supplier's answer on a locked OPEN PO (what it means for the pegged demand
    is the Buy flow's job)."""
    before = po.acknowledgment
    po.acknowledgment = (
        PurchaseOrder.Acknowledgment.ACCEPTED if accepted else PurchaseOrder.Acknowledgment.REJECTED
    )
    po.acknowledged_at = timezone.now()
    po.acknowledgment_note = note.strip()[:300]
    po.save(update_fields=["acknowledgment", "acknowledged_at", "acknowledgment_note"])
    change_log(
        document=po,
        field="acknowledgment",
        from_value=before,
        to_value=po.acknowledgment,
        acting_user=acting_user,
        reason=note,
    )


def _locked(po: PurchaseOrder) -> PurchaseOrder:
    return PurchaseOrder.objects.select_for_update().get(pk=po.pk)


def purchase_order_submit(*, po: PurchaseOrder, acting_user=None) -> PurchaseOrder:
    """Submit a DRAFT PO: under PO_APPROVAL_THRESHOLD it opens at once (auto-approved), at or
    above it waits for a procurement manager. Returns the PO; an OPEN touchless PO is then
    communicated by the caller."""
    with use_case():
        po = _locked(po)
        if po.status != POStatus.DRAFT:
            raise InvalidTransition(f"Cannot submit purchase order {po.number}: it is {po.status}.")
        total = purchase_order_total(po)
        threshold = settings.PO_APPROVAL_THRESHOLD
        po.submitted_by = user_or_none(acting_user)
        po.submitted_at = timezone.now()
        if total < threshold:
            po.approved_at = po.submitted_at
            transition(
                po,
                "auto_approve",
                acting_user=acting_user,
                reason=f"auto-approved: total {total} {po.currency} under threshold {threshold}",
            )
        else:
            transition(
                po,
                "submit",
                acting_user=acting_user,
                reason=f"total {total} {po.currency} needs approval (threshold {threshold})",
            )
    return po


def purchase_order_approve(*, po: PurchaseOrder, acting_user) -> PurchaseOrder:
    """Approve a PENDING_APPROVAL PO. Segregation of duties: never by the user who created or
    submitted it."""
    with use_case():
        po = _locked(po)
        if po.prepared_by(acting_user):
            raise PermissionDenied(
                f"You created or submitted {po.number}: another procurement manager must "
                "approve it."
            )
        po.approved_by = acting_user
        po.approved_at = timezone.now()
        transition(po, "approve", acting_user=acting_user, reason="approved")
        if po.touchless or po.communicated_revision >= 0:
            # Nobody is there to send it (touchless), or the supplier has an earlier revision
            # (a change order that needed approval again): it goes out at once.
            purchase_order_communicate_if_possible(po=po)
    return po


def purchase_order_reject(*, po: PurchaseOrder, reason: str, acting_user) -> PurchaseOrder:
    """Send a PENDING_APPROVAL PO back to DRAFT with the reason (in the timeline)."""
    if not reason or not reason.strip():
        raise BusinessRuleError("Say why the purchase order is rejected.", field="reason")
    with use_case():
        po = _locked(po)
        if po.prepared_by(acting_user):
            raise PermissionDenied(
                f"You created or submitted {po.number}: another manager must decide."
            )
        transition(po, "reject", acting_user=acting_user, reason=reason.strip())
    return po


EMAIL_TOPIC = "procurement.purchase_order_email"


def purchase_order_communicate(
    *, po: PurchaseOrder, acting_user=None, send_after: datetime.datetime | None = None
) -> PurchaseOrder:
    """Send the PO document (PDF attached) to the supplier — once per revision; `send_after`:
    not before then (a change order waiting out PO_CHANGE_ORDER_WINDOW_MINUTES, so that changes
    meanwhile join it). A change order held for review is released by this.

    Writes the email to the outbox in this transaction; the outbox relay hands it to the mail
    server after commit and only then marks the PO communicated (`purchase_order_email_send`).
    A second request for the same revision is refused while the email is on its way or sent;
    one whose sending FAILED (the mail server refused it ten times) tries again.
    """
    with use_case():
        po = (
            PurchaseOrder.objects.select_for_update(of=("self",))
            .select_related("supplier")
            .get(pk=po.pk)
        )
        if po.status != POStatus.OPEN:
            raise InvalidTransition(
                f"Cannot communicate purchase order {po.number}: it is {po.status} "
                "(only OPEN, approved orders go to the supplier)."
            )
        if not po.supplier.email:
            raise BusinessRuleError(
                f"Supplier {po.supplier.number} has no email address: add one in the admin."
            )
        if po.communicated_revision >= po.revision:
            raise Conflict(
                f"{po.number} revision {po.revision} was already sent to the supplier "
                f"on {po.communicated_at:%Y-%m-%d %H:%M}."
            )
        message, created = outbox_write(
            topic=EMAIL_TOPIC,
            key=po.email_key,
            payload={"purchase_order": po.pk, "revision": po.revision},
        )
        if not created:
            if message.status != OutboxMessage.Status.FAILED:
                raise Conflict(
                    f"{po.number} revision {po.revision} is already on its way to the supplier "
                    f"(queued {message.created_at:%Y-%m-%d %H:%M})."
                )
            outbox_retry(message=message)
        elif send_after is not None:
            OutboxMessage.objects.filter(pk=message.pk).update(next_attempt_at=send_after)
        if po.change_order_held_at is not None:
            po.change_order_held_at = None
            po.save(update_fields=["change_order_held_at"])
        change_log(
            document=po,
            field="communication",
            to_value=f"revision {po.revision} queued",
            acting_user=acting_user,
            reason=f"email to {po.supplier.email}"
            + (f", going at {timezone.localtime(send_after):%H:%M}" if send_after else ""),
        )
    return po


def purchase_order_communicate_if_possible(
    *, po: PurchaseOrder, send_after: datetime.datetime | None = None
) -> None:
    """Communicate a PO nobody is waiting on (touchless): a supplier without an email address
    leaves it OPEN and unsent (logged) for the buyer, instead of undoing the whole run."""
    try:
        purchase_order_communicate(po=po, send_after=send_after)
    except BusinessRuleError as exc:
        logger.warning("%s not sent: %s", po.number, exc.message)


@outbox_handler(EMAIL_TOPIC)
def purchase_order_email_send(payload: dict) -> str | None:
    """The outbox handler: email one PO revision, then mark the PO communicated. An email the
    mail server refused raises (the outbox tries again); a revision already sent, or one a
    later revision or a cancellation replaced, is skipped."""
    po = purchase_orders().get(pk=payload["purchase_order"])  # with its total
    revision = payload["revision"]
    if po.communicated_revision >= revision:
        return f"{po.number} revision {revision} was sent already"
    if po.status != POStatus.OPEN or po.revision != revision:
        note = f"not sent: {po.number} is {po.status} at revision {po.revision}"
        logger.warning("Supplier email of %s revision %s %s", po.number, revision, note)
        return note
    if po.change_order_held_at is not None:
        note = f"not sent: {po.number} revision {revision} is held for the buyer's review"
        logger.warning("Supplier email of %s revision %s %s", po.number, revision, note)
        return note
    lines = list(purchase_order_lines(po, ordered_only=True))
    body = "\n".join(
        [
            f"Dear {po.supplier.name},",
            "",
            f"please find attached purchase order {po.number} (revision {po.revision}), "
            f"ship to {po.organization.code} {po.organization.name}.",
            "",
            *(
                f"  {line.line_number}. {line.item.sku} x {qty(line.quantity)} at "
                f"{line.unit_price:.2f} {po.currency}, need by {line.need_by_date:%Y-%m-%d} "
                f"(for sales order {line.demand_line.order.number} line "
                f"{line.demand_line.line_number})"
                for line in lines
            ),
            "",
            f"Total {po.total:,.2f} {po.currency}. Please acknowledge with your promised dates.",
        ]
    )
    message = EmailMessage(
        subject=f"Purchase order {po.number} rev {po.revision}",
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[po.supplier.email],
    )
    message.attach(f"{po.number}.pdf", purchase_order_pdf(po, lines), "application/pdf")
    message.send()
    with use_case():
        marked = PurchaseOrder.objects.filter(pk=po.pk, communicated_revision__lt=revision).update(
            communicated_at=timezone.now(), communicated_revision=revision
        )
        # the supplier has the latest revision: nothing is held for review any more
        PurchaseOrder.objects.filter(pk=po.pk, revision=revision).exclude(
            change_order_held_at=None
        ).update(change_order_held_at=None)
        if marked:
            change_log(
                document=po,
                field="communicated",
                to_value=f"revision {revision}",
                reason=f"emailed to {po.supplier.email}",
            )
