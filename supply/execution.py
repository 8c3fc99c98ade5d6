"""One execution adapter per supply type: how a supply order gets its document, and how that
document changes or is taken back when its demand changes. Supply creation and change
management (supply.services.changes) dispatch on the type (`adapter_for`) instead of
branching on it; each adapter calls the services of the app that owns its document.

- `create` runs inside the creating transaction, with the demand line and the supply order
  locked; it writes the document (for `quantity`, by default the supply order's), its tracking
  line (`sequence`: 1, or the next one) and the demand line's reservation against it, and
  returns the document's number. It either writes all of that or raises a BusinessRuleError
  having written nothing (no bill of materials; the transfer source sold out, inside its own
  savepoint).
- `arrived` is how much of the document is already on hand at the fulfillment organization
  (received, completed, received from the transfer).
- `resize` / `redate` change the document's quantity or need-by date where it still can: an
  OPEN requisition, a PO line by change order (procurement.changes), an UNRELEASED work order
  (its due date while it is open), an OPEN transfer. They return False, writing nothing, where
  it cannot (a released work order's quantity, a shipped transfer, a closed PO).
- `take_back` cancels the document (a PO line with receipts is cut to what was received), or
  returns False where it cannot (a work order with completions, a shipped transfer): the goods
  it still brings then become free stock.

The line's reservation against the document is the pegged quantity still to come; change
management keeps it equal to what the line still needs from the document (`peg`).
"""

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from core.enqueue import enqueue_on_commit
from core.exceptions import BusinessRuleError
from core.queries import insert_rows
from core.services import use_case
from manufacturing.models import WorkOrder
from manufacturing.services import (
    work_order_cancel_document,
    work_order_change,
    work_order_create,
    work_order_demand_cut,
    work_order_demand_regrow,
    work_order_locked,
)
from procurement.changes import (
    purchase_order_line_can_change,
    purchase_order_line_cancel,
    purchase_order_line_change,
    purchase_order_line_locked,
    requisition_cancel,
)
from procurement.models import RequisitionLine
from procurement.services import RequisitionSpec, requisition_line_change, requisition_lines_create
from supply.models import SupplyOrder, SupplyTrackingLine
from warehouse.models import Reservation, TransferOrder
from warehouse.services import (
    reservation_create_for_document,
    reservation_release,
    reservation_set_quantity,
    reservations_create_for_documents,
)
from warehouse.transfers import (
    transfer_order_cancel_document,
    transfer_order_change,
    transfer_order_create,
    transfer_order_locked,
)

TOUCHLESS_RUN = "supply.convert_touchless_requisitions"
Tracked = SupplyTrackingLine.DocumentType
ZERO = Decimal(0)


def _track(supply_order, sequence: int, document_type: str, quantity: Decimal, **document):
    """The tracking line of a new document: the first of its supply order, or the next one
    (more supply for the same line, or a retry after a cancelled document)."""
    SupplyTrackingLine.objects.create(
        supply_order=supply_order,
        sequence=sequence,
        document_type=document_type,
        quantity=quantity,
        **document,
    )


@dataclass(frozen=True)
class Creation:
    """A document to create for a (locked) supply order and its (locked) demand line: for
    `quantity` (default the supply order's) as tracking line `sequence`."""

    supply_order: SupplyOrder
    line: object
    sequence: int = 1
    quantity: Decimal | None = None


