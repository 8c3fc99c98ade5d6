from django.db.models import DecimalField, ExpressionWrapper, F, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce

from warehouse.models import InventoryBalance, InventoryTransaction, Reservation


def inventory_balances(*, item: str = "", organization: str = "", search: str = ""):
    """Balances with `available`, filtered by item SKU / organization code / free text."""
    rows = InventoryBalance.objects.select_related("item", "organization").annotate(
        available_qty=ExpressionWrapper(
            F("on_hand") - F("reserved"), output_field=DecimalField(max_digits=15, decimal_places=3)
        )
    )
    if item:
        rows = rows.filter(item__sku=item)
    if organization:
        rows = rows.filter(organization__code=organization)
    if search:
        rows = rows.filter(
            Q(item__sku__icontains=search)
            | Q(item__description__icontains=search)
            | Q(organization__code__iexact=search)
        )
    return rows.order_by("item__sku", "organization__code")


def ledger_for(*, item_id: int, organization_id: int):
    return (
        InventoryTransaction.objects.filter(item_id=item_id, organization_id=organization_id)
        .select_related("created_by")
        .order_by("-created_at", "-id")
    )


def ledger_mismatches() -> list[InventoryBalance]:
    """Balances that differ from the sum of their ledger rows (the invariant says: none)."""

    def ledger_sum(bucket):
        return Coalesce(
            Subquery(
                InventoryTransaction.objects.filter(
                    item=OuterRef("item"), organization=OuterRef("organization"), bucket=bucket
                )
                .values("item")
                .annotate(total=Sum("quantity"))
                .values("total")
            ),
            0,
            output_field=DecimalField(max_digits=15, decimal_places=3),
        )

    Bucket = InventoryTransaction.Bucket
    return list(
        InventoryBalance.objects.annotate(
            ledger_on_hand=ledger_sum(Bucket.ON_HAND),
            ledger_in_transit=ledger_sum(Bucket.IN_TRANSIT),
        )
        .exclude(on_hand=F("ledger_on_hand"), in_transit=F("ledger_in_transit"))
        .select_related("item", "organization")
    )


def active_reservations(*, sales_order: str = "", item: str = "", organization: str = ""):
    rows = Reservation.objects.filter(status=Reservation.Status.ACTIVE).select_related(
        "demand_line__order", "item", "organization"
    )
    if sales_order:
        rows = rows.filter(demand_line__order__number=sales_order)
    if item:
        rows = rows.filter(item__sku=item)
    if organization:
        rows = rows.filter(organization__code=organization)
    return rows.order_by("-id")
