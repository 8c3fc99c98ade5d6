"""Work-order use cases at the plant: create from the bill of materials, release (components
held), issue materials, record completions, cancel. The demand side — what a completion does
for the sales order line — is the supply flow's job (supply.flows.make)."""

from decimal import Decimal

from catalog.models import BillOfMaterials
from core.documents import document_type_of
from core.exceptions import BusinessRuleError, Conflict, FieldErrors, InvalidTransition
from core.formatting import qty, quantity_problem
from core.models import DocumentType
from core.services import change_log, document_number_next, field_change, transition, use_case
from manufacturing.models import WorkOrder, WorkOrderComponent
from warehouse.models import InventoryTransaction, Reservation
from warehouse.services import (
    balances_lock,
    ledger_post,
    reservation_reduce,
    reservation_release,
    stock_hold,
    stock_holds,
)

Status = WorkOrder.Status
Kind = InventoryTransaction.Kind
COMPONENT_DOCUMENT = document_type_of(WorkOrderComponent)


def work_order_locked(work_order: WorkOrder) -> WorkOrder:
    return (
        WorkOrder.objects.select_for_update(of=("self",))
        .select_related("item", "organization", "demand_line")
        .get(pk=work_order.pk)
    )


def _components(work_order: WorkOrder) -> list[WorkOrderComponent]:
    """The components of a work order in item order: the order balance rows are locked in
    (balances_lock), so two work orders moving the same components' stock queue, never
    deadlock."""
    components = list(work_order.components.select_related("item").order_by("item_id", "id"))
    for component in components:
        component.work_order = work_order
    return components


def work_order_create(*, line, plant, quantity: Decimal, due_date, acting_user=None) -> WorkOrder:
    """A work order at `plant` for a demand line, its requirements from the plant's bill of
    materials (quantity per unit × quantity). Refused when the plant has no bill for the item."""
    bom = (
        BillOfMaterials.objects.filter(item_id=line.item_id, organization=plant)
        .prefetch_related("components")
        .first()
    )
    if bom is None:
        raise BusinessRuleError(f"{plant.code} has no bill of materials for {line.item.sku}.")
    work_order = WorkOrder.objects.create(
        number=document_number_next(DocumentType.WORK_ORDER),
        organization=plant,
        item_id=line.item_id,
        quantity=quantity,
        due_date=due_date,
        demand_line=line,
    )
    WorkOrderComponent.objects.bulk_create(
        WorkOrderComponent(
            work_order=work_order,
            item_id=component.item_id,
            quantity_per_unit=component.quantity,
            quantity_required=component.quantity * quantity,
        )
        for component in bom.components.all()
    )
    change_log(
        document=work_order,
        to_value=work_order.status,
        acting_user=acting_user,
        demand_line_id=line.pk,
        reason=f"{qty(quantity)} {line.item.sku} at {plant.code} for {line.number}",
    )
    return work_order


def work_order_release(*, work_order: WorkOrder, acting_user=None) -> WorkOrder:
    """Release an UNRELEASED work order: every component is held at the plant (nobody else
    can take it). A shortage refuses the release, naming each short component with what is
    needed and what is available; nothing is held then."""
    with use_case():
        work_order = work_order_locked(work_order)
        if work_order.status != Status.UNRELEASED:
            raise InvalidTransition(
                f"Cannot release {work_order.number}: it is {work_order.status}."
            )
        components = _components(work_order)
        plant = work_order.organization
        balances = balances_lock((c.item_id, plant.pk) for c in components)
        short = []
        for component in components:
            balance = balances[component.item_id, plant.pk]
            if balance.available < component.quantity_required:
                short.append(
                    f"{component.item.sku} needs {qty(component.quantity_required)}, "
                    f"{qty(max(balance.available, Decimal(0)))} available"
                )
        if short:
            raise BusinessRuleError(
                f"Cannot release {work_order.number}: components short at {plant.code} — "
                + "; ".join(short)
                + ". Receive or adjust the components, then release again."
            )
        for component in components:
            stock_hold(
                line=work_order.demand_line,
                item=component.item,
                organization=plant,
                quantity=component.quantity_required,
                source=Reservation.Source.COMPONENT,
                document=component,
            )
        transition(
            work_order,
            "release",
            acting_user=acting_user,
            demand_line_id=work_order.demand_line_id,
            reason=f"{len(components)} components held at {plant.code}",
        )
        return work_order


