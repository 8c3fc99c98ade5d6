"""The Buy flow across apps: requisitions become POs (reservations and pegging follow), the
touchless run, supplier acknowledgments that move promises, and PO cancellation."""

import datetime
import logging
from collections import defaultdict
from datetime import timedelta
from decimal import Decimal

from django.db.models import Exists, OuterRef

from core.documents import document_type_of
from core.exceptions import BusinessRuleError, Conflict, InvalidTransition
from core.formatting import qty
from core.queries import bulk_update_rows
from core.services import (
    change_log,
    field_change,
    gc_paused,
    transition,
    use_case,
)
from orders.locks import lock_orders_and_lines
from orders.models import FulfillmentLine
from orders.services import line_reschedule
from procurement.changes import (
    purchase_order_line_can_change,
    purchase_order_line_cancel,
    purchase_order_line_change,
    purchase_order_line_locked,
)
from procurement.models import PurchaseOrder, PurchaseOrderLine, RequisitionLine
from procurement.services import (
    purchase_order_acknowledgment_record,
    purchase_order_cancel_document,
    purchase_order_communicate_if_possible,
    purchase_order_create_from_requisitions,
    purchase_order_submit,
    requisition_line_reassign,
    requisition_lines_locked_open,
)
from supply.models import SupplyException, SupplyOrder, SupplyTrackingLine
from supply.services.changes import supply_lost
from warehouse.models import Reservation
from warehouse.services import reservation_reduce, reservation_release, reservations_move

logger = logging.getLogger(__name__)
RequisitionStatus = RequisitionLine.Status
POStatus = PurchaseOrder.Status
Source = Reservation.Source


def _tracking(requisition_ids) -> dict[int, SupplyTrackingLine]:
    return {
        t.requisition_line_id: t
        for t in SupplyTrackingLine.objects.select_related("supply_order").filter(
            requisition_line_id__in=requisition_ids
        )
    }


def _active_reservation(demand_line_id: int, document) -> Reservation | None:
    return Reservation.objects.filter(
        demand_line_id=demand_line_id,
        document_type=document_type_of(document),
        document_id=document.pk,
        status=Reservation.Status.ACTIVE,
    ).first()


@gc_paused()
def purchase_orders_create(
    *, requisition_line_ids, acting_user=None, touchless: bool = False
) -> list[PurchaseOrder]:
    """Turn OPEN requisition lines into DRAFT POs: one PO per supplier + ship-to + currency,
    one PO line per requisition line (never merged, so each stays pegged to its demand line).

    The requisition lines are locked first (in id order) and must still be OPEN: two buyers or
    a buyer and the touchless run can never order the same requisition twice (and a partial
    unique index on PO lines backs it).
    """
    ids = sorted(set(requisition_line_ids))
    if not ids:
        raise BusinessRuleError("Select at least one requisition line.", field="requisition_lines")
    with use_case():
        # Lock order (orders.locks): the demand lines before their requisitions, as a line
        # change or cancel takes them.
        lock_orders_and_lines(
            RequisitionLine.objects.filter(pk__in=ids).values_list("demand_line_id", flat=True)
        )
        requisitions = requisition_lines_locked_open(ids)
        groups = defaultdict(list)
        for requisition in requisitions:
            groups[
                requisition.supplier_id, requisition.organization_id, requisition.currency
            ].append(requisition)
        orders, ordered = [], []
        for (_, _, currency), members in groups.items():
            po, pairs = purchase_order_create_from_requisitions(
                members, currency=currency, acting_user=acting_user, touchless=touchless
            )
            orders.append(po)
            ordered.extend(pairs)
        _supply_moved_to_po_lines(ordered, acting_user)
    return orders


