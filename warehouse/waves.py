"""Pick waves: every line ready to ship at an organization — optionally one customer's, or
those scheduled to ship by a day — released in one action into one shipment per customer,
then picked and packed as one (ship confirm of a wave spans apps: supply.flows.ship).

Set-based: the lines are locked once, the shipments, their lines and the log written in one
statement per table; a wave step moves all its shipments in one statement."""

import datetime

from catalog.models import Customer, Organization
from core.exceptions import BusinessRuleError
from core.models import DocumentType
from core.queries import bulk_update_rows
from core.services import (
    change_log,
    document_number_next,
    gc_paused,
    transition,
    use_case,
    user_or_none,
)
from orders.locks import lock_orders_and_lines
from orders.models import FulfillmentLine
from warehouse.models import PickWave, Shipment
from warehouse.selectors import lines_to_ship
from warehouse.shipments import ShipLine, shipments_locked, shipments_plan

# The most lines one wave releases (a larger backlog goes out in several waves).
WAVE_MAX_LINES = 5000

# Which shipments a wave step moves: those still where the step starts.
STEP_FROM = {"pick": Shipment.Status.PLANNED, "pack": Shipment.Status.PICKED}


def lines_ready_for_wave(
    *, organization: Organization, customer: Customer | None = None, ship_by=None
):
    """Lines wholly reserved on hand at the organization that no open shipment holds,
    customer by customer (then scheduled date, order, line): what a wave releases."""
    rows = lines_to_ship(organization=organization.code).filter(
        status=FulfillmentLine.Status.AWAITING_SHIPPING, planned_quantity=0
    )
    if customer is not None:
        rows = rows.filter(order__customer=customer)
    if ship_by is not None:
        rows = rows.filter(scheduled_ship_date__lte=ship_by)
    return rows


@gc_paused()
def wave_release(
    *,
    organization: Organization,
    customer: Customer | None = None,
    ship_by: datetime.date | None = None,
    carrier: str = "",
    acting_user=None,
) -> PickWave:
    """Release the lines ready to ship (see `lines_ready_for_wave`, at most WAVE_MAX_LINES)
    into one shipment per customer, all in a new pick wave. Lines another user planned or
    changed meanwhile are left out; nothing ready is refused with what to do."""
    chosen = {"organization": organization, "customer": customer, "ship_by": ship_by}
    with use_case():
        ids = list(lines_ready_for_wave(**chosen).values_list("pk", flat=True)[:WAVE_MAX_LINES])
        locked = lock_orders_and_lines(ids)
        # Read again under the locks: a line planned or changed meanwhile is left out.
        ready = list(
            lines_ready_for_wave(**chosen)
            .filter(pk__in=ids)
            .values_list("pk", "order__customer_id")
        )
        if not ready:
            raise BusinessRuleError(
                f"Nothing is ready to ship from {organization.code}"
                + (f" for {customer.number}" if customer else "")
                + (f" scheduled by {ship_by:%d %b %Y}" if ship_by else "")
                + ": lines join a wave once wholly reserved on hand and not on a shipment.",
                field="organization",
            )
        groups: dict[int, list[ShipLine]] = {}
        for line_id, customer_id in ready:
            groups.setdefault(customer_id, []).append(ShipLine(locked[line_id]))
        wave = PickWave.objects.create(
            number=document_number_next(DocumentType.PICK_WAVE),
            organization=organization,
            customer=customer,
            ship_by=ship_by,
            carrier=carrier.strip()[:60],
            created_by=user_or_none(acting_user),
        )
        shipments_plan(
            organization=organization,
            groups=list(groups.values()),
            locked=locked,
            acting_user=acting_user,
            wave=wave,
        )
        change_log(
            document=wave,
            to_value=wave.status,
            acting_user=acting_user,
            reason=f"{len(ready)} lines in {len(groups)} shipments",
        )
    return wave


def wave_locked(wave: PickWave) -> PickWave:
    return (
        PickWave.objects.select_for_update(of=("self",))
        .select_related("organization")
        .get(pk=wave.pk)
    )


@gc_paused()
def wave_move(*, wave: PickWave, action: str, acting_user=None) -> PickWave:
    """Pick or pack a wave: the wave and every shipment of it still at the step's start
    (one cancelled or moved on its own is left as it is). Lock order: the wave, then its
    shipments."""
    if action not in STEP_FROM:
        raise BusinessRuleError(f"A wave is picked or packed, not “{action}”.", field="action")
    with use_case():
        wave = wave_locked(wave)
        transition(wave, action, acting_user=acting_user)
        shipments = shipments_locked(wave.shipments.filter(status=STEP_FROM[action]))
        for shipment in shipments:
            transition(shipment, action, acting_user=acting_user, reason=wave.number, save=False)
        bulk_update_rows(shipments, ["status"])
    return wave