class _Adapter:
    def create(self, supply_order: SupplyOrder, line, *, sequence: int = 1, quantity=None) -> str:
        raise NotImplementedError

    def create_many(self, creations: list[Creation]) -> dict[int, str | BusinessRuleError]:
        """The documents of many supply orders, by supply order id: the document number, or
        the refusal (BusinessRuleError) of one that could not be created — written nothing,
        its savepoint rolled back — while the others are. One by one unless the adapter
        creates them set-based."""
        outcomes = {}
        for creation in creations:
            try:
                with use_case():
                    outcomes[creation.supply_order.pk] = self.create(
                        creation.supply_order,
                        creation.line,
                        sequence=creation.sequence,
                        quantity=creation.quantity,
                    )
            except BusinessRuleError as refused:
                outcomes[creation.supply_order.pk] = refused
        return outcomes

    def reserved_against(self, tracking_line) -> tuple[str, int]:
        """The reservation source and document id the line's pegged quantity sits on."""
        raise NotImplementedError

    def peg(self, tracking_line, reservations: list, quantity: Decimal) -> Decimal:
        """Set the line's reservation against the document to `quantity` (released at 0,
        created when missing); `reservations` are the line's active ones. Returns the
        quantity it was."""
        source, document_id = self.reserved_against(tracking_line)
        found = [
            r
            for r in reservations
            if r.supply_source == source
            and r.document_id == document_id
            and r.status == Reservation.Status.ACTIVE
        ]
        before = found[0].quantity if found else ZERO
        if found and quantity <= 0:
            reservation_release(reservation=found[0])
        elif found:
            reservation_set_quantity(reservation=found[0], quantity=quantity)
            found[0].quantity = quantity
        elif quantity > 0:
            line = tracking_line.supply_order.demand_line
            reservations.append(
                reservation_create_for_document(
                    line=line,
                    organization=line.ship_from,
                    quantity=quantity,
                    source=source,
                    document=tracking_line.pegged_document,
                )
            )
        return before

    @staticmethod
    def _tracked_quantity(tracking_line, quantity: Decimal) -> None:
        tracking_line.quantity = quantity
        tracking_line.save(update_fields=["quantity"])


class BuyAdapter(_Adapter):
    """A requisition line for the chosen supplier and price (a buyer, or the touchless run
    for automatic suppliers, turns it into a PO line)."""

    def create(self, supply_order: SupplyOrder, line, *, sequence: int = 1, quantity=None) -> str:
        creation = Creation(supply_order, line, sequence, quantity)
        return self.create_many([creation])[supply_order.pk]

    def create_many(self, creations: list[Creation]) -> dict[int, str]:
        """Set-based: the requisitions, their tracking lines and the lines' reservations in
        one INSERT each (a requisition is never refused)."""
        requisitions = requisition_lines_create(
            [
                RequisitionSpec(
                    line=c.line,
                    supplier=c.supply_order.supplier,
                    quantity=c.quantity or c.supply_order.quantity,
                    unit_price=c.supply_order.unit_price,
                    need_by_date=c.supply_order.need_by_date
                    - timedelta(days=c.line.ship_from.receiving_days),
                    reason=f"for {c.supply_order.number}",
                )
                for c in creations
            ]
        )
        pairs = list(zip(creations, requisitions, strict=True))
        insert_rows(
            SupplyTrackingLine(
                supply_order=c.supply_order,
                sequence=c.sequence,
                document_type=Tracked.REQUISITION,
                quantity=requisition.quantity,
                requisition_line=requisition,
            )
            for c, requisition in pairs
        )
        reservations_create_for_documents(
            (c.line, c.line.ship_from, r.quantity, Reservation.Source.REQUISITION, r)
            for c, r in pairs
        )
        for supplier_id in sorted(
            {c.supply_order.supplier_id for c in creations if c.supply_order.supplier.automatic_po}
        ):
            enqueue_on_commit(TOUCHLESS_RUN, supplier_id)
        return {c.supply_order.pk: requisition.number for c, requisition in pairs}

    def reserved_against(self, tracking_line):
        if tracking_line.purchase_order_line_id:
            return Reservation.Source.PURCHASE_ORDER, tracking_line.purchase_order_line_id
        return Reservation.Source.REQUISITION, tracking_line.requisition_line_id

    def arrived(self, tracking_line) -> Decimal:
        if tracking_line.purchase_order_line_id:
            return tracking_line.purchase_order_line.quantity_received
        return ZERO

    def _po_line(self, tracking_line):
        po_line = purchase_order_line_locked(tracking_line.purchase_order_line)
        tracking_line.purchase_order_line = po_line
        return None if purchase_order_line_can_change(po_line) else po_line

    def _requisition(self, tracking_line):
        requisition = RequisitionLine.objects.select_for_update().get(
            pk=tracking_line.requisition_line_id
        )
        tracking_line.requisition_line = requisition
        return requisition if requisition.status == RequisitionLine.Status.OPEN else None

    def _change(self, tracking_line, acting_user, reason, **change) -> bool:
        if tracking_line.purchase_order_line_id:
            po_line = self._po_line(tracking_line)
            if po_line is None:
                return False
            purchase_order_line_change(
                po_line=po_line, acting_user=acting_user, reason=reason, **change
            )
            return True
        requisition = self._requisition(tracking_line)
        if requisition is None:
            return False
        requisition_line_change(requisition=requisition, acting_user=acting_user, **change)
        return True

    def resize(self, tracking_line, quantity, *, acting_user=None, reason="") -> bool:
        changed = self._change(tracking_line, acting_user, reason, quantity=quantity)
        if changed:
            self._tracked_quantity(tracking_line, quantity)
        return changed

    def redate(self, tracking_line, need_by_date, *, acting_user=None, reason="") -> bool:
        organization = tracking_line.supply_order.demand_line.ship_from
        need_by = need_by_date - timedelta(days=organization.receiving_days)
        return self._change(tracking_line, acting_user, reason, need_by_date=need_by)

    def take_back(self, tracking_line, *, reason: str, acting_user=None) -> bool:
        if tracking_line.purchase_order_line_id:
            po_line = self._po_line(tracking_line)
            if po_line is None:
                return False
            purchase_order_line_cancel(po_line=po_line, reason=reason, acting_user=acting_user)
            self._tracked_quantity(tracking_line, po_line.quantity_received)
            return True
        requisition = self._requisition(tracking_line)
        if requisition is None:
            return False
        requisition_cancel(requisition=requisition, reason=reason, acting_user=acting_user)
        return True