def _component_quantities(components, quantities: dict, *, limit, what: str) -> dict:
    """Per component the quantity asked for (by item SKU), each checked against `limit`
    (component → most allowed); every problem is a field error `components.<SKU>`."""
    by_sku = {c.item.sku: c for c in components}
    errors, chosen = [], {}
    for sku, quantity in quantities.items():
        field = f"components.{sku}"
        component = by_sku.get(sku)
        if component is None:
            errors.append((field, f"{sku} is not a component of this work order."))
            continue
        problem = quantity_problem(quantity)
        if problem:
            errors.append((field, problem))
            continue
        most = limit(component)
        if quantity > most:
            errors.append((field, f"{sku}: {qty(quantity)} is more than the {qty(most)} {what}."))
            continue
        chosen[component.pk] = Decimal(quantity)
    if errors:
        raise FieldErrors(errors)
    if not chosen:
        raise BusinessRuleError("Enter a quantity for at least one component.", field="components")
    return chosen


def work_order_issue_materials(
    *, work_order: WorkOrder, quantities: dict | None = None, acting_user=None
) -> WorkOrder:
    """Issue components to production (ledger WIP_ISSUE): everything still to issue, or — a
    partial issue — per component SKU the quantity in `quantities`; the rest stays held for
    a later issue. From RELEASED (the work order is then IN_PROGRESS) or IN_PROGRESS. Never
    more than a component still needs (its requirement plus replacements of scrap); what is not
    held for it (a replacement) must be free at the plant, else the issue is refused naming it."""
    with use_case():
        work_order = work_order_locked(work_order)
        if work_order.status not in (Status.RELEASED, Status.IN_PROGRESS):
            raise InvalidTransition(
                f"Cannot issue materials to {work_order.number}: it is {work_order.status} "
                "(release it first)."
                if work_order.status == Status.UNRELEASED
                else f"Cannot issue materials to {work_order.number}: it is {work_order.status}."
            )
        components = _components(work_order)
        if quantities is None:
            chosen = {c.pk: c.quantity_to_issue for c in components if c.quantity_to_issue > 0}
            if not chosen:
                raise Conflict(f"Every component of {work_order.number} is issued already.")
        else:
            chosen = _component_quantities(
                components,
                quantities,
                limit=lambda c: c.quantity_to_issue,
                what="still to issue",
            )
        plant = work_order.organization
        balances = balances_lock((c.item_id, plant.pk) for c in components if c.pk in chosen)
        holds = {
            hold.document_id: hold
            for hold in stock_holds(
                source=Reservation.Source.COMPONENT,
                document_type=COMPONENT_DOCUMENT,
                document_ids=list(chosen),
            )
        }
        short = []
        for component in components:
            quantity = chosen.get(component.pk)
            if quantity is None:
                continue
            hold = holds.get(component.pk)
            from_hold = min(quantity, hold.quantity) if hold is not None else Decimal(0)
            beyond = quantity - from_hold
            if beyond > 0 and balances[component.item_id, plant.pk].available < beyond:
                short.append(
                    f"{component.item.sku} needs {qty(beyond)} more than is held, "
                    f"{qty(max(balances[component.item_id, plant.pk].available, 0))} available"
                )
        if short:
            raise BusinessRuleError(
                f"Cannot issue to {work_order.number} at {plant.code}: "
                + "; ".join(short)
                + ". Receive or adjust the components, then issue again."
            )
        for component in components:
            quantity = chosen.get(component.pk)
            if quantity is None:
                continue
            hold = holds.get(component.pk)
            if hold is not None:
                reservation_reduce(
                    reservation=hold,
                    quantity=min(quantity, hold.quantity),
                    status=Reservation.Status.CONSUMED,
                )
            ledger_post(
                item=component.item,
                organization=plant,
                kind=Kind.WIP_ISSUE,
                quantity=-quantity,
                document=work_order,
                demand_line_id=work_order.demand_line_id,
                acting_user=acting_user,
            )
            before = component.quantity_issued
            component.quantity_issued = before + quantity
            change_log(
                document=component,
                field="quantity_issued",
                from_value=before,
                to_value=component.quantity_issued,
                acting_user=acting_user,
                demand_line_id=work_order.demand_line_id,
                reason=f"{component.item.sku} issued to {work_order.number}",
            )
        WorkOrderComponent.objects.bulk_update(
            [c for c in components if c.pk in chosen], ["quantity_issued"]
        )
        if work_order.status == Status.RELEASED:
            everything = all(c.quantity_to_issue == 0 for c in components)
            transition(
                work_order,
                "issue",
                acting_user=acting_user,
                demand_line_id=work_order.demand_line_id,
                reason="materials issued" if everything else "materials partly issued",
            )
        return work_order