def _supply_moved_to_po_lines(ordered, acting_user) -> None:
    """Each ordered requisition's reservation and supply tracking move to its PO line
    (set-based: one statement per table for every line of the POs)."""
    requisition_ids = [requisition.pk for requisition, _ in ordered]
    reservations = {
        r.document_id: r
        for r in Reservation.objects.filter(
            document_type=document_type_of(RequisitionLine),
            document_id__in=requisition_ids,
            status=Reservation.Status.ACTIVE,
        )
    }
    tracking = _tracking(requisition_ids)
    moves, tracks = [], []
    for requisition, po_line in ordered:
        reservation = reservations.get(requisition.pk)
        if reservation is not None and reservation.demand_line_id == requisition.demand_line_id:
            moves.append((reservation, Source.PURCHASE_ORDER, po_line))
        track = tracking.get(requisition.pk)
        if track is None:
            continue
        track.document_type = SupplyTrackingLine.DocumentType.PURCHASE_ORDER
        track.purchase_order_line = po_line
        tracks.append(track)
        supply_order = track.supply_order
        if supply_order.status == SupplyOrder.Status.EXCEPTION:
            supply_order.exception_reason = ""
            transition(
                supply_order,
                "start",
                acting_user=acting_user,
                demand_line_id=requisition.demand_line_id,
                reason=po_line.number,
            )
    reservations_move(moves)
    bulk_update_rows(tracks, ["document_type", "purchase_order_line"])


