"""Inventory use cases. Every stock movement goes through `ledger_post`, the only writer of
balances, so a balance always equals the sum of its ledger rows."""

from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from catalog.models import Item, Organization
from core.documents import document_reference
from core.exceptions import BusinessRuleError
from core.formatting import qty, quantity_problem
from core.models import DocumentType
from core.queries import bulk_update_rows, insert_rows
from core.services import document_number_next, user_or_none
from warehouse.models import (
    InventoryBalance,
    InventoryTransaction,
    Receipt,
    ReceiptLine,
    Reservation,
)
from warehouse.signals import stock_increased

Kind = InventoryTransaction.Kind


@dataclass(frozen=True)
class ReceiveLine:
    """One line of a receipt: the PO or transfer line number and the quantity received."""

    line_number: int
    quantity: Decimal


Bucket = InventoryTransaction.Bucket


# The largest quantity a balance stores (catalog.models.QUANTITY: 15 digits, 3 decimals).
LARGEST = Decimal("999999999999.999")


def _balance_row(item: Item, organization: Organization):
    """The balance row's queryset, creating the row on first use (safe under concurrency)."""
    rows = InventoryBalance.objects.filter(item=item, organization=organization)
    if not rows.exists():
        InventoryBalance.objects.bulk_create(
            [InventoryBalance(item=item, organization=organization)], ignore_conflicts=True
        )
    return rows


def _balance_move(
    item_id: int, organization_id: int, guard: Q, *, empty_passes: bool, **changes
) -> bool:
    """Apply `changes` to a balance row where `guard` holds; False when it does not.

    One guarded UPDATE on the common path. A missing row is created (empty) only when an empty
    row passes the guard (`empty_passes`, stock coming in), so a refusal writes nothing.
    """
    rows = InventoryBalance.objects.filter(item_id=item_id, organization_id=organization_id)
    if rows.filter(guard).update(**changes):
        return True
    if not empty_passes or rows.exists():
        return False
    InventoryBalance.objects.bulk_create(
        [InventoryBalance(item_id=item_id, organization_id=organization_id)],
        ignore_conflicts=True,
    )
    return bool(rows.filter(guard).update(**changes))


def ledger_post(
    *,
    item: Item,
    organization: Organization,
    kind: str,
    quantity: Decimal,
    bucket: str = Bucket.ON_HAND,
    reason: str = "",
    document=None,
    demand_line_id: int | None = None,
    acting_user=None,
) -> InventoryTransaction:
    """Add a ledger row and move the balance by the same quantity, in one transaction.

    Taking stock out never eats into reserved stock: the balance is updated only where what
    would remain still covers the on-hand reservations (and stays below the largest quantity
    stored), and the row count tells whether it was. A refused post has written nothing, so it
    is refused after the writing block and leaves the caller's transaction usable.
    """
    quantity = Decimal(quantity)
    if quantity == 0:
        raise BusinessRuleError("The quantity must not be zero.", field="quantity")
    if bucket == Bucket.ON_HAND:
        guard = Q(on_hand__gte=F("reserved") - quantity, on_hand__lte=LARGEST - quantity)
        change = {"on_hand": F("on_hand") + quantity}
    else:
        guard = Q(in_transit__gte=-quantity, in_transit__lte=LARGEST - quantity)
        change = {"in_transit": F("in_transit") + quantity}
    with transaction.atomic(savepoint=False):
        moved = _balance_move(item.pk, organization.pk, guard, empty_passes=quantity > 0, **change)
        if moved:
            if quantity > 0 and bucket == Bucket.ON_HAND:
                # Backordered lines may now be promised (supply listens; work starts after
                # commit).
                stock_increased.send(
                    sender=InventoryTransaction, item_id=item.pk, organization_id=organization.pk
                )
            return InventoryTransaction.objects.create(
                item=item,
                organization=organization,
                kind=kind,
                bucket=bucket,
                quantity=quantity,
                reason=reason,
                **(document_reference(document) if document is not None else {}),
                demand_line_id=demand_line_id,
                created_by=user_or_none(acting_user),
            )
    _ledger_refuse(item, organization, bucket, quantity)


