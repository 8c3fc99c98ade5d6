"""Reservations of demand lines: on hand, against supply documents (requisition, PO line,
work order, transfer) and stock holds for documents (`stock_hold`). Reserving on-hand stock
moves the balance's `reserved` with one guarded update, so nothing is ever oversold."""

from decimal import Decimal

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from core.documents import document_reference
from core.exceptions import BusinessRuleError
from core.formatting import qty
from core.queries import insert_rows
from warehouse.models import InventoryBalance, Reservation
from warehouse.services.inventory import _balance_move

Source = Reservation.Source


def _reserve_available(item_id: int, organization_id: int, quantity: Decimal) -> bool:
    """Count `quantity` more as reserved where it is available (`on_hand >= reserved +
    quantity`, a CheckConstraint backs it): the one guarded update behind every reservation and
    hold of on-hand stock. False when someone else took the stock first (nothing written)."""
    return _balance_move(
        item_id,
        organization_id,
        Q(on_hand__gte=F("reserved") + quantity),
        empty_passes=False,
        reserved=F("reserved") + quantity,
    )


def reservation_reserve_on_hand(
    *, line, organization, quantity: Decimal, active: list[Reservation] | None = None
) -> None:
    """Reserve on-hand stock for a demand line; never oversells.

    The balance moves only where `on_hand >= reserved + quantity` (and a CheckConstraint backs
    it): a row count of zero means someone else took the stock first. The line's active
    on-hand reservation grows, or is created (the caller holds the line's row lock). A caller
    that has read the line's `active` reservations passes them: the on-hand one is then found
    there (and the list kept up to date) instead of being looked for in the database.
    """
    quantity = Decimal(quantity)
    with transaction.atomic(savepoint=False):
        if _reserve_available(line.item_id, organization.pk, quantity):
            _on_hand_reservation_add(line, organization, quantity, active)
            return
    balance = InventoryBalance.objects.filter(
        item_id=line.item_id, organization=organization
    ).first() or InventoryBalance(item_id=line.item_id, organization=organization)
    raise BusinessRuleError(
        f"Only {qty(balance.available)} of {line.item.sku} available at "
        f"{organization.code}; {qty(quantity)} cannot be reserved.",
        field="quantity",
    )


def _on_hand_reservation_add(line, organization, quantity, active) -> None:
    if active is None:
        current = Reservation.objects.filter(
            demand_line=line,
            supply_source=Source.ON_HAND,
            document_type="",
            document_id=0,
            status=Reservation.Status.ACTIVE,
        )
        if current.update(quantity=F("quantity") + quantity):
            return
    else:
        on_hand = [
            r
            for r in active
            if r.supply_source == Source.ON_HAND
            and not r.document_type
            and r.status == Reservation.Status.ACTIVE
        ]
        if on_hand:
            Reservation.objects.filter(pk=on_hand[0].pk).update(quantity=F("quantity") + quantity)
            on_hand[0].quantity += quantity
            return
    reservation = Reservation.objects.create(
        demand_line=line,
        item_id=line.item_id,
        organization=organization,
        quantity=quantity,
        supply_source=Source.ON_HAND,
    )
    if active is not None:
        active.append(reservation)


def stock_hold(*, line, item, organization, quantity: Decimal, source: str, document):
    """Hold on-hand stock at `organization` for a supply document of a demand line (the
    components of a work order, the goods a transfer takes from its source): available goes
    down at once, with the same guarded update as an on-hand reservation, so nobody else can
    take it. Returns the reservation, or None when not enough is available (nothing written).
    """
    quantity = Decimal(quantity)
    if not _reserve_available(item.pk, organization.pk, quantity):
        return None
    reservation = _document_reservation(line, item.pk, organization, quantity, source, document)
    reservation.save(force_insert=True)
    return reservation


def stock_holds(*, source: str, document_type: str, document_ids) -> list[Reservation]:
    """The active holds of documents (by their ids), in id order."""
    return list(
        Reservation.objects.filter(
            supply_source=source,
            document_type=document_type,
            document_id__in=list(document_ids),
            status=Reservation.Status.ACTIVE,
        ).order_by("id")
    )


