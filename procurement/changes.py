"""Change orders: a PO line's quantity or need-by date changes, or the line is cancelled, after
the PO was created. Unsent POs (DRAFT, PENDING_APPROVAL) change in place; an OPEN PO takes a
new revision — acknowledgment pending again, re-approved first when a larger total reaches the
approval threshold, else sent to the supplier again (once per revision, through the outbox) if
an earlier revision was sent. A PO closed for receiving, closed or cancelled does not change,
and no line goes below what was already received.

The callers (the Buy execution adapter, the buyer's PO line change) hold the demand lines'
locks; these lock the PO, then its lines (orders.locks)."""

import datetime
from contextlib import contextmanager
from contextvars import ContextVar
from decimal import Decimal

from django.conf import settings
from django.utils import timezone

from core.exceptions import Conflict
from core.formatting import qty
from core.models import OutboxMessage
from core.services import change_log, field_change, transition
from procurement.models import PurchaseOrder, PurchaseOrderLine, RequisitionLine
from procurement.receiving import purchase_order_close_if_received
from procurement.selectors import purchase_order_total
from procurement.services import purchase_order_communicate_if_possible

POStatus = PurchaseOrder.Status
CHANGEABLE = (POStatus.DRAFT, POStatus.PENDING_APPROVAL, POStatus.OPEN)
_from_sales_order: ContextVar[bool] = ContextVar("change_orders_from_sales_order", default=False)


@contextmanager
def change_orders_from_sales_order():
    """Change orders made inside come from a sales order change (the demand side), not from
    the buyer on the PO: with PO_CHANGE_ORDER_REVIEW on they wait for the buyer's review
    instead of going to the supplier. Also a decorator."""
    token = _from_sales_order.set(True)
    try:
        yield
    finally:
        _from_sales_order.reset(token)


def purchase_order_line_locked(po_line: PurchaseOrderLine) -> PurchaseOrderLine:
    """Lock a PO line's PO, then the line; the line comes back with its PO attached."""
    po = (
        PurchaseOrder.objects.select_for_update(of=("self",))
        .select_related("supplier", "organization")
        .get(pk=po_line.purchase_order_id)
    )
    po_line = (
        PurchaseOrderLine.objects.select_for_update(of=("self",))
        .select_related("requisition_line", "item")
        .get(pk=po_line.pk)
    )
    po_line.purchase_order = po
    return po_line


def purchase_order_line_can_change(po_line: PurchaseOrderLine) -> str:
    """Why a PO line can no longer change ("" when it can)."""
    po = po_line.purchase_order
    if po.status not in CHANGEABLE:
        return f"{po.number} is {po.get_status_display().lower()}: it no longer changes."
    if po_line.status != PurchaseOrderLine.Status.OPEN:
        return f"{po_line.number} is {po_line.get_status_display().lower()}: it no longer changes."
    return ""


def purchase_order_line_change(
    *,
    po_line: PurchaseOrderLine,
    quantity: Decimal | None = None,
    need_by_date=None,
    acting_user=None,
    reason: str = "",
) -> bool:
    """Change a locked PO line (purchase_order_line_locked): quantity (never below what was
    received: at exactly that the line is closed for receiving) and need-by date. Returns
    whether anything changed; refuses (409) a line or PO that no longer changes."""
    refusal = purchase_order_line_can_change(po_line)
    if refusal:
        raise Conflict(refusal)
    if quantity is not None and quantity < po_line.quantity_received:
        raise Conflict(
            f"{qty(po_line.quantity_received)} already received on {po_line.number}: its "
            "quantity cannot go below that."
        )
    before = po_line.quantity
    demand = po_line.demand_line_id
    changed = field_change(
        po_line, "quantity", quantity, acting_user=acting_user, demand_line_id=demand, reason=reason
    )
    changed |= field_change(
        po_line,
        "need_by_date",
        need_by_date,
        acting_user=acting_user,
        demand_line_id=demand,
        reason=reason,
    )
    if not changed:
        return False
    requisition = po_line.requisition_line
    if quantity is not None and requisition.quantity != quantity:
        requisition.quantity = quantity  # the requisition reads as what was ordered
        requisition.save(update_fields=["quantity"])
    po = po_line.purchase_order
    if po.status == POStatus.OPEN:
        _revise(po, acting_user=acting_user, reason=reason, grew=po_line.quantity > before)
    if po_line.quantity_received and po_line.quantity_received >= po_line.quantity:
        transition(po_line, "close_for_receiving", acting_user=acting_user, demand_line_id=demand)
        purchase_order_close_if_received(po, acting_user=acting_user, reason=reason)
    return True