class StockBatch:
    """Stock movements and on-hand reservations of many lines at once (a receipt of many PO
    lines, a wave of shipments), against balance rows locked up front in key order: each move
    is checked in memory with the same guards as `ledger_post` and
    `reservation_reserve_on_hand` (a refusal raises before anything is written), and `write()`
    writes them in one statement per table — balances, ledger rows, reservations changed,
    reservations created."""

    def __init__(self, pairs):
        self.balances = balances_lock(pairs)
        self._touched: dict[tuple[int, int], InventoryBalance] = {}
        self._ledger: list[InventoryTransaction] = []
        self._changed: dict[int, Reservation] = {}
        self._new: list[Reservation] = []
        self._increased: set[tuple[int, int]] = set()

    def _balance(self, item_id: int, organization_id: int) -> InventoryBalance:
        balance = self.balances[(item_id, organization_id)]  # locked by the constructor
        self._touched[(item_id, organization_id)] = balance
        return balance

    def post(
        self,
        *,
        item: Item,
        organization: Organization,
        kind: str,
        quantity: Decimal,
        document,
        demand_line_id: int | None,
        acting_user=None,
    ) -> None:
        """`ledger_post` of on-hand stock, in memory."""
        balance = self._balance(item.pk, organization.pk)
        on_hand = balance.on_hand + quantity
        if quantity == 0 or on_hand < balance.reserved or on_hand > LARGEST:
            _ledger_refuse(item, organization, Bucket.ON_HAND, quantity)
        balance.on_hand = on_hand
        if quantity > 0:
            self._increased.add((item.pk, organization.pk))
        self._ledger.append(
            InventoryTransaction(
                item=item,
                organization=organization,
                kind=kind,
                bucket=Bucket.ON_HAND,
                quantity=quantity,
                **document_reference(document),
                demand_line_id=demand_line_id,
                created_by=user_or_none(acting_user),
            )
        )

    def reduce(self, reservation: Reservation, quantity: Decimal, status: str) -> None:
        """`reservation_reduce`, in memory."""
        if quantity >= reservation.quantity:
            quantity = reservation.quantity
            reservation.status, reservation.closed_at = status, timezone.now()
        else:
            reservation.quantity -= quantity
        if reservation.pk is not None:
            self._changed[reservation.pk] = reservation
        if reservation.supply_source in Reservation.HOLDS_STOCK:
            self._balance(reservation.item_id, reservation.organization_id).reserved -= quantity

    def reserve_on_hand(self, *, line, organization, quantity: Decimal, active: list) -> None:
        """`reservation_reserve_on_hand`, in memory; `active` are the line's active
        reservations (kept up to date)."""
        balance = self._balance(line.item_id, organization.pk)
        if balance.on_hand < balance.reserved + quantity:
            raise BusinessRuleError(
                f"Only {qty(balance.available)} of {line.item.sku} available at "
                f"{organization.code}; {qty(quantity)} cannot be reserved.",
                field="quantity",
            )
        balance.reserved += quantity
        for reservation in active:
            if (
                reservation.supply_source == Source.ON_HAND
                and not reservation.document_type
                and reservation.status == Reservation.Status.ACTIVE
            ):
                reservation.quantity += quantity
                if reservation.pk is not None:
                    self._changed[reservation.pk] = reservation
                return
        reservation = Reservation(
            demand_line=line,
            item_id=line.item_id,
            organization=organization,
            quantity=quantity,
            supply_source=Source.ON_HAND,
        )
        self._new.append(reservation)
        active.append(reservation)

    def write(self) -> None:
        bulk_update_rows(self._touched.values(), ["on_hand", "reserved"])
        insert_rows(self._ledger)
        bulk_update_rows(self._changed.values(), ["quantity", "status", "closed_at"])
        insert_rows(self._new)
        for item_id, organization_id in sorted(self._increased):
            stock_increased.send(
                sender=InventoryTransaction, item_id=item_id, organization_id=organization_id
            )
        self._touched, self._ledger, self._changed, self._new = {}, [], {}, []
        self._increased = set()


def _ledger_refuse(item, organization, bucket, quantity):
    # Stock coming in fails only the upper bound; stock going out only the lower one.
    if quantity > 0:
        raise BusinessRuleError(
            f"{qty(quantity)} would take the balance of {item.sku} at {organization.code} "
            "past the largest quantity the system stores.",
            field="quantity",
        )
    balance = InventoryBalance.objects.filter(item=item, organization=organization).first()
    balance = balance or InventoryBalance(item=item, organization=organization)
    if bucket == Bucket.ON_HAND:
        message = (
            f"Cannot take {qty(-quantity)} {item.uom} of {item.sku} out of "
            f"{organization.code}: only {qty(balance.available)} available "
            f"({qty(balance.on_hand)} on hand, {qty(balance.reserved)} reserved for "
            "orders)."
        )
        if balance.reserved:
            message += (
                " Reserved stock cannot be adjusted away; release or ship the reservations first."
            )
        raise BusinessRuleError(message, field="quantity")
    raise BusinessRuleError(
        f"Only {qty(balance.in_transit)} of {item.sku} is in transit to {organization.code}.",
        field="quantity",
    )


