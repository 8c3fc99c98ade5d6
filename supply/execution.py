"""One execution adapter per supply type: how a supply order gets its document (and, for the
change-management work, how the document changes or is cancelled). Supply creation dispatches
on the type (`adapter_for`) instead of branching on it; each adapter calls the services of the
app that owns its document.

`change_quantity` / `change_date` change a document that has not gone out yet in place (an
OPEN requisition, an UNRELEASED work order — its date while it is open —, an OPEN transfer);
the line's reservation against it and its tracking line follow. A document that went out (a
PO line, a released work order's quantity, a shipped transfer) is refused with 409: the change
orders and new supply for those are change management's.

`can_cancel` / `cancel` take a document back when its line is cancelled: a work order with
nothing completed, a transfer that has not shipped. Buy documents are not taken back yet
(changing or cancelling requisitions and POs from the demand side is change management's job):
their lines are refused with 409.

`create` runs inside the creating transaction, with the demand line and the supply order
locked; it writes the document, its tracking line and the demand line's reservation against
it (tracking line `sequence`: 1, or the next after a cancelled document), and returns the
document's number. It either writes all of that or raises a
BusinessRuleError having written nothing (no bill of materials; the transfer source sold out,
inside its own savepoint): the supply order then goes to EXCEPTION with that message.
"""

from datetime import timedelta
from decimal import Decimal

from core.enqueue import enqueue_on_commit
from core.exceptions import Conflict
from core.services import use_case
from manufacturing.models import WorkOrder
from manufacturing.services import (
    work_order_cancel_document,
    work_order_change,
    work_order_create,
    work_order_locked,
)
from procurement.services import requisition_line_change, requisition_line_create
from supply.models import SupplyOrder, SupplyTrackingLine
from warehouse.models import Reservation, TransferOrder
from warehouse.services import (
    reservation_create_for_document,
    reservation_set_quantity,
    reservations_active_by_line,
)
from warehouse.transfers import (
    transfer_order_cancel_document,
    transfer_order_change,
    transfer_order_create,
    transfer_order_locked,
)

TOUCHLESS_RUN = "supply.convert_touchless_requisitions"
Tracked = SupplyTrackingLine.DocumentType


def _follow(tracking_line, source: str, document_id: int, quantity: Decimal) -> None:
    """The document's quantity changed: the line's reservation against it and the tracking
    line follow."""
    line_id = tracking_line.supply_order.demand_line_id
    for reservation in reservations_active_by_line([line_id], source=source)[line_id]:
        if reservation.document_id == document_id:
            reservation_set_quantity(reservation=reservation, quantity=quantity)
    tracking_line.quantity = quantity
    tracking_line.save(update_fields=["quantity"])


def _track(supply_order, sequence: int, document_type: str, quantity: Decimal, **document):
    """The tracking line of a new document: the first of its supply order, or the next one when
    a retry replaces a document that was cancelled."""
    SupplyTrackingLine.objects.create(
        supply_order=supply_order,
        sequence=sequence,
        document_type=document_type,
        quantity=quantity,
        **document,
    )


class BuyAdapter:
    """A requisition line for the chosen supplier and price (a buyer, or the touchless run
    for automatic suppliers, turns it into a PO line)."""

    def create(self, supply_order: SupplyOrder, line, *, sequence: int = 1) -> str:
        organization = line.ship_from
        requisition = requisition_line_create(
            line=line,
            supplier=supply_order.supplier,
            quantity=supply_order.quantity,
            unit_price=supply_order.unit_price,
            need_by_date=supply_order.need_by_date - timedelta(days=organization.receiving_days),
            reason=f"for {supply_order.number}",
        )
        _track(
            supply_order,
            sequence,
            Tracked.REQUISITION,
            requisition.quantity,
            requisition_line=requisition,
        )
        reservation_create_for_document(
            line=line,
            organization=organization,
            quantity=requisition.quantity,
            source=Reservation.Source.REQUISITION,
            document=requisition,
        )
        if supply_order.supplier.automatic_po:
            enqueue_on_commit(TOUCHLESS_RUN, supply_order.supplier_id)
        return requisition.number

    def _requisition(self, tracking_line):
        if tracking_line.purchase_order_line_id:
            raise Conflict(
                f"{tracking_line.document_number} is a purchase order: it changes by change "
                "order (change management)."
            )
        return tracking_line.requisition_line

    def change_quantity(self, tracking_line, quantity: Decimal, *, acting_user=None) -> None:
        requisition = requisition_line_change(
            requisition=self._requisition(tracking_line), quantity=quantity, acting_user=acting_user
        )
        _follow(tracking_line, Reservation.Source.REQUISITION, requisition.pk, quantity)

    def change_date(self, tracking_line, need_by_date, *, acting_user=None) -> None:
        requisition = self._requisition(tracking_line)
        receiving_days = requisition.organization.receiving_days
        requisition_line_change(
            requisition=requisition,
            need_by_date=need_by_date - timedelta(days=receiving_days),
            acting_user=acting_user,
        )

    def can_cancel(self, tracking_line) -> bool:
        return False

    def cancel(self, tracking_line, *, reason: str, acting_user=None) -> None:
        raise Conflict(
            f"{tracking_line.document_number} works for this line: it cannot be cancelled "
            "until change management supports it."
        )


