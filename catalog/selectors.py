from django.db.models import Q

from catalog.models import Item, Organization


def items(*, back_to_back: bool | None = None, search: str = ""):
    rows = Item.objects.order_by("sku")
    if back_to_back is not None:
        rows = rows.filter(back_to_back=back_to_back)
    if search:
        rows = rows.filter(Q(sku__icontains=search) | Q(description__icontains=search))
    return rows


def organizations(*, kind: str = ""):
    rows = Organization.objects.order_by("code")
    return rows.filter(kind=kind) if kind else rows
