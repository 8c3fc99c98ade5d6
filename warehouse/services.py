"""Inventory use cases. Every stock movement goes through `ledger_post`, the only writer of
balances, so a balance always equals the sum of its ledger rows."""

from decimal import Decimal

from django.db import transaction
from django.db.models import F

from catalog.models import Item, Organization
from core.exceptions import BusinessRuleError
from core.formatting import qty
from warehouse.models import InventoryBalance, InventoryTransaction

Kind = InventoryTransaction.Kind
Bucket = InventoryTransaction.Bucket


def _balance_row(item: Item, organization: Organization):
    """The balance row's queryset, creating the row on first use (safe under concurrency)."""
    rows = InventoryBalance.objects.filter(item=item, organization=organization)
    if not rows.exists():
        InventoryBalance.objects.bulk_create(
            [InventoryBalance(item=item, organization=organization)], ignore_conflicts=True
        )
    return rows


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
    would remain still covers the on-hand reservations, and the row count tells whether it was.
    """
    quantity = Decimal(quantity)
    if quantity == 0:
        raise BusinessRuleError("The quantity must not be zero.", field="quantity")
    with transaction.atomic():
        rows = _balance_row(item, organization)
        if bucket == Bucket.ON_HAND:
            guarded = rows.filter(on_hand__gte=F("reserved") - quantity)
            moved = guarded.update(on_hand=F("on_hand") + quantity)
        else:
            moved = rows.filter(in_transit__gte=-quantity).update(
                in_transit=F("in_transit") + quantity
            )
        if not moved:
            balance = rows.get()
            if bucket == Bucket.ON_HAND:
                message = (
                    f"Cannot take {qty(-quantity)} {item.uom} of {item.sku} out of "
                    f"{organization.code}: only {qty(balance.available)} available "
                    f"({qty(balance.on_hand)} on hand, {qty(balance.reserved)} reserved for "
                    "orders)."
                )
                if balance.reserved:
                    message += (
                        " Reserved stock cannot be adjusted away; release or ship the "
                        "reservations first."
                    )
                raise BusinessRuleError(message, field="quantity")
            raise BusinessRuleError(
                f"Only {qty(balance.in_transit)} of {item.sku} is in transit to "
                f"{organization.code}.",
                field="quantity",
            )
        return InventoryTransaction.objects.create(
            item=item,
            organization=organization,
            kind=kind,
            bucket=bucket,
            quantity=quantity,
            reason=reason,
            document_type=document._meta.label_lower if document is not None else "",
            document_id=document.pk if document is not None else None,
            document_number=str(getattr(document, "number", "") or ""),
            demand_line_id=demand_line_id,
            created_by=acting_user if getattr(acting_user, "is_authenticated", False) else None,
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
