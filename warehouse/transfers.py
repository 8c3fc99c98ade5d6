"""Transfer-order use cases: goods held at a source organization move to the fulfillment
organization of one demand line — create (stock held at the source), ship (source on hand down,
destination in transit up), receive (in transit down, on hand up), cancel before shipping.
What a transfer receipt does for the sales order line is the supply flow's job
(supply.flows.transfer)."""

from decimal import Decimal

from django.utils import timezone

from core.documents import document_type_of
from core.exceptions import BusinessRuleError, Conflict, InvalidTransition
from core.formatting import qty
from core.models import DocumentType
from core.services import change_log, document_number_next, field_change, transition, use_case
from warehouse.models import (
    InventoryTransaction,
    Receipt,
    Reservation,
    TransferOrder,
    TransferOrderLine,
)
from warehouse.services import (
    ReceiveLine,
    ledger_post,
    receipt_open,
    receive_lines_check,
    reservation_reduce,
    reservation_release,
    reservation_set_quantity,
    stock_hold,
    stock_holds,
)

Kind = InventoryTransaction.Kind
Bucket = InventoryTransaction.Bucket
Status = TransferOrder.Status
DOCUMENT = document_type_of(TransferOrder)


def transfer_order_locked(transfer_order: TransferOrder) -> TransferOrder:
    return (
        TransferOrder.objects.select_for_update(of=("self",))
        .select_related("source", "destination")
        .get(pk=transfer_order.pk)
    )


def _lines(transfer_order: TransferOrder) -> list[TransferOrderLine]:
    lines = list(transfer_order.lines.select_related("item").order_by("line_number"))
    for line in lines:
        line.transfer_order = transfer_order
    return lines


def transfer_order_create(
    *, line, source, destination, quantity: Decimal, need_by_date, acting_user=None
) -> TransferOrder:
    """A transfer of a demand line's item from `source` to `destination`; the quantity is
    held at the source at once (nobody else can take it). Refused, with nothing written by the
    caller's savepoint, when the source no longer has it available."""
    transfer_order = TransferOrder.objects.create(
        number=document_number_next(DocumentType.TRANSFER_ORDER),
        source=source,
        destination=destination,
        demand_line=line,
        need_by_date=need_by_date,
    )
    TransferOrderLine.objects.create(
        transfer_order=transfer_order, line_number=1, item_id=line.item_id, quantity=quantity
    )
    held = stock_hold(
        line=line,
        item=line.item,
        organization=source,
        quantity=quantity,
        source=Reservation.Source.TRANSFER_SOURCE,
        document=transfer_order,
    )
    if held is None:
        raise BusinessRuleError(
            f"{source.code} no longer has {qty(quantity)} {line.item.sku} available to transfer."
        )
    change_log(
        document=transfer_order,
        to_value=transfer_order.status,
        acting_user=acting_user,
        demand_line_id=line.pk,
        reason=f"{qty(quantity)} {line.item.sku} {source.code} → {destination.code}",
    )
    return transfer_order


def transfer_order_ship(*, transfer_order: TransferOrder, acting_user=None) -> TransferOrder:
    """Ship an OPEN transfer: the held stock leaves the source (ledger TRANSFER_SHIP out of
    on hand) and is in transit to the destination (TRANSFER_SHIP into in transit)."""
    with use_case():
        transfer_order = transfer_order_locked(transfer_order)
        if transfer_order.status != Status.OPEN:
            raise InvalidTransition(
                f"Cannot ship {transfer_order.number}: it is {transfer_order.status}."
            )
        lines = _lines(transfer_order)
        for hold in stock_holds(
            source=Reservation.Source.TRANSFER_SOURCE,
            document_type=DOCUMENT,
            document_ids=[transfer_order.pk],
        ):
            reservation_reduce(
                reservation=hold, quantity=hold.quantity, status=Reservation.Status.CONSUMED
            )
        for line in lines:
            moves = (
                (transfer_order.source, -line.quantity, Bucket.ON_HAND),
                (transfer_order.destination, line.quantity, Bucket.IN_TRANSIT),
            )
            for organization, quantity, bucket in moves:
                ledger_post(
                    item=line.item,
                    organization=organization,
                    kind=Kind.TRANSFER_SHIP,
                    quantity=quantity,
                    bucket=bucket,
                    document=transfer_order,
                    demand_line_id=transfer_order.demand_line_id,
                    acting_user=acting_user,
                )
            line.quantity_shipped = line.quantity
        TransferOrderLine.objects.bulk_update(lines, ["quantity_shipped"])
        transfer_order.ship_date = timezone.localdate()
        transition(
            transfer_order,
            "ship",
            acting_user=acting_user,
            demand_line_id=transfer_order.demand_line_id,
            reason=f"{transfer_order.source.code} → {transfer_order.destination.code}",
        )
        return transfer_order