def touchless_run(*, supplier_id: int | None = None) -> list[PurchaseOrder]:
    """Convert the open requisition lines of automatic suppliers into POs without a buyer, then
    submit them (under the threshold they open at once). Requisitions whose supply order is in
    EXCEPTION are left to the buyer. Safe to run concurrently: whoever locks a requisition
    first orders it; the others skip it."""
    in_process = SupplyTrackingLine.objects.filter(
        requisition_line=OuterRef("pk"), supply_order__status=SupplyOrder.Status.IN_PROCESS
    )
    candidates = RequisitionLine.objects.filter(
        status=RequisitionStatus.OPEN, supplier__automatic_po=True
    ).filter(Exists(in_process))
    if supplier_id is not None:
        candidates = candidates.filter(supplier_id=supplier_id)
    with use_case():
        # The demand lines lock first (orders.locks), then the requisitions still open: one a
        # buyer or a line cancel took meanwhile is skipped.
        lock_orders_and_lines(candidates.values_list("demand_line_id", flat=True))
        ids = list(
            candidates.select_for_update(skip_locked=True, of=("self",))
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        if not ids:
            return []
        orders = purchase_orders_create(requisition_line_ids=ids, touchless=True)
        for po in orders:
            po = purchase_order_submit(po=po)
            if po.status == POStatus.OPEN:
                # An approved touchless PO goes to the supplier (through the outbox).
                purchase_order_communicate_if_possible(po=po)
    return [PurchaseOrder.objects.get(pk=po.pk) for po in orders]


def _receiving_days(po: PurchaseOrder) -> int:
    return po.organization.receiving_days


def purchase_order_acknowledge(
    *,
    po: PurchaseOrder,
    accepted: bool,
    promised_dates: dict[int, datetime.date],
    note: str = "",
    acting_user=None,
) -> PurchaseOrder:
    """Record the supplier's answer. Accepted with promised dates: each pegged demand line whose
    supply now arrives after its scheduled ship date is rescheduled (jeopardy = days past the
    promise). Rejected: the PO is taken back (cancelled; lines with receipts cut to what
    arrived) and each line's lost supply goes to the next feasible source (else backordered,
    the exception open for the orchestration manager)."""
    with use_case():
        # Lock order (orders.locks): the pegged sales orders and lines before the PO, as
        # receiving and shipping do.
        demands = lock_orders_and_lines(
            PurchaseOrderLine.objects.filter(purchase_order_id=po.pk).values_list(
                "demand_line_id", flat=True
            )
        )
        po = (
            PurchaseOrder.objects.select_for_update(of=("self",))
            .select_related("organization")
            .get(pk=po.pk)
        )
        if po.status != POStatus.OPEN:
            raise InvalidTransition(
                f"Cannot record an acknowledgment for {po.number}: it is {po.status}."
            )
        lines = {line.line_number: line for line in po.lines.all()}
        for line in lines.values():
            line.demand_line = demands[line.demand_line_id]
        unknown = sorted(set(promised_dates) - set(lines))
        if unknown:
            raise BusinessRuleError(
                f"{po.number} has no line {', '.join(map(str, unknown))}.", field="lines"
            )
        purchase_order_acknowledgment_record(
            po=po, accepted=accepted, note=note, acting_user=acting_user
        )
        if accepted:
            for number, promised in promised_dates.items():
                _promise_po_line(lines[number], promised, _receiving_days(po), acting_user)
        else:
            reason = f"Supplier rejected {po.number}" + (
                f": {note.strip()}" if note.strip() else ""
            )
            _take_back_po(po, demands, reason, SupplyException.Kind.SUPPLIER_REJECTED, acting_user)
    return po


def _promise_po_line(po_line, promised: datetime.date, receiving_days: int, acting_user):
    before = po_line.promised_date
    po_line.promised_date = promised
    po_line.save(update_fields=["promised_date"])
    change_log(
        document=po_line,
        field="promised_date",
        from_value=before,
        to_value=promised,
        acting_user=acting_user,
        demand_line_id=po_line.demand_line_id,
    )
    demand = po_line.demand_line  # locked by the caller
    available = promised + timedelta(days=receiving_days)
    if demand.scheduled_ship_date is None or available > demand.scheduled_ship_date:
        line_reschedule(
            line=demand,
            scheduled=available,
            acting_user=acting_user,
            reason=f"supplier promised {promised} on {po_line.number}",
        )
        demand.save(update_fields=FulfillmentLine.SCHEDULE_FIELDS)


def _take_back_po(po, demands, reason: str, kind: str, acting_user) -> None:
    """A whole PO is taken back (the buyer cancelled it, the supplier rejected it): nothing
    received → cancelled; else each line cut to what arrived. The demand lines lose what was
    still to come from it and look for the next source."""
    lines = list(po.lines.exclude(status=PurchaseOrderLine.Status.CANCELLED))
    if any(line.quantity_received for line in lines):
        for po_line in lines:
            po_line = purchase_order_line_locked(po_line)
            if not purchase_order_line_can_change(po_line):
                purchase_order_line_cancel(po_line=po_line, reason=reason, acting_user=acting_user)
                _tracked(po_line)
        lost = lines
    else:
        _, lost = purchase_order_cancel_document(
            po=po, reason=reason, acting_user=acting_user, consequence=True
        )
    for po_line in lost:
        _lost_on(demands[po_line.demand_line_id], po_line, reason, kind, acting_user)


def _tracked(po_line) -> None:
    """The supply tracking line reads what the PO line now carries."""
    SupplyTrackingLine.objects.filter(purchase_order_line=po_line).update(quantity=po_line.quantity)


def _lost_on(demand, po_line, reason: str, kind: str, acting_user) -> None:
    """The demand line no longer waits for what was still to come on `po_line`."""
    reservation = _active_reservation(demand.pk, po_line)
    if reservation is not None:
        reservation_release(reservation=reservation)
    supply_lost(line=demand, kind=kind, reason=reason, acting_user=acting_user)


def purchase_order_cancel(*, po: PurchaseOrder, reason: str, acting_user=None) -> PurchaseOrder:
    """The buyer cancels a PO before anything was received: its lines and requisitions are
    cancelled and each pegged line's supply goes to the next feasible source (else the line is
    backordered with the exception open for the orchestration manager)."""
    if not reason or not reason.strip():
        raise BusinessRuleError("Say why the purchase order is cancelled.", field="reason")
    reason = reason.strip()
    with use_case():
        demands = lock_orders_and_lines(
            PurchaseOrderLine.objects.filter(purchase_order_id=po.pk).values_list(
                "demand_line_id", flat=True
            )
        )
        po, cancelled = purchase_order_cancel_document(
            po=po, reason=reason, acting_user=acting_user
        )
        for po_line in cancelled:
            _lost_on(
                demands[po_line.demand_line_id],
                po_line,
                f"{po.number} cancelled: {reason}",
                SupplyException.Kind.DOCUMENT_CANCELLED,
                acting_user,
            )
    return po


def purchase_order_line_revise(
    *,
    po_line: PurchaseOrderLine,
    quantity: Decimal | None = None,
    promised_date: datetime.date | None = None,
    acting_user=None,
) -> PurchaseOrderLine:
    """The buyer's change order on one PO line (procurement.changes: in place before the PO
    is approved, a new revision after). A quantity cut below what the demand line waits for is
    lost supply: the next feasible source covers the difference. More than the line needs
    arrives as free stock. A promised date later than the line's schedule reschedules it
    (jeopardy), as an acknowledgment does."""
    with use_case():
        demand = lock_orders_and_lines([po_line.demand_line_id])[po_line.demand_line_id]
        po_line = purchase_order_line_locked(po_line)
        po_line.demand_line = demand
        if quantity is not None:
            purchase_order_line_change(
                po_line=po_line, quantity=quantity, acting_user=acting_user, reason="buyer change"
            )
            _tracked(po_line)
            reservation = _active_reservation(demand.pk, po_line)
            still_to_come = po_line.quantity - po_line.quantity_received
            if reservation is not None and reservation.quantity > still_to_come:
                cut = reservation.quantity - still_to_come
                reservation_reduce(
                    reservation=reservation, quantity=cut, status=Reservation.Status.RELEASED
                )
                supply_lost(
                    line=demand,
                    kind=SupplyException.Kind.QUANTITY_REDUCED,
                    reason=f"{po_line.number} cut to {qty(po_line.quantity)} by the buyer",
                    acting_user=acting_user,
                )
        if promised_date is not None:
            refusal = purchase_order_line_can_change(po_line)
            if refusal:
                raise Conflict(refusal)
            _promise_po_line(
                po_line,
                promised_date,
                po_line.purchase_order.organization.receiving_days,
                acting_user,
            )
    return po_line


def purchase_order_line_take_back(
    *, po_line: PurchaseOrderLine, reason: str, acting_user=None
) -> PurchaseOrderLine:
    """The buyer cancels one PO line (cut to what was received, if anything was): the demand
    line's supply still to come on it goes to the next feasible source."""
    if not reason or not reason.strip():
        raise BusinessRuleError("Say why the line is cancelled.", field="reason")
    with use_case():
        demand = lock_orders_and_lines([po_line.demand_line_id])[po_line.demand_line_id]
        po_line = purchase_order_line_locked(po_line)
        purchase_order_line_cancel(po_line=po_line, reason=reason.strip(), acting_user=acting_user)
        _tracked(po_line)
        _lost_on(
            demand,
            po_line,
            f"{po_line.number} cancelled by the buyer: {reason.strip()}",
            SupplyException.Kind.DOCUMENT_CANCELLED,
            acting_user,
        )
    return po_line


def requisition_reassign(
    *, requisition: RequisitionLine, supplier=None, unit_price=None, acting_user=None
) -> RequisitionLine:
    """The buyer moves an OPEN requisition line to another supplier and/or price
    (procurement.services.requisition_line_reassign); the supply order it works for follows —
    it buys from the requisition's supplier at its price — each change in its change log."""
    with use_case():
        requisition = requisition_line_reassign(
            requisition=requisition,
            supplier=supplier,
            unit_price=unit_price,
            acting_user=acting_user,
        )
        supply_order = (
            SupplyOrder.objects.select_for_update()
            .filter(tracking_lines__requisition_line=requisition)
            .first()
        )
        if supply_order is not None:
            for field, value in (
                ("supplier", requisition.supplier),
                ("unit_price", requisition.unit_price),
            ):
                field_change(
                    supply_order,
                    field,
                    value,
                    acting_user=acting_user,
                    demand_line_id=requisition.demand_line_id,
                    reason=f"buyer changed {requisition.number}",
                )
    return requisition
