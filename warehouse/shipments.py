"""Shipment use cases at the warehouse: plan a shipment of lines reserved on hand, pick, pack,
cancel. Ship confirm spans apps (supply orders close, POs close, the invoice is owed): it is
the supply flow supply.flows.ship."""

from dataclasses import dataclass
from decimal import Decimal

from catalog.models import Organization
from core.exceptions import BusinessRuleError, Conflict
from core.formatting import qty, quantity_problem
from core.models import DocumentType
from core.queries import insert_rows
from core.services import change_log, document_numbers_next, transition, use_case, user_or_none
from orders.locks import lock_orders_and_lines
from orders.models import FulfillmentLine
from warehouse.models import Reservation, Shipment, ShipmentLine
from warehouse.services import reservations_active_by_line, reserved_on_hand

LineStatus = FulfillmentLine.Status
Source = Reservation.Source


@dataclass(frozen=True)
class ShipLine:
    demand_line: FulfillmentLine
    quantity: Decimal | None = None  # None: everything reserved on hand for the line


def shipment_create(
    *, organization: Organization, lines: list[ShipLine], acting_user=None
) -> Shipment:
    """Plan a shipment of lines of one customer from one organization.

    A line ships what is reserved for it on hand: all of an AWAITING_SHIPPING line, or the
    part already received of a line still awaiting supply ("ship what is available"). A line is
    on at most one active shipment.
    """
    if not lines:
        raise BusinessRuleError("Choose at least one line to ship.", field="lines")
    ids = [request.demand_line.pk for request in lines]
    for index, line_id in enumerate(ids):
        if line_id in ids[:index]:
            raise BusinessRuleError(
                "The same order line is listed twice: ship it once.", field=f"lines[{index}]"
            )
        quantity = lines[index].quantity
        if quantity is not None and quantity_problem(quantity):
            raise BusinessRuleError(quantity_problem(quantity), field=f"lines[{index}].quantity")
    with use_case():
        locked = lock_orders_and_lines(ids)
        customers = {line.order.customer_id for line in locked.values()}
        if len(customers) > 1:
            raise BusinessRuleError("A shipment holds lines of one customer only.", field="lines")
        (shipment,) = shipments_plan(
            organization=organization, groups=[lines], locked=locked, acting_user=acting_user
        )
    return shipment


def shipments_plan(
    *, organization: Organization, groups, locked, acting_user=None, wave=None
) -> list[Shipment]:
    """Plan one shipment per group of ShipLines (each of one customer), in the caller's
    transaction with the lines `locked` (orders.locks): checked, then written in one statement
    per table. Field names in refusals are those of a one-shipment request."""
    ids = [request.demand_line.pk for lines in groups for request in lines]
    busy = set(
        ShipmentLine.objects.filter(demand_line_id__in=ids, active=True).values_list(
            "demand_line_id", flat=True
        )
    )
    on_hand = reservations_active_by_line(ids, source=Source.ON_HAND)
    plans = []
    for lines in groups:
        plan = []
        for index, request in enumerate(lines):
            line = locked[request.demand_line.pk]
            field = f"lines[{index}]"
            if line.ship_from_id != organization.pk:
                raise BusinessRuleError(
                    f"Line {line.number} does not ship from {organization.code}.",
                    field=field,
                )
            if line.pk in busy:
                raise Conflict(f"Line {line.number} is already on an active shipment.")
            if line.status not in (LineStatus.AWAITING_SHIPPING, LineStatus.AWAITING_SUPPLY):
                raise BusinessRuleError(
                    f"Line {line.number} is {line.status}: nothing to ship.", field=field
                )
            available = reserved_on_hand(on_hand[line.pk])
            quantity = available if request.quantity is None else Decimal(request.quantity)
            if quantity <= 0 or quantity > available:
                raise BusinessRuleError(
                    f"Line {line.number} has {qty(available)} reserved on hand: ship between "
                    f"0 and {qty(available)}.",
                    field=f"{field}.quantity",
                )
            plan.append((line, quantity))
        plans.append(plan)
    numbers = document_numbers_next(DocumentType.SHIPMENT, len(plans))
    shipments = insert_rows(
        Shipment(
            number=number,
            organization=organization,
            customer_id=plan[0][0].order.customer_id,
            wave=wave,
            created_by=user_or_none(acting_user),
        )
        for number, plan in zip(numbers, plans, strict=True)
    )
    insert_rows(
        ShipmentLine(shipment=shipment, demand_line=line, quantity=quantity)
        for shipment, plan in zip(shipments, plans, strict=True)
        for line, quantity in plan
    )
    for shipment, plan in zip(shipments, plans, strict=True):
        reason = f"released in {wave.number}" if wave else ""
        change_log(
            document=shipment, to_value=shipment.status, acting_user=acting_user, reason=reason
        )
        for line, quantity in plan:
            change_log(
                document=shipment,
                field="line",
                to_value=f"{qty(quantity)} of {line.number}",
                acting_user=acting_user,
                demand_line_id=line.pk,
                reason="planned for shipping",
            )
    return shipments


def shipment_locked(shipment: Shipment) -> Shipment:
    return (
        Shipment.objects.select_for_update(of=("self",))
        .select_related("organization")
        .get(pk=shipment.pk)
    )


def shipments_locked(shipments) -> list[Shipment]:
    """Lock shipments in id order (the first locks of a shipping use case)."""
    return list(
        Shipment.objects.select_for_update(of=("self",))
        .select_related("organization")
        .filter(pk__in=[shipment.pk for shipment in shipments])
        .order_by("pk")
    )


def shipment_move(*, shipment: Shipment, action: str, acting_user=None) -> Shipment:
    """Pick or pack (a state machine move, logged)."""
    with use_case():
        shipment = shipment_locked(shipment)
        transition(shipment, action, acting_user=acting_user)
    return shipment


def shipment_cancel(*, shipment: Shipment, acting_user=None, reason: str = "") -> Shipment:
    """Cancel before shipping: the lines are free to ship again (still AWAITING_SHIPPING)."""
    with use_case():
        shipment = shipment_locked(shipment)
        transition(shipment, "cancel", acting_user=acting_user, reason=reason)
        for shipment_line in shipment.lines.filter(active=True):
            change_log(
                document=shipment,
                field="line",
                from_value="planned",
                to_value="released",
                acting_user=acting_user,
                demand_line_id=shipment_line.demand_line_id,
                reason=f"{shipment.number} cancelled",
            )
        shipment.lines.update(active=False)
    return shipment