def reservations_on_hand_create(rows) -> list[Reservation]:
    """New on-hand reservations of demand lines, (line, organization, quantity) each, in one
    INSERT. The caller counted them in the balance rows it locked (balances_lock) and writes
    those with balances_save_reserved."""
    return insert_rows(
        Reservation(
            demand_line=line,
            item_id=line.item_id,
            organization=organization,
            quantity=quantity,
            supply_source=Source.ON_HAND,
        )
        for line, organization, quantity in rows
    )


def reservation_create_for_document(
    *, line, organization, quantity: Decimal, source: str, document
) -> Reservation:
    """Reserve a demand line against a supply document line (requisition, PO, WO, transfer)."""
    return reservations_create_for_documents([(line, organization, quantity, source, document)])[0]


def reservations_create_for_documents(specs) -> list[Reservation]:
    """Many reservations against supply documents in one INSERT: (line, organization,
    quantity, source, document) each."""
    return insert_rows(
        _document_reservation(line, line.item_id, organization, quantity, source, document)
        for line, organization, quantity, source, document in specs
    )


def _document_reservation(line, item_id, organization, quantity, source, document):
    """An unsaved reservation of a demand line against a supply document."""
    return Reservation(
        demand_line=line,
        item_id=item_id,
        organization=organization,
        quantity=quantity,
        supply_source=source,
        **document_reference(document),
    )


def reservation_release(*, reservation: Reservation) -> Reservation:
    """Release an active reservation; on-hand stock becomes available again."""
    with transaction.atomic():
        released = Reservation.objects.filter(
            pk=reservation.pk, status=Reservation.Status.ACTIVE
        ).update(status=Reservation.Status.RELEASED, closed_at=timezone.now())
        if released and reservation.supply_source in Reservation.HOLDS_STOCK:
            InventoryBalance.objects.filter(
                item_id=reservation.item_id, organization_id=reservation.organization_id
            ).update(reserved=F("reserved") - reservation.quantity)
        reservation.refresh_from_db()
        return reservation


def reservation_move(*, reservation: Reservation, source: str, document) -> Reservation:
    """Move an active reservation to another supply document (requisition → PO line, or back):
    the old row is kept as MOVED for the history and a new active row takes over."""
    with transaction.atomic():
        return reservations_move([(reservation, source, document)])[0]


def reservations_move(moves) -> list[Reservation]:
    """`reservation_move` of many reservations, `(reservation, source, document)` each: one
    UPDATE closes the old rows, one INSERT writes the new ones. Refuses when one of them is no
    longer active (the caller's transaction then rolls back). The caller holds the demand
    lines' locks."""
    moves = list(moves)
    if not moves:
        return []
    ids = [reservation.pk for reservation, _, _ in moves]
    closed_at = timezone.now()
    moved = Reservation.objects.filter(pk__in=ids, status=Reservation.Status.ACTIVE).update(
        status=Reservation.Status.MOVED, closed_at=closed_at
    )
    if moved != len(set(ids)):
        raise BusinessRuleError(
            f"{len(set(ids)) - moved} of the reservations to move are no longer active."
        )
    return insert_rows(
        Reservation(
            demand_line_id=reservation.demand_line_id,
            item_id=reservation.item_id,
            organization_id=reservation.organization_id,
            quantity=reservation.quantity,
            supply_source=source,
            **document_reference(document),
        )
        for reservation, source, document in moves
    )


