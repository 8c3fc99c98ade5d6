from decimal import Decimal

from django import template
from django.utils import timezone
from django.utils.html import format_html

from core.formatting import qty as format_quantity
from core.formatting import words
from core.links import may_open
from core.validation import DATE_MAX, DATE_MIN

register = template.Library()


@register.filter
def openable_by(url: str, user) -> bool:
    """`{% if url|openable_by:request.user %}`: the user may open the page (core.links)."""
    return may_open(user, url)


@register.simple_tag(takes_context=True)
def document_link(context, url: str, text, title: str = "", fallback: str = ""):
    """A document reference: a link to its page when the signed-in user may open it, else to
    `fallback` (the document it belongs to, e.g. a receipt's PO) when they may open that, else
    the reference as plain text (a link that answers 403 is a dead end). Neither breaks inside
    a number (app.css: links in tables and timelines, and "doc-ref")."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if url and not may_open(user, url) and fallback and may_open(user, fallback):
        url = fallback
    if url and may_open(user, url):
        if title:
            return format_html('<a href="{}" title="{}">{}</a>', url, title, text)
        return format_html('<a href="{}">{}</a>', url, text)
    return format_html('<span class="doc-ref">{}</span>', text)


# One colour per meaning, the same on every screen: grey = not started, blue = on its way,
# amber = waiting on someone, red = needs attention, green = done, dark = called off.
# Keyed by code: every code a badge shows means the same on each document that has it
# (RELEASED on a work order and on a pick wave: released to the floor, on its way; a
# reservation's RELEASED, which means ended, is never shown as a badge).
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
    "RELEASED": "primary",
    "IN_PROGRESS": "primary",
    "IN_TRANSIT": "primary",
    "COMPLETED": "success",
    "RECEIVED": "success",
}


@register.filter
def status_badge(status: str):
    """A status as a coloured badge in words (Awaiting supply); `data-status` keeps the code."""
    colour = STATUS_COLOURS.get(status, "secondary")
    text = "text-bg-warning" if colour == "warning" else f"text-bg-{colour}"
    return format_html(
        '<span class="badge status {}" data-status="{}">{}</span>', text, status, words(status)
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


# A kind code as words (SUPPLIER_REJECTED → Supplier rejected): the one label function.
register.filter("kind_label", words)


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


@register.filter
def days_after(later, earlier) -> int:
    """How many days `later` falls after `earlier` (0 when not later or either is missing):
    a promise after the requested ship date is flagged with it, on entry and on the line."""
    if not later or not earlier:
        return 0
    return max((later - earlier).days, 0)