class MakeAdapter(_Adapter):
    """A work order at the plant (the fulfillment organization) from its bill of materials;
    the line is reserved against it."""

    def create(self, supply_order: SupplyOrder, line, *, sequence: int = 1, quantity=None) -> str:
        work_order = work_order_create(
            line=line,
            plant=line.ship_from,
            quantity=quantity or supply_order.quantity,
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

    def reserved_against(self, tracking_line):
        return Reservation.Source.WORK_ORDER, tracking_line.work_order_id

    def arrived(self, tracking_line) -> Decimal:
        return tracking_line.work_order.quantity_completed

    def _pending(self, tracking_line) -> Decimal:
        """What the line still waits for from the work order (its reservation against it)."""
        source, document_id = self.reserved_against(tracking_line)
        return sum(
            Reservation.objects.filter(
                supply_source=source, document_id=document_id, status=Reservation.Status.ACTIVE
            ).values_list("quantity", flat=True),
            ZERO,
        )

    def _locked(self, tracking_line) -> WorkOrder:
        tracking_line.work_order = work_order_locked(tracking_line.work_order)
        return tracking_line.work_order

    def resize(self, tracking_line, quantity, *, acting_user=None, reason="") -> bool:
        work_order = self._locked(tracking_line)
        if work_order.status != WorkOrder.Status.UNRELEASED:
            if work_order.status in WorkOrder.OPEN_STATES and quantity > work_order.quantity:
                # the line grows back after a cut: what the work order makes beyond its need
                # (and is not promised to it yet) is the line's again, before any new source
                return work_order_demand_regrow(
                    work_order=work_order,
                    quantity=quantity - work_order.quantity,
                    room=work_order.quantity_open - self._pending(tracking_line),
                    reason=reason,
                    acting_user=acting_user,
                )
            if work_order.status in WorkOrder.OPEN_STATES:  # production is told of a cut
                work_order_demand_cut(
                    work_order=work_order, quantity=quantity, reason=reason, acting_user=acting_user
                )
            return False
        work_order_change(work_order=work_order, quantity=quantity, acting_user=acting_user)
        self._tracked_quantity(tracking_line, quantity)
        return True

    def redate(self, tracking_line, need_by_date, *, acting_user=None, reason="") -> bool:
        work_order = self._locked(tracking_line)
        if work_order.status not in WorkOrder.OPEN_STATES:
            return False
        work_order_change(work_order=work_order, due_date=need_by_date, acting_user=acting_user)
        return True

    def take_back(self, tracking_line, *, reason: str, acting_user=None) -> bool:
        work_order = self._locked(tracking_line)
        if work_order.status not in WorkOrder.OPEN_STATES or work_order.quantity_completed:
            return False
        work_order_cancel_document(
            work_order=work_order, reason=reason, acting_user=acting_user, from_demand=True
        )
        return True


class TransferAdapter(_Adapter):
    """A transfer order from the rule's source organization to the fulfillment organization:
    the quantity is held at the source, and the line is reserved against the transfer."""

    def create(self, supply_order: SupplyOrder, line, *, sequence: int = 1, quantity=None) -> str:
        quantity = quantity or supply_order.quantity
        with use_case():  # a savepoint: the source may have sold out since the promise
            transfer_order = transfer_order_create(
                line=line,
                source=supply_order.source_organization,
                destination=line.ship_from,
                quantity=quantity,
                need_by_date=supply_order.need_by_date,
            )
        _track(
            supply_order,
            sequence,
            Tracked.TRANSFER_ORDER,
            quantity,
            transfer_order_line=transfer_order.lines.get(),
        )
        reservation_create_for_document(
            line=line,
            organization=line.ship_from,
            quantity=quantity,
            source=Reservation.Source.TRANSFER_ORDER,
            document=transfer_order,
        )
        return transfer_order.number

    def reserved_against(self, tracking_line):
        return (
            Reservation.Source.TRANSFER_ORDER,
            tracking_line.transfer_order_line.transfer_order_id,
        )

    def arrived(self, tracking_line) -> Decimal:
        return tracking_line.transfer_order_line.quantity_received

    def _open(self, tracking_line) -> TransferOrder | None:
        transfer_order = transfer_order_locked(tracking_line.transfer_order_line.transfer_order)
        tracking_line.transfer_order_line.transfer_order = transfer_order
        return transfer_order if transfer_order.status == TransferOrder.Status.OPEN else None

    def resize(self, tracking_line, quantity, *, acting_user=None, reason="") -> bool:
        transfer_order = self._open(tracking_line)
        if transfer_order is None:
            return False
        try:
            with use_case():  # more is held at the source only where it is available
                transfer_order_change(
                    transfer_order=transfer_order, quantity=quantity, acting_user=acting_user
                )
        except BusinessRuleError:
            return False
        self._tracked_quantity(tracking_line, quantity)
        return True

    def redate(self, tracking_line, need_by_date, *, acting_user=None, reason="") -> bool:
        transfer_order = self._open(tracking_line)
        if transfer_order is None:
            return False
        transfer_order_change(
            transfer_order=transfer_order, need_by_date=need_by_date, acting_user=acting_user
        )
        return True

    def take_back(self, tracking_line, *, reason: str, acting_user=None) -> bool:
        transfer_order = self._open(tracking_line)
        if transfer_order is None:
            return False
        transfer_order_cancel_document(
            transfer_order=transfer_order, reason=reason, acting_user=acting_user
        )
        return True


ADAPTERS = {
    SupplyOrder.Type.BUY: BuyAdapter(),
    SupplyOrder.Type.MAKE: MakeAdapter(),
    SupplyOrder.Type.TRANSFER: TransferAdapter(),
}


def adapter_for(supply_type: str):
    return ADAPTERS[SupplyOrder.Type(supply_type)]


# The supply type each document kind belongs to: a supply order's documents may come from more
# than one source (more supply, the next source after a failure), each changed by its own kind.
DOCUMENT_SUPPLY_TYPES = {
    Tracked.REQUISITION: SupplyOrder.Type.BUY,
    Tracked.PURCHASE_ORDER: SupplyOrder.Type.BUY,
    Tracked.WORK_ORDER: SupplyOrder.Type.MAKE,
    Tracked.TRANSFER_ORDER: SupplyOrder.Type.TRANSFER,
}


def adapter_of(tracking_line):
    """The adapter of the document a tracking line follows."""
    return ADAPTERS[DOCUMENT_SUPPLY_TYPES[tracking_line.document_type]]
