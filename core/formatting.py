import datetime
import functools
import re
from decimal import Decimal

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.utils.text import capfirst


def qty(value) -> str:
    """A quantity for people: 12.5, 390, 0.125 (no trailing zeros, never an exponent)."""
    text = format(Decimal(value).normalize(), "f")
    return "0" if text in ("-0", "") else text


QUANTITY_STEP = Decimal("0.001")


def quantity_problem(value) -> str:
    """Why a quantity cannot be taken ("" when it can): finite, > 0, at most 3 places."""
    try:
        value = Decimal(value)
    except (ArithmeticError, TypeError, ValueError):
        return "Enter the quantity as a number."
    if not value.is_finite() or value <= 0:
        return "The quantity must be a number greater than zero."
    if value != value.quantize(QUANTITY_STEP):
        return "The quantity has at most 3 decimal places."
    if value >= Decimal("1e12"):
        return "The quantity is too large."
    return ""


# --- The change log in words (timeline entries) -------------------------------------------------
# A TransitionLog entry names its document by type (`app_label.model`), so the field's verbose
# name, its choice labels and its kind (date, quantity) are read from the model through the app
# registry: core stays below every app that logs.

# Entries whose `field` is not a model field: what each is called on a screen.
LOG_FIELD_LABELS = {
    "pegged": "Quantity still to come from supply",
    "documents": "Supply document",
    "source": "Source",
    "line": "Shipment line",
    "communicated": "Sent to the supplier",
    "communication": "Email to the supplier",
}
# Fields whose entries add something (a document, a line) rather than change a value.
_ADDED = frozenset({"documents", "line"})
# Fields read as a state: "Label: from → to".
_STATES = frozenset({"communicated", "communication", "line"})
_ENUM = re.compile(r"^[A-Z][A-Z_]*[A-Z]$")
_LEADING_ENUM = re.compile(r"^([A-Z][A-Z_]*[A-Z]) ")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")


def day(value: datetime.date) -> str:
    """A date for people: 8 Dec 2026."""
    return f"{value.day} {value:%b %Y}"


def words(value: str) -> str:
    """A status or kind code as the words people read: AWAITING_SUPPLY → Awaiting supply,
    SUPPLIER_REJECTED → Supplier rejected ("" for none). The one label function: status
    badges, kind labels and the change log all say a code this way."""
    return (value or "").replace("_", " ").capitalize()


@functools.cache
def _model_field(document_type: str, name: str):
    """The model field an entry changed (None when the entry's field is not one)."""
    try:
        model = apps.get_model(document_type)
        return model._meta.get_field(name)
    except (LookupError, ValueError, FieldDoesNotExist):
        return None


def _value_in_words(value: str, model_field) -> str:
    if value == "":
        return ""
    if model_field is not None and model_field.choices:
        labels = {str(key): str(label) for key, label in model_field.flatchoices}
        if value in labels:
            return labels[value]
    if _ISO_DATE.match(value):
        try:
            return day(datetime.date.fromisoformat(value))
        except ValueError:
            return value
    if _NUMBER.match(value):
        return qty(value)
    if _ENUM.match(value):
        return words(value)
    match = _LEADING_ENUM.match(value)  # "BUY S-CONTOSO – Contoso": the type in words
    if match:
        return words(match.group(1)) + value[match.end(1) :]
    return value


def change_in_words(entry) -> str:
    """One change log entry (a TransitionLog) as a sentence a user reads: "Status: Open →
    Pending approval", "Quantity changed from 10 to 8", "Promised date set to 8 Dec 2026" —
    the field by its verbose name, states by their labels, dates and quantities for people."""
    name = entry.field or "status"
    model_field = _model_field(entry.document_type, name)
    if name in LOG_FIELD_LABELS and model_field is None:
        label = LOG_FIELD_LABELS[name]
    elif model_field is not None:
        label = capfirst(str(model_field.verbose_name))
    else:
        label = words(name)
    before = _value_in_words(entry.from_value, model_field)
    after = _value_in_words(entry.to_value, model_field)
    if name in _ADDED and not before:
        return f"{label} added: {after}"
    if name == "status" or name in _STATES or (model_field is not None and model_field.choices):
        if not before:
            return f"Created as {after}" if name == "status" else f"{label}: {after}"
        return f"{label}: {before} → {after}"
    if not after:
        return f"{label} cleared (was {before})"
    if not before:
        return f"{label} set to {after}"
    return f"{label} changed from {before} to {after}"