def work_order_scrap_components(
    *, work_order: WorkOrder, quantities: dict, reason: str, acting_user=None
) -> WorkOrder:
    """Record issued components of an IN_PROGRESS work order lost in production (per
    component SKU, never more than is in production): written off — they do not go back to
    stock on a cancellation — and issued again to replace them (from free stock)."""
    if not reason or not reason.strip():
        raise BusinessRuleError("Say why the material was scrapped.", field="reason")
    with use_case():
        work_order = work_order_locked(work_order)
        if work_order.status != Status.IN_PROGRESS:
            raise InvalidTransition(
                f"Cannot scrap material of {work_order.number}: it is {work_order.status} "
                "(only issued material can be scrapped)."
            )
        components = _components(work_order)
        chosen = _component_quantities(
            components,
            quantities,
            limit=lambda c: c.quantity_in_production,
            what="issued and in production",
        )
        for component in components:
            if component.pk in chosen:
                field_change(
                    component,
                    "quantity_scrapped",
                    component.quantity_scrapped + chosen[component.pk],
                    acting_user=acting_user,
                    demand_line_id=work_order.demand_line_id,
                    reason=f"{component.item.sku} scrapped: {reason.strip()}",
                )
        return work_order


def _backflush_held(work_order: WorkOrder, acting_user) -> None:
    """The work order is complete: what is still held for its components was used to make it
    (backflush) — issued to production (ledger WIP_ISSUE, recorded per component as issued),
    never more than the component still needs; a hold beyond that is released. Nothing stays
    held for a finished work order."""
    components = _components(work_order)
    holds = list(
        stock_holds(
            source=Reservation.Source.COMPONENT,
            document_type=COMPONENT_DOCUMENT,
            document_ids=[c.pk for c in components],
        )
    )
    if not holds:
        return
    balances_lock((c.item_id, work_order.organization_id) for c in components)
    by_pk = {c.pk: c for c in components}
    for hold in holds:
        component = by_pk[hold.document_id]
        quantity = min(hold.quantity, component.quantity_to_issue)
        if quantity <= 0:
            reservation_release(reservation=hold)
            continue
        leftover = hold.quantity - quantity
        reservation_reduce(reservation=hold, quantity=quantity, status=Reservation.Status.CONSUMED)
        if leftover > 0:
            reservation_release(reservation=hold)
        ledger_post(
            item=component.item,
            organization=work_order.organization,
            kind=Kind.WIP_ISSUE,
            quantity=-quantity,
            reason=f"backflushed on completion of {work_order.number}",
            document=work_order,
            demand_line_id=work_order.demand_line_id,
            acting_user=acting_user,
        )
        field_change(
            component,
            "quantity_issued",
            component.quantity_issued + quantity,
            acting_user=acting_user,
            demand_line_id=work_order.demand_line_id,
            reason=f"{component.item.sku} backflushed on completion of {work_order.number}",
        )


