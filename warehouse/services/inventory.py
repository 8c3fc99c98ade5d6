"""Inventory balances and the ledger. Every stock movement goes through `ledger_post`, the
only writer of balances, so a balance always equals the sum of its ledger rows; adjustments,
the balance locks in key order and the in-memory `StockBatch` of many movements live here."""

from decimal import Decimal

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from catalog.models import Item, Organization
from core.documents import document_reference
from core.exceptions import BusinessRuleError
from core.formatting import qty
from core.queries import bulk_update_rows, insert_rows
from core.services import user_or_none
from warehouse.models import InventoryBalance, InventoryTransaction, Reservation
from warehouse.signals import stock_increased

Kind = InventoryTransaction.Kind
Bucket = InventoryTransaction.Bucket
Source = Reservation.Source


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


def balances_save_reserved(balances) -> None:
    """Write the reserved quantity of balance rows the caller locked (balances_lock) and moved
    in memory, in one UPDATE; the CheckConstraint (on hand ≥ reserved) backs it."""
    bulk_update_rows(balances, ["reserved"])
