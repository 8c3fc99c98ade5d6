"""Ship confirm: the shipment's stock leaves through the ledger and its on-hand reservations
are consumed (warehouse), lines shipped in part are split (orders), the supply orders, work
orders, transfers and POs of the shipped demand close (supply, manufacturing, procurement), and
the invoice is owed (billing listens to shipment_confirmed, in this transaction)."""

from django.db.models import Q
from django.utils import timezone

from core.exceptions import BusinessRuleError
from core.formatting import qty
from core.queries import bulk_update_rows
from core.services import gc_paused, transition, use_case
from manufacturing.models import WorkOrder
from orders.locks import lock_orders_and_lines
from orders.models import FulfillmentLine
from orders.services import line_split
from procurement.models import PurchaseOrder, PurchaseOrderLine
from supply.models import SupplyOrder
from warehouse.models import (
    InventoryTransaction,
    PickWave,
    Reservation,
    Shipment,
    ShipmentLine,
    TransferOrder,
)
from warehouse.services import (
    StockBatch,
    reservation_hand_over,
    reservations_active,
    reservations_active_by_line,
)
from warehouse.shipments import shipments_locked
from warehouse.signals import shipment_confirmed
from warehouse.waves import wave_locked

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
    (shipment,) = shipments_confirm(
        shipments=[shipment],
        carrier=carrier,
        tracking_numbers={shipment.pk: tracking_number},
        acting_user=acting_user,
    )
    return shipment


def shipments_confirm(
    *, shipments, carrier: str = "", tracking_numbers=None, carriers=None, acting_user=None
) -> list[Shipment]:
    """Ship confirm many shipments at once (a pick wave), set-based: what `shipment_confirm`
    does for each, with the rows locked once and each table written in one statement.
    `tracking_numbers` and `carriers` by shipment id (a shipment without a carrier of its own
    goes with `carrier`)."""
    tracking_numbers, carriers = tracking_numbers or {}, carriers or {}
    with use_case():
        # Lock order (orders.locks): shipments, sales orders and lines, then the POs they peg.
        shipments = shipments_locked(shipments)
        shipment_lines = list(
            ShipmentLine.objects.filter(shipment__in=shipments, active=True).order_by(
                "demand_line_id"
            )
        )
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
        by_id = {shipment.pk: shipment for shipment in shipments}
        stock = StockBatch(
            {
                (locked[sl.demand_line_id].item_id, by_id[sl.shipment_id].organization_id)
                for sl in shipment_lines
            }
        )
        for shipment in shipments:
            shipment.carrier = (carriers.get(shipment.pk, "").strip() or carrier.strip())[:60]
            shipment.tracking_number = tracking_numbers.get(shipment.pk, "").strip()[:60]
            shipment.ship_date = timezone.localdate()
            transition(
                shipment,
                "confirm",
                acting_user=acting_user,
                reason=" ".join(filter(None, [shipment.carrier, shipment.tracking_number])),
                save=False,
            )
        on_hand = reservations_active_by_line(line_ids, source=Source.ON_HAND)
        shipped = [
            _ship_line(
                by_id[shipment_line.shipment_id],
                shipment_line,
                locked[line_id],
                on_hand[line_id],
                acting_user,
                stock,
            )
            for shipment_line, line_id in zip(shipment_lines, line_ids, strict=True)
        ]
        stock.write()
        bulk_update_rows(shipments, ["status", "carrier", "tracking_number", "ship_date"])
        bulk_update_rows(shipped, ["status"])
        _close_supply(fulfilled, shipped, acting_user)
        _close_purchase_orders(pos, acting_user)
        for shipment in shipments:
            shipment_confirmed.send(sender=Shipment, shipment_id=shipment.pk)
    return shipments


@gc_paused()
def wave_confirm(
    *, wave: PickWave, carrier: str = "", tracking_numbers=None, carriers=None, acting_user=None
) -> PickWave:
    """Ship confirm a packed wave: every shipment of it still packed, set-based, each with its
    own carrier and tracking number where given (by shipment id), else the carrier given, else
    the wave's. Lock order: the wave, then its shipments (shipments_confirm)."""
    with use_case():
        wave = wave_locked(wave)
        carrier = carrier.strip() or wave.carrier
        transition(wave, "confirm", acting_user=acting_user, reason=carrier)
        if carrier != wave.carrier:
            wave.carrier = carrier[:60]
            wave.save(update_fields=["carrier"])
        packed = list(wave.shipments.filter(status=Shipment.Status.PACKED))
        if packed:
            shipments_confirm(
                shipments=packed,
                carrier=carrier,
                tracking_numbers=tracking_numbers,
                carriers=carriers,
                acting_user=acting_user,
            )
    return wave


def _ship_line(shipment, shipment_line, line, reservations, acting_user, stock) -> FulfillmentLine:
    """Ship one line (`reservations`: its active on-hand ones) in memory, on the `stock`
    batch; returns the line shipped (written by the caller)."""
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
        if reservation.status != Reservation.Status.ACTIVE:
            continue
        part = min(remaining, reservation.quantity)
        if part <= 0:
            break
        stock.reduce(reservation, part, Reservation.Status.CONSUMED)
        remaining -= part
    if remaining > 0:
        raise BusinessRuleError(f"Line {shipped.number} is short of {qty(remaining)} on hand.")
    stock.post(
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
        save=False,
    )
    transition(
        shipped, "await_billing", acting_user=acting_user, demand_line_id=shipped.pk, save=False
    )
    return shipped


def _close_supply(fulfilled: list[SupplyOrder], lines: list[FulfillmentLine], acting_user):
    """Demand shipped: the fulfilled supply orders (locked by the caller) of the lines that
    shipped whole close (the rest of a line shipped in part keeps its supply order)."""
    shipped = {line.pk for line in lines}
    closing = [s for s in fulfilled if s.demand_line_id in shipped]
    # Their work orders and transfers close with them (a PO closes by its own rule, below).
    types = {supply_order.supply_type for supply_order in closing}
    work_orders, transfers = [], []
    if SupplyOrder.Type.MAKE in types:
        work_orders = list(
            WorkOrder.objects.select_for_update().filter(
                demand_line_id__in=shipped, status=WorkOrder.Status.COMPLETED
            )
        )
    if SupplyOrder.Type.TRANSFER in types:
        transfers = list(
            TransferOrder.objects.select_for_update().filter(
                demand_line_id__in=shipped, status=TransferOrder.Status.RECEIVED
            )
        )
    for rows in (closing, work_orders, transfers):
        for document in rows:
            transition(
                document,
                "close",
                acting_user=acting_user,
                demand_line_id=document.demand_line_id,
                reason="demand shipped",
                save=False,
            )
        bulk_update_rows(rows, ["status"])


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