class MakeAdapter:
    """A work order at the plant (the fulfillment organization) from its bill of materials;
    the line is reserved against it."""

    def create(self, supply_order: SupplyOrder, line, *, sequence: int = 1) -> str:
        work_order = work_order_create(
            line=line,
            plant=line.ship_from,
            quantity=supply_order.quantity,
            due_date=supply_order.need_by_date,
        )
        _track(
            supply_order, sequence, Tracked.WORK_ORDER, work_order.quantity, work_order=work_order
        )
        reservation_create_for_document(
            line=line,
            organization=line.ship_from,
            quantity=work_order.quantity,
            source=Reservation.Source.WORK_ORDER,
            document=work_order,
        )
        return work_order.number

    def change_quantity(self, tracking_line, quantity: Decimal, *, acting_user=None) -> None:
        work_order = work_order_change(
            work_order=work_order_locked(tracking_line.work_order),
            quantity=quantity,
            acting_user=acting_user,
        )
        _follow(tracking_line, Reservation.Source.WORK_ORDER, work_order.pk, quantity)

    def change_date(self, tracking_line, need_by_date, *, acting_user=None) -> None:
        work_order_change(
            work_order=work_order_locked(tracking_line.work_order),
            due_date=need_by_date,
            acting_user=acting_user,
        )

    def can_cancel(self, tracking_line) -> bool:
        work_order = tracking_line.work_order
        return work_order.status in WorkOrder.OPEN_STATES and not work_order.quantity_completed

    def cancel(self, tracking_line, *, reason: str, acting_user=None) -> None:
        work_order_cancel_document(
            work_order=work_order_locked(tracking_line.work_order),
            reason=reason,
            acting_user=acting_user,
        )


class TransferAdapter:
    """A transfer order from the rule's source organization to the fulfillment organization:
    the quantity is held at the source, and the line is reserved against the transfer."""

    def create(self, supply_order: SupplyOrder, line, *, sequence: int = 1) -> str:
        with use_case():  # a savepoint: the source may have sold out since the promise
            transfer_order = transfer_order_create(
                line=line,
                source=supply_order.source_organization,
                destination=line.ship_from,
                quantity=supply_order.quantity,
                need_by_date=supply_order.need_by_date,
            )
        _track(
            supply_order,
            sequence,
            Tracked.TRANSFER_ORDER,
            supply_order.quantity,
            transfer_order_line=transfer_order.lines.get(),
        )
        reservation_create_for_document(
            line=line,
            organization=line.ship_from,
            quantity=supply_order.quantity,
            source=Reservation.Source.TRANSFER_ORDER,
            document=transfer_order,
        )
        return transfer_order.number

    def change_quantity(self, tracking_line, quantity: Decimal, *, acting_user=None) -> None:
        transfer_order = transfer_order_change(
            transfer_order=transfer_order_locked(tracking_line.transfer_order_line.transfer_order),
            quantity=quantity,
            acting_user=acting_user,
        )
        _follow(tracking_line, Reservation.Source.TRANSFER_ORDER, transfer_order.pk, quantity)

    def change_date(self, tracking_line, need_by_date, *, acting_user=None) -> None:
        transfer_order_change(
            transfer_order=transfer_order_locked(tracking_line.transfer_order_line.transfer_order),
            need_by_date=need_by_date,
            acting_user=acting_user,
        )

    def can_cancel(self, tracking_line) -> bool:
        transfer_order = tracking_line.transfer_order_line.transfer_order
        return transfer_order.status == TransferOrder.Status.OPEN

    def cancel(self, tracking_line, *, reason: str, acting_user=None) -> None:
        transfer_order_cancel_document(
            transfer_order=transfer_order_locked(tracking_line.transfer_order_line.transfer_order),
            reason=reason,
            acting_user=acting_user,
        )


ADAPTERS = {
    SupplyOrder.Type.BUY: BuyAdapter(),
    SupplyOrder.Type.MAKE: MakeAdapter(),
    SupplyOrder.Type.TRANSFER: TransferAdapter(),
}


def adapter_for(supply_type: str):
    return ADAPTERS[SupplyOrder.Type(supply_type)]