def transfer_order_receive_lines(
    *, transfer_order: TransferOrder, lines: list[ReceiveLine], acting_user=None
) -> tuple[Receipt, list[tuple[TransferOrderLine, Decimal]]]:
    """Receive shipped goods at the destination (ledger TRANSFER_RECEIPT: in transit down, on
    hand up) on one receipt; never more than was shipped and not yet received. RECEIVED once
    everything arrived. `transfer_order` must be locked; returns the receipt and what each
    transfer line received."""
    if transfer_order.status != Status.SHIPPED:
        raise InvalidTransition(
            f"Cannot receive {transfer_order.number}: it is {transfer_order.status}"
            + (" (ship it first)." if transfer_order.status == Status.OPEN else ".")
        )
    receive_lines_check(lines)
    by_number = {line.line_number: line for line in _lines(transfer_order)}
    received = []
    for index, request in enumerate(lines):
        line = by_number.get(request.line_number)
        if line is None:
            raise BusinessRuleError(
                f"{transfer_order.number} has no line {request.line_number}.",
                field=f"lines[{index}].line_number",
            )
        due = line.quantity_shipped - line.quantity_received
        if request.quantity > due:
            raise BusinessRuleError(
                f"{transfer_order.number} line {line.line_number}: {qty(line.quantity_shipped)} "
                f"shipped, {qty(line.quantity_received)} received — at most {qty(due)} more "
                "can be received.",
                field=f"lines[{index}].quantity",
            )
        received.append((line, request.quantity))
    receipt = receipt_open(
        organization=transfer_order.destination,
        transfer_order=transfer_order,
        acting_user=acting_user,
    )
    for line, quantity in received:
        for bucket, signed in ((Bucket.IN_TRANSIT, -quantity), (Bucket.ON_HAND, quantity)):
            ledger_post(
                item=line.item,
                organization=transfer_order.destination,
                kind=Kind.TRANSFER_RECEIPT,
                quantity=signed,
                bucket=bucket,
                document=receipt,
                demand_line_id=transfer_order.demand_line_id,
                acting_user=acting_user,
            )
        line.quantity_received += quantity
    TransferOrderLine.objects.bulk_update([line for line, _ in received], ["quantity_received"])
    if all(line.quantity_received >= line.quantity for line in by_number.values()):
        transition(
            transfer_order,
            "receive",
            acting_user=acting_user,
            demand_line_id=transfer_order.demand_line_id,
            reason=receipt.number,
        )
    return receipt, received


def transfer_order_cancel_document(
    *, transfer_order: TransferOrder, reason: str, acting_user=None
) -> TransferOrder:
    """Cancel an OPEN transfer: the stock held at the source is released. `transfer_order`
    must be locked."""
    if transfer_order.status != Status.OPEN:
        raise InvalidTransition(
            f"Cannot cancel {transfer_order.number}: it is {transfer_order.status}"
            + (" (it left the source)." if transfer_order.status == Status.SHIPPED else ".")
        )
    for hold in stock_holds(
        source=Reservation.Source.TRANSFER_SOURCE,
        document_type=DOCUMENT,
        document_ids=[transfer_order.pk],
    ):
        reservation_release(reservation=hold)
    transfer_order.cancel_reason = reason.strip()[:200]
    transition(
        transfer_order,
        "cancel",
        acting_user=acting_user,
        demand_line_id=transfer_order.demand_line_id,
        reason=reason,
    )
    return transfer_order


def transfer_order_change(
    *,
    transfer_order: TransferOrder,
    quantity: Decimal | None = None,
    need_by_date=None,
    acting_user=None,
) -> TransferOrder:
    """Change a locked OPEN transfer in place: its quantity (the hold at the source follows:
    more only where it is available) or its need-by date. A shipped transfer is refused (409)."""
    if transfer_order.status != Status.OPEN:
        raise Conflict(
            f"{transfer_order.number} is {transfer_order.status}: it no longer changes in place."
        )
    demand_line_id = transfer_order.demand_line_id
    if quantity is not None:
        (line,) = _lines(transfer_order)
        if quantity != line.quantity:
            for hold in stock_holds(
                source=Reservation.Source.TRANSFER_SOURCE,
                document_type=DOCUMENT,
                document_ids=[transfer_order.pk],
            ):
                reservation_set_quantity(reservation=hold, quantity=quantity)
            before = line.quantity
            line.quantity = quantity
            line.save(update_fields=["quantity"])
            change_log(  # on the transfer order, whose page shows its timeline
                document=transfer_order,
                field="quantity",
                from_value=before,
                to_value=quantity,
                acting_user=acting_user,
                demand_line_id=demand_line_id,
            )
    field_change(
        transfer_order,
        "need_by_date",
        need_by_date,
        acting_user=acting_user,
        demand_line_id=demand_line_id,
    )
    return transfer_order