def purchase_order_line_cancel(
    *, po_line: PurchaseOrderLine, reason: str, acting_user=None
) -> None:
    """Take a locked PO line back for good: with receipts it is cut to what was received (and
    closed for receiving); without, it is cancelled with its requisition — the whole PO when
    nothing else is open on it, else by change order."""
    refusal = purchase_order_line_can_change(po_line)
    if refusal:
        raise Conflict(refusal)
    if po_line.quantity_received:
        purchase_order_line_change(
            po_line=po_line,
            quantity=po_line.quantity_received,
            acting_user=acting_user,
            reason=reason,
        )
        return
    po = po_line.purchase_order
    demand = po_line.demand_line_id
    transition(po_line, "cancel", acting_user=acting_user, demand_line_id=demand, reason=reason)
    requisition_cancel(requisition=po_line.requisition_line, reason=reason, acting_user=acting_user)
    others = po.lines.exclude(pk=po_line.pk).exclude(status=PurchaseOrderLine.Status.CANCELLED)
    if not others.exists():
        transition(
            po,
            "cancel",
            acting_user=acting_user,
            reason=f"its last line {po_line.line_number} cancelled: {reason}",
            consequence=True,
        )
    elif po.status == POStatus.OPEN:
        _revise(po, acting_user=acting_user, reason=reason, grew=False)
        if not others.filter(status=PurchaseOrderLine.Status.OPEN).exists():
            transition(po, "close_for_receiving", acting_user=acting_user, reason=reason)


def requisition_cancel(*, requisition: RequisitionLine, reason: str, acting_user=None) -> None:
    """Cancel a requisition line (OPEN, or ORDERED with its PO line cancelled)."""
    if requisition.status != RequisitionLine.Status.CANCELLED:
        transition(
            requisition,
            "cancel",
            acting_user=acting_user,
            demand_line_id=requisition.demand_line_id,
            reason=reason,
        )


def _revision_still_open(po: PurchaseOrder) -> bool:
    """Whether the latest revision of an OPEN PO — a change order to a supplier who had an
    earlier one — is not sent yet and not on its way, so further changes join it instead of
    making a revision each: held for the buyer's review, or its email not yet taken by the relay
    (never tried, not leased — the row is locked here, so the relay cannot take it meanwhile)."""
    if not 0 <= po.communicated_revision < po.revision:
        return False
    message = OutboxMessage.objects.select_for_update().filter(key=po.email_key).first()
    if message is None:
        return True
    return (
        message.status == OutboxMessage.Status.PENDING
        and message.attempts == 0
        and message.locked_until is None
    )


def _email_withdraw(po: PurchaseOrder) -> None:
    """A revision going back to approval: its email, still waiting (never tried), is withdrawn;
    approval sends the approved revision."""
    OutboxMessage.objects.filter(
        key=po.email_key, status=OutboxMessage.Status.PENDING, attempts=0
    ).delete()


def _revise(po: PurchaseOrder, *, acting_user, reason: str, grew: bool) -> None:
    """An OPEN PO changed: revision + 1, the supplier's acknowledgment pending again — unless
    its latest revision is not sent yet (held for review, or waiting out
    PO_CHANGE_ORDER_WINDOW_MINUTES): then the change joins that revision, so rapid changes make
    one change order, not several. A larger total at the threshold needs approval again; else a
    supplier who had an earlier revision gets the new one — at once, after the window, or, for
    a change from a sales order with PO_CHANGE_ORDER_REVIEW on, when the buyer has reviewed
    it (Send to supplier)."""
    joined = _revision_still_open(po)
    why = f"change order: {reason}" if reason else "change order"
    if joined:
        change_log(
            document=po,
            field="communication",
            to_value=f"revision {po.revision} not sent yet: the change joins it",
            acting_user=acting_user,
            reason=why,
        )
    else:
        before = po.revision
        po.revision += 1
        po.acknowledgment = PurchaseOrder.Acknowledgment.PENDING
        po.save(update_fields=["revision", "acknowledgment"])
        change_log(
            document=po,
            field="revision",
            from_value=before,
            to_value=po.revision,
            acting_user=acting_user,
            reason=why,
        )
    total = purchase_order_total(po)
    threshold = settings.PO_APPROVAL_THRESHOLD
    if grew and total >= threshold:
        _email_withdraw(po)
        _held(po, None)
        po.approved_by, po.approved_at = None, None
        transition(
            po,
            "require_approval",
            acting_user=acting_user,
            reason=f"total {total} {po.currency} reaches the approval threshold {threshold}",
        )
        return
    if po.communicated_revision < 0:
        return  # never sent: the buyer sends it when ready
    if _from_sales_order.get() and settings.PO_CHANGE_ORDER_REVIEW and not po.touchless:
        if po.change_order_held_at is None:
            _email_withdraw(po)  # a buyer's change waiting out the window: reviewed first now
            _held(po, timezone.now())
            change_log(
                document=po,
                field="communication",
                to_value=f"revision {po.revision} held for the buyer's review",
                acting_user=acting_user,
                reason="a sales order change; review it, then Send to supplier",
            )
        return
    if po.change_order_held_at is not None:
        return  # a revision the buyer has not reviewed yet: it goes when they send it
    if joined and OutboxMessage.objects.filter(key=po.email_key).exists():
        return  # its email is already waiting to go, and is written from the PO when it goes
    window = settings.PO_CHANGE_ORDER_WINDOW_MINUTES
    send_after = timezone.now() + datetime.timedelta(minutes=window) if window > 0 else None
    purchase_order_communicate_if_possible(po=po, send_after=send_after)


def _held(po: PurchaseOrder, since) -> None:
    if po.change_order_held_at != since:
        po.change_order_held_at = since
        po.save(update_fields=["change_order_held_at"])