def work_order_record_completion(
    *, work_order: WorkOrder, quantity: Decimal, acting_user=None
) -> WorkOrder:
    """Finished goods of an IN_PROGRESS work order on hand at the plant (ledger
    WIP_COMPLETION); never more than it still has to make. The caller (the supply flow) holds
    the demand line's lock and moves the reservation. `work_order` must be locked."""
    problem = quantity_problem(quantity)
    if problem:
        raise BusinessRuleError(problem, field="quantity")
    if work_order.status != Status.IN_PROGRESS:
        raise InvalidTransition(
            f"Cannot report completion on {work_order.number}: it is {work_order.status}"
            + (" (issue its materials first)." if work_order.status == Status.RELEASED else ".")
        )
    if quantity > work_order.quantity_open:
        raise BusinessRuleError(
            f"{work_order.number} has {qty(work_order.quantity_open)} of "
            f"{qty(work_order.quantity)} left to make: {qty(quantity)} is too many.",
            field="quantity",
        )
    ledger_post(
        item=work_order.item,
        organization=work_order.organization,
        kind=Kind.WIP_COMPLETION,
        quantity=quantity,
        document=work_order,
        demand_line_id=work_order.demand_line_id,
        acting_user=acting_user,
    )
    before = work_order.quantity_completed
    work_order.quantity_completed = before + quantity
    change_log(
        document=work_order,
        field="quantity_completed",
        from_value=before,
        to_value=work_order.quantity_completed,
        acting_user=acting_user,
        demand_line_id=work_order.demand_line_id,
    )
    if work_order.quantity_open == 0:
        _backflush_held(work_order, acting_user)
        transition(
            work_order,
            "complete",
            acting_user=acting_user,
            demand_line_id=work_order.demand_line_id,
        )
    else:
        work_order.save(update_fields=["quantity_completed"])
    return work_order


def work_order_cancel_document(
    *, work_order: WorkOrder, reason: str, acting_user=None, from_demand: bool = False
):
    """Cancel a work order before anything was completed: held components are released and
    what was issued and is still in production goes back to stock (ledger WIP_ISSUE,
    positive; recorded per component as returned); scrapped material stays written off.
    `work_order` must be locked; it comes back with `returned`: (SKU, quantity) pairs.
    `from_demand`: cancelled because its sales order line no longer needs it (not by the
    operator) — recorded as the line needing none of it, which tells production."""
    if work_order.status not in WorkOrder.OPEN_STATES or work_order.quantity_completed:
        raise InvalidTransition(
            f"Cannot cancel {work_order.number}: it is {work_order.status}"
            + (
                f" with {qty(work_order.quantity_completed)} completed."
                if work_order.quantity_completed
                else "."
            )
        )
    components = _components(work_order)
    for hold in stock_holds(
        source=Reservation.Source.COMPONENT,
        document_type=COMPONENT_DOCUMENT,
        document_ids=[c.pk for c in components],
    ):
        reservation_release(reservation=hold)
    work_order.returned = []
    for component in components:
        back = component.quantity_in_production
        if back > 0:
            ledger_post(
                item=component.item,
                organization=work_order.organization,
                kind=Kind.WIP_ISSUE,
                quantity=back,
                reason=f"returned from cancelled {work_order.number}",
                document=work_order,
                demand_line_id=work_order.demand_line_id,
                acting_user=acting_user,
            )
            field_change(
                component,
                "quantity_returned",
                component.quantity_returned + back,
                acting_user=acting_user,
                demand_line_id=work_order.demand_line_id,
                reason=f"{component.item.sku} back to stock at {work_order.organization.code}: "
                f"{work_order.number} cancelled",
            )
            work_order.returned.append((component.item.sku, back))
    work_order.cancel_reason = reason.strip()[:200]
    released = work_order.status != Status.UNRELEASED
    transition(
        work_order,
        "cancel",
        acting_user=acting_user,
        demand_line_id=work_order.demand_line_id,
        reason=reason,
    )
    if from_demand and released:
        field_change(
            work_order,
            "quantity_for_demand",
            Decimal(0),
            acting_user=acting_user,
            demand_line_id=work_order.demand_line_id,
            reason=reason,
        )
    return work_order


