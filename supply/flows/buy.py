"""The Buy flow across apps: requisitions become POs (reservations and pegging follow), the
touchless run, supplier acknowledgments that move promises, and PO cancellation."""

import datetime
import logging
from collections import defaultdict
from datetime import timedelta

from django.db.models import Exists, OuterRef

from core.documents import document_type_of
from core.exceptions import BusinessRuleError, InvalidTransition
from core.services import (
    change_log,
    transition,
    use_case,
)
from orders.locks import lock_orders_and_lines
from orders.services import line_reschedule
from procurement.models import PurchaseOrder, PurchaseOrderLine, RequisitionLine
from procurement.services import (
    purchase_order_acknowledgment_record,
    purchase_order_cancel_document,
    purchase_order_communicate_if_possible,
    purchase_order_create_from_requisitions,
    purchase_order_submit,
    requisition_lines_locked_open,
)
from supply.models import SupplyOrder, SupplyTrackingLine
from warehouse.models import Reservation
from warehouse.services import reservation_move

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
        requisitions = requisition_lines_locked_open(ids)
        groups = defaultdict(list)
        for requisition in requisitions:
            groups[
                requisition.supplier_id, requisition.organization_id, requisition.currency
            ].append(requisition)
        tracking = _tracking(ids)
        orders = []
        for (_, _, currency), members in groups.items():
            orders.append(
                _create_po(
                    members, currency, tracking, acting_user=acting_user, touchless=touchless
                )
            )
    return orders


def _create_po(requisitions, currency, tracking, *, acting_user, touchless) -> PurchaseOrder:
    """One PO (procurement) for a group of requisitions; each line's reservation and supply
    tracking move from the requisition to its PO line."""
    po, ordered = purchase_order_create_from_requisitions(
        requisitions, currency=currency, acting_user=acting_user, touchless=touchless
    )
    for requisition, po_line in ordered:
        reservation = _active_reservation(requisition.demand_line_id, requisition)
        if reservation is not None:
            reservation_move(
                reservation=reservation, source=Source.PURCHASE_ORDER, document=po_line
            )
        track = tracking.get(requisition.pk)
        if track is not None:
            track.document_type = SupplyTrackingLine.DocumentType.PURCHASE_ORDER
            track.purchase_order_line = po_line
            track.save(update_fields=["document_type", "purchase_order_line"])
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
    return po


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
    promise). Rejected: the supply orders go to EXCEPTION with the reason."""
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
            for line in lines.values():
                _supply_exception(line, reason, acting_user)
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
        demand.save(update_fields=["scheduled_ship_date", "promised_ship_date", "jeopardy_days"])


def _supply_exception(po_line, reason: str, acting_user):
    track = (
        SupplyTrackingLine.objects.select_related("supply_order")
        .filter(purchase_order_line=po_line)
        .first()
    )
    if track is None:
        return
    supply_order = SupplyOrder.objects.select_for_update().get(pk=track.supply_order_id)
    if supply_order.status in (SupplyOrder.Status.IN_PROCESS, SupplyOrder.Status.REQUESTED):
        supply_order.exception_reason = reason[:300]
        transition(
            supply_order,
            "fail",
            acting_user=acting_user,
            demand_line_id=po_line.demand_line_id,
            reason=reason,
        )


def purchase_order_cancel(*, po: PurchaseOrder, reason: str, acting_user=None) -> PurchaseOrder:
    """Cancel a PO before anything was received: its requisition lines go back to OPEN, the
    reservations back to the requisitions, and the supply orders to EXCEPTION with the reason
    (the orchestration manager or the buyer picks the next step)."""
    if not reason or not reason.strip():
        raise BusinessRuleError("Say why the purchase order is cancelled.", field="reason")
    reason = reason.strip()
    with use_case():
        po, cancelled = purchase_order_cancel_document(
            po=po, reason=reason, acting_user=acting_user
        )
        for line in cancelled:
            requisition = line.requisition_line
            reservation = _active_reservation(line.demand_line_id, line)
            if reservation is not None:
                reservation_move(
                    reservation=reservation, source=Source.REQUISITION, document=requisition
                )
            _supply_exception(line, f"{po.number} cancelled: {reason}", acting_user)
            SupplyTrackingLine.objects.filter(purchase_order_line=line).update(
                document_type=SupplyTrackingLine.DocumentType.REQUISITION, purchase_order_line=None
            )
    return po