def inventory_adjust(
    *, item: Item, organization: Organization, quantity: Decimal, reason: str, acting_user=None
) -> InventoryTransaction:
    """Post a signed adjustment with its reason (a count correction, damage, a found pallet)."""
    if not reason or not reason.strip():
        raise BusinessRuleError("Say why the stock is adjusted.", field="reason")
    return ledger_post(
        item=item,
        organization=organization,
        kind=Kind.ADJUSTMENT,
        quantity=quantity,
        reason=reason.strip(),
        acting_user=acting_user,
    )


def inventory_set_on_hand(
    *, item: Item, organization: Organization, quantity: Decimal, reason: str, acting_user=None
) -> InventoryTransaction | None:
    """Bring on hand to `quantity` by an adjustment of the difference (None when already there)."""
    with transaction.atomic():
        _balance_row(item, organization)
        balance = InventoryBalance.objects.select_for_update().get(
            item=item, organization=organization
        )
        difference = Decimal(quantity) - balance.on_hand
        if difference == 0:
            return None
        return inventory_adjust(
            item=item,
            organization=organization,
            quantity=difference,
            reason=reason,
            acting_user=acting_user,
        )


# --- reservations -------------------------------------------------------------------------------

Source = Reservation.Source


def balances_lock(pairs) -> dict[tuple[int, int], InventoryBalance]:
    """Lock the balance rows of (item_id, organization_id) pairs, always in the same order.

    Locking in key order means two transactions that need the same rows queue instead of
    deadlocking. Missing rows are created (empty) and then all are locked again in key order.
    """
    keys = sorted(set(pairs))
    wanted = Q()
    for item_id, organization_id in keys:
        wanted |= Q(item_id=item_id, organization_id=organization_id)
    rows = (
        InventoryBalance.objects.select_for_update()
        .filter(wanted)
        .order_by("item_id", "organization_id")
    )
    locked = {(b.item_id, b.organization_id): b for b in rows}
    missing = [key for key in keys if key not in locked]
    if not missing:
        return locked
    InventoryBalance.objects.bulk_create(
        [InventoryBalance(item_id=i, organization_id=o) for i, o in missing],
        ignore_conflicts=True,
    )
    return {(b.item_id, b.organization_id): b for b in rows.all()}


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


def balances_save_reserved(balances) -> None:
    """Write the reserved quantity of balance rows the caller locked (balances_lock) and moved
    in memory, in one UPDATE; the CheckConstraint (on hand ≥ reserved) backs it."""
    bulk_update_rows(balances, ["reserved"])


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


# --- receipts -------------------------------------------------------------------------------------


def receive_lines_check(lines: list[ReceiveLine]) -> None:
    """A receipt's lines as entered: at least one, each line once, each quantity valid."""
    if not lines:
        raise BusinessRuleError("Receive at least one line.", field="lines")
    seen = set()
    for index, request in enumerate(lines):
        if request.line_number in seen:
            raise BusinessRuleError(
                f"Line {request.line_number} is listed twice: receive it once, with the total.",
                field=f"lines[{index}].line_number",
            )
        seen.add(request.line_number)
        problem = quantity_problem(request.quantity)
        if problem:
            raise BusinessRuleError(problem, field=f"lines[{index}].quantity")


def receipt_open(
    *, organization, acting_user=None, purchase_order=None, transfer_order=None, reference=""
):
    """A new receipt (RCV-) at `organization` for a purchase order, for several (an advance
    ship notice: `purchase_order` None, the supplier's `reference`) or a transfer order."""
    return Receipt.objects.create(
        number=document_number_next(DocumentType.RECEIPT),
        organization=organization,
        purchase_order=purchase_order,
        transfer_order=transfer_order,
        reference=reference.strip(),
        received_by=user_or_none(acting_user),
    )


def receipt_line_add(
    receipt, *, quantity, reserved, purchase_order_line=None, transfer_order_line=None
) -> ReceiptLine:
    """Record what a receipt line brought and how much of it was reserved for its order line."""
    return ReceiptLine.objects.create(
        receipt=receipt,
        purchase_order_line=purchase_order_line,
        transfer_order_line=transfer_order_line,
        quantity=quantity,
        reserved_quantity=reserved,
    )


def receipt_lines_add(rows) -> list[ReceiptLine]:
    """Many receipt lines in one INSERT: unsaved ReceiptLine rows."""
    return insert_rows(rows)


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
