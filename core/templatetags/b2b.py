from decimal import Decimal

from django import template
from django.utils import timezone
from django.utils.html import format_html

from core.formatting import qty as format_quantity
from core.validation import DATE_MAX, DATE_MIN

register = template.Library()

# One colour per meaning, the same on every screen: grey = not started, blue = on its way,
# amber = waiting on someone, red = needs attention, green = done.
STATUS_COLOURS = {
    "DRAFT": "secondary",
    "REQUESTED": "info",
    "SCHEDULED": "info",
    "PROCESSING": "primary",
    "OPEN": "primary",
    "IN_PROCESS": "primary",
    "AWAITING_SUPPLY": "warning",
    "AWAITING_SHIPPING": "primary",
    "BACKORDERED": "danger",
    "EXCEPTION": "danger",
    "SHIPPED": "success",
    "AWAITING_BILLING": "success",
    "FULFILLED": "success",
    "ORDERED": "success",
    "CLOSED": "success",
    "ACTIVE": "primary",
    "PLANNED": "info",
    "PICKED": "primary",
    "PACKED": "primary",
    "POSTED": "success",
    "CLOSED_FOR_RECEIVING": "success",
    "PENDING_APPROVAL": "warning",
    "CANCELLED": "dark",
    "RELEASED": "dark",
}


@register.filter
def status_badge(status: str):
    colour = STATUS_COLOURS.get(status, "secondary")
    text = "text-bg-warning" if colour == "warning" else f"text-bg-{colour}"
    return format_html(
        '<span class="badge status {}" data-status="{}">{}</span>',
        text,
        status,
        status.replace("_", " "),
    )


@register.filter
def qty(value):
    """Quantities without trailing zeros: 50, 12.5."""
    if value in (None, ""):
        return ""
    return format_quantity(Decimal(value))


@register.filter
def qty_input(value):
    """A quantity as a number input takes it: plain digits, no trailing zeros (50, 12.5)."""
    if value in (None, ""):
        return ""
    return f"{Decimal(value).normalize():f}"


@register.filter
def kind_label(value: str) -> str:
    """An enum value as words: SUPPLIER_REJECTED → Supplier rejected."""
    return (value or "").replace("_", " ").capitalize()


@register.filter
def get_item(mapping, key):
    """mapping[key] in a template (None when absent)."""
    return mapping.get(key) if mapping else None


@register.filter
def age_days(moment) -> int:
    """Whole days since `moment` (how long something has waited)."""
    return (timezone.now() - moment).days


@register.simple_tag
def date_window():
    """`min`/`max` of a date input: the window every typed date lies in (core.validation)."""
    return format_html('min="{}" max="{}"', DATE_MIN.isoformat(), DATE_MAX.isoformat())


@register.simple_tag
def date_max():
    return DATE_MAX.isoformat()
