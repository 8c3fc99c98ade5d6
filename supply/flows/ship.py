"""Ship confirm: the shipment's stock leaves through the ledger and its on-hand reservations
are consumed (warehouse), lines shipped in part are split (orders), the supply orders, work
orders, transfers and POs of the shipped demand close (supply, manufacturing, procurement), and
the invoice is owed (billing listens to shipment_confirmed, in this transaction)."""

from django.db.models import Q
from django.utils import timezone

from core.exceptions import BusinessRuleError
from core.formatting import qty
from core.services import transition, use_case
from manufacturing.models import WorkOrder
from orders.locks import lock_orders_and_lines
from orders.models import FulfillmentLine
from orders.services import line_split
from procurement.models import PurchaseOrder, PurchaseOrderLine
from supply.models import SupplyOrder
from warehouse.models import InventoryTransaction, Reservation, Shipment, TransferOrder
from warehouse.services import (
    balances_lock,
    ledger_post,
    reservation_hand_over,
    reservation_reduce,
    reservations_active,
    reservations_active_by_line,
)
from warehouse.shipments import shipment_locked
from warehouse.signals import shipment_confirmed

LineStatus = FulfillmentLine.Status
Source = Reservation.Source
DONE = {LineStatus.SHIPPED, LineStatus.AWAITING_BILLING, LineStatus.CLOSED, LineStatus.CANCELLED}


def shipment_confirm(
    *, shipment: Shipment, carrier: str = "", tracking_number: str = "", acting_user=None
) -> Shipment:
    """Ship confirm — exactly once (a second confirm finds the shipment SHIPPED: 409).

    Each line ships its shipment quantity: stock leaves through the ledger and its on-hand
    reservation is consumed. Shipping less than a line's quantity splits the line: the shipped
    quantity becomes a new line with its reservation, the remainder keeps the original number,
    its pegging and its status. Invoicing follows after commit.
    """
    with use_case():
        shipment = shipment_locked(shipment)
        # Lock order (orders.locks): shipment, sales orders and lines, then the POs they peg.
        shipment_lines = list(shipment.lines.filter(active=True).order_by("demand_line_id"))
        line_ids = [shipment_line.demand_line_id for shipment_line in shipment_lines]
        locked = lock_orders_and_lines(line_ids)
        po_ids = PurchaseOrderLine.objects.filter(demand_line_id__in=line_ids).values(
            "purchase_order_id"
        )
        pos = list(PurchaseOrder.objects.select_for_update().filter(pk__in=po_ids).order_by("pk"))
        # Then the supply orders the shipped lines close, then the balances (item order).
        fulfilled = list(
            SupplyOrder.objects.select_for_update()
            .filter(demand_line_id__in=line_ids, status=SupplyOrder.Status.FULFILLED)
            .order_by("pk")
        )
        pairs = {(locked[line_id].item_id, shipment.organization_id) for line_id in line_ids}
        if len(pairs) > 1:  # one row is locked by its own update, before any other
            balances_lock(pairs)
        shipment.carrier = carrier.strip()[:60]
        shipment.tracking_number = tracking_number.strip()[:60]
        shipment.ship_date = timezone.localdate()
        transition(
            shipment,
            "confirm",
            acting_user=acting_user,
            reason=" ".join(filter(None, [shipment.carrier, shipment.tracking_number])),
        )
        on_hand = reservations_active_by_line(line_ids, source=Source.ON_HAND)
        shipped = [
            _ship_line(shipment, shipment_line, locked[line_id], on_hand[line_id], acting_user)
            for shipment_line, line_id in zip(shipment_lines, line_ids, strict=True)
        ]
        _close_supply(fulfilled, shipped, acting_user)
        _close_purchase_orders(pos, acting_user)
        shipment_confirmed.send(sender=Shipment, shipment_id=shipment.pk)
    return shipment


def _ship_line(shipment, shipment_line, line, reservations, acting_user) -> FulfillmentLine:
    """Ship one line (`reservations`: its active on-hand ones); returns the line shipped."""
    quantity = shipment_line.quantity
    if quantity < line.quantity:
        shipped = line_split(
            line=line,
            quantity=quantity,
            acting_user=acting_user,
            status=LineStatus.AWAITING_SHIPPING,
            reason=f"partial shipment {shipment.number}",
        )
        reservation_hand_over(from_line=line, to_line=shipped, quantity=quantity)
        shipment_line.demand_line = shipped
        shipment_line.save(update_fields=["demand_line"])
        shipped.item, shipped.order = line.item, line.order
        reservations = reservations_active(line=shipped, source=Source.ON_HAND)
    else:
        shipped = line
    if shipped.status != LineStatus.AWAITING_SHIPPING:
        raise BusinessRuleError(f"Line {shipped.number} is {shipped.status}: it cannot ship.")
    remaining = quantity
    for reservation in reservations:
        part = min(remaining, reservation.quantity)
        reservation_reduce(
            reservation=reservation, quantity=part, status=Reservation.Status.CONSUMED
        )
        remaining -= part
    if remaining > 0:
        raise BusinessRuleError(f"Line {shipped.number} is short of {qty(remaining)} on hand.")
    ledger_post(
        item=shipped.item,
        organization=shipment.organization,
        kind=InventoryTransaction.Kind.SHIPMENT,
        quantity=-quantity,
        document=shipment,
        demand_line_id=shipped.pk,
        acting_user=acting_user,
    )
    transition(
        shipped,
        "ship",
        acting_user=acting_user,
        demand_line_id=shipped.pk,
        reason=shipment.number,
        save=False,  # saved once, by the next move
    )
    transition(shipped, "await_billing", acting_user=acting_user, demand_line_id=shipped.pk)
    return shipped


def _close_supply(fulfilled: list[SupplyOrder], lines: list[FulfillmentLine], acting_user):
    """Demand shipped: the fulfilled supply orders (locked by the caller) of the lines that
    shipped whole close (the rest of a line shipped in part keeps its supply order)."""
    shipped = {line.pk for line in lines}
    closing = [s for s in fulfilled if s.demand_line_id in shipped]
    for supply_order in closing:
        transition(
            supply_order,
            "close",
            acting_user=acting_user,
            demand_line_id=supply_order.demand_line_id,
            reason="demand shipped",
        )
    # Their work orders and transfers close with them (a PO closes by its own rule, below).
    types = {supply_order.supply_type for supply_order in closing}
    documents = []
    if SupplyOrder.Type.MAKE in types:
        documents += WorkOrder.objects.select_for_update().filter(
            demand_line_id__in=shipped, status=WorkOrder.Status.COMPLETED
        )
    if SupplyOrder.Type.TRANSFER in types:
        documents += TransferOrder.objects.select_for_update().filter(
            demand_line_id__in=shipped, status=TransferOrder.Status.RECEIVED
        )
    for document in documents:
        transition(
            document,
            "close",
            acting_user=acting_user,
            demand_line_id=document.demand_line_id,
            reason="demand shipped",
        )


def _close_purchase_orders(pos: list[PurchaseOrder], acting_user) -> None:
    """A PO closed for receiving closes once all its pegged demand has shipped (lines split
    off that demand included). `pos` are the shipment's POs, locked by the caller."""
    for po in pos:
        if po.status != PurchaseOrder.Status.CLOSED_FOR_RECEIVING:
            continue
        pegged = Q(purchase_order_lines__purchase_order=po)
        split_off = Q(split_from__purchase_order_lines__purchase_order=po)
        if not FulfillmentLine.objects.filter(pegged | split_off).exclude(status__in=DONE).exists():
            transition(po, "close", acting_user=acting_user, reason="all pegged demand shipped")
