from django.db.models import Q
from django.db.models.functions import Upper

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


def by_code(queryset, field: str, codes) -> dict:
    """Records by the code a person or a system typed (SKU, customer number, organization
    code), case-insensitively: "laptop-15" is LAPTOP-15. An exact match wins; a code that
    matches several records only by ignoring case (two SKUs differing in case) matches none,
    so it is reported as unknown rather than guessed. One query for all the codes."""
    codes = {code for code in codes if code}
    if not codes:
        return {}
    found = list(
        queryset.annotate(_code=Upper(field)).filter(
            Q(**{f"{field}__in": codes}) | Q(_code__in={code.upper() for code in codes})
        )
    )
    exact = {getattr(record, field): record for record in found}
    folded: dict[str, list] = {}
    for record in found:
        folded.setdefault(record._code, []).append(record)
    matches = {}
    for code in codes:
        if code in exact:
            matches[code] = exact[code]
        elif len(folded.get(code.upper(), ())) == 1:
            matches[code] = folded[code.upper()][0]
    return matches