def reservation_reduce(*, reservation: Reservation, quantity: Decimal, status: str) -> None:
    """Take `quantity` off an active reservation (all of it closes the row with `status`).

    On-hand reservations give the quantity back to the balance's `reserved`, so consuming
    (shipping) or moving them never leaves reserved stock behind. The caller holds the demand
    line's lock; `reservation` is updated in memory to match.
    """
    quantity = Decimal(quantity)
    if quantity >= reservation.quantity:
        closed_at = timezone.now()
        Reservation.objects.filter(pk=reservation.pk).update(status=status, closed_at=closed_at)
        quantity = reservation.quantity
        reservation.status, reservation.closed_at = status, closed_at
    else:
        Reservation.objects.filter(pk=reservation.pk).update(quantity=F("quantity") - quantity)
        reservation.quantity -= quantity
    if reservation.supply_source in Reservation.HOLDS_STOCK:
        InventoryBalance.objects.filter(
            item_id=reservation.item_id, organization_id=reservation.organization_id
        ).update(reserved=F("reserved") - quantity)


def reservations_active(*, line, source: str | None = None) -> list[Reservation]:
    rows = Reservation.objects.filter(demand_line=line, status=Reservation.Status.ACTIVE)
    if source:
        rows = rows.filter(supply_source=source)
    return list(rows.order_by("id"))


def reservations_active_by_line(line_ids, source: str | None = None) -> dict[int, list]:
    """The active reservations of several lines in one query, by line id (id order)."""
    rows = Reservation.objects.filter(demand_line_id__in=line_ids, status=Reservation.Status.ACTIVE)
    if source:
        rows = rows.filter(supply_source=source)
    by_line = {line_id: [] for line_id in line_ids}
    for reservation in rows.order_by("id"):
        by_line[reservation.demand_line_id].append(reservation)
    return by_line


def reserved_on_hand(reservations) -> Decimal:
    """What a demand line has reserved on hand, from its reservations as read (the active
    ON_HAND ones count; rows moved or consumed since, in memory, do not)."""
    return sum(
        (
            r.quantity
            for r in reservations
            if r.supply_source == Source.ON_HAND and r.status == Reservation.Status.ACTIVE
        ),
        Decimal(0),
    )


def reservation_hand_over(*, from_line, to_line, quantity: Decimal) -> None:
    """Move `quantity` of on-hand reservation from one line to another (a split that ships):
    the balance's reserved total does not change."""
    remaining = Decimal(quantity)
    for reservation in reservations_active(line=from_line, source=Source.ON_HAND):
        if remaining <= 0:
            break
        part = min(remaining, reservation.quantity)
        if part == reservation.quantity:
            Reservation.objects.filter(pk=reservation.pk).update(
                status=Reservation.Status.MOVED, closed_at=timezone.now()
            )
        else:
            Reservation.objects.filter(pk=reservation.pk).update(quantity=F("quantity") - part)
        Reservation.objects.create(
            demand_line=to_line,
            item_id=reservation.item_id,
            organization_id=reservation.organization_id,
            quantity=part,
            supply_source=Source.ON_HAND,
        )
        remaining -= part
    if remaining > 0:
        raise BusinessRuleError(
            f"Line {from_line.number} has only {qty(quantity - remaining)} reserved on hand.",
            field="quantity",
        )


def reservation_set_quantity(*, reservation: Reservation, quantity: Decimal) -> None:
    """Resize an active reservation (its document's quantity changed). A stock hold grows only
    where that much is available (refused with the figures otherwise) and gives back what it
    no longer holds; a reservation against a document moves no stock."""
    difference = Decimal(quantity) - reservation.quantity
    if difference == 0:
        return
    if reservation.supply_source in Reservation.HOLDS_STOCK:
        if difference < 0:
            reservation_reduce(
                reservation=reservation, quantity=-difference, status=Reservation.Status.RELEASED
            )
            return
        if not _reserve_available(reservation.item_id, reservation.organization_id, difference):
            balance = InventoryBalance.objects.filter(
                item_id=reservation.item_id, organization_id=reservation.organization_id
            ).first()
            available = balance.available if balance else Decimal(0)
            raise BusinessRuleError(
                f"Only {qty(available)} more available at {reservation.organization.code}: "
                f"{qty(difference)} more cannot be held.",
                field="quantity",
            )
    Reservation.objects.filter(pk=reservation.pk).update(quantity=F("quantity") + difference)
    reservation.quantity += difference