def work_order_demand_cut(
    *, work_order: WorkOrder, quantity: Decimal, reason: str = "", acting_user=None
) -> WorkOrder:
    """The demand line of a released (or started) work order needs less of it: the work
    order's quantity no longer changes (its components are held or issued), so it goes on and
    what it makes beyond the line's need becomes free stock. Recorded on the (locked) work
    order — `quantity_for_demand`, the page says so and production is notified — with the cut
    `quantity` being the work order's quantity less what the line no longer needs."""
    cut = work_order.quantity - quantity
    if cut <= 0:
        return work_order
    needed_before = (
        work_order.quantity
        if work_order.quantity_for_demand is None
        else work_order.quantity_for_demand
    )
    needed = max(needed_before - cut, Decimal(0))
    field_change(
        work_order,
        "quantity_for_demand",
        needed,
        acting_user=acting_user,
        demand_line_id=work_order.demand_line_id,
        reason=(f"{reason}: " if reason else "")
        + f"the sales order line now needs {qty(needed)} of {qty(work_order.quantity)}; "
        f"the other {qty(work_order.quantity - needed)} go to free stock when made",
    )
    return work_order


def work_order_demand_regrow(
    *, work_order: WorkOrder, quantity: Decimal, room: Decimal, reason: str = "", acting_user=None
) -> bool:
    """The demand line of a cut released work order needs `quantity` more again: up to `room`
    (what it still makes beyond the line's need and is not promised to it) goes back to the
    line — `quantity_for_demand` rises (None once the line needs all of it again). Returns
    whether all of `quantity` fits; nothing changes when it does not (the line gets another
    source for it). `work_order` must be locked."""
    if work_order.quantity_for_demand is None or quantity <= 0:
        return False
    room = min(room, work_order.quantity - work_order.quantity_for_demand)
    if quantity > room:
        return False
    needed = work_order.quantity_for_demand + quantity
    why = f"{reason}: " if reason else ""
    if needed < work_order.quantity:
        field_change(
            work_order,
            "quantity_for_demand",
            needed,
            acting_user=acting_user,
            demand_line_id=work_order.demand_line_id,
            reason=why
            + f"the sales order line needs {qty(needed)} of {qty(work_order.quantity)} again",
        )
        return True
    before = work_order.quantity_for_demand
    work_order.quantity_for_demand = None
    work_order.save(update_fields=["quantity_for_demand"])
    change_log(  # field_change writes nothing for None
        document=work_order,
        field="quantity_for_demand",
        from_value=before,
        to_value=None,
        acting_user=acting_user,
        demand_line_id=work_order.demand_line_id,
        reason=why + f"the sales order line needs all {qty(work_order.quantity)} again",
    )
    return True


def work_order_change(
    *, work_order: WorkOrder, quantity: Decimal | None = None, due_date=None, acting_user=None
) -> WorkOrder:
    """Change a locked work order in place: the quantity while it is UNRELEASED (its material
    requirements follow), the due date while it is open. Anything else is refused (409)."""
    if quantity is not None and quantity != work_order.quantity:
        if work_order.status != Status.UNRELEASED:
            raise Conflict(
                f"{work_order.number} is {work_order.status}: its quantity no longer changes "
                "in place."
            )
        components = _components(work_order)
        for component in components:
            component.quantity_required = component.quantity_per_unit * quantity
        WorkOrderComponent.objects.bulk_update(components, ["quantity_required"])
    due_date_changes = due_date is not None and due_date != work_order.due_date
    if due_date_changes and work_order.status not in WorkOrder.OPEN_STATES:
        raise Conflict(f"{work_order.number} is {work_order.status}: its due date is final.")
    for field, value in (("quantity", quantity), ("due_date", due_date)):
        field_change(
            work_order,
            field,
            value,
            acting_user=acting_user,
            demand_line_id=work_order.demand_line_id,
        )
    return work_order
