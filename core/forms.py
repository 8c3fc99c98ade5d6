from django import forms

from core.exceptions import BusinessRuleError
from core.validation import DATE_MAX, DATE_MIN, validate_date_in_window, validate_plain_text


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        max_length=100,
        label="Token name",
        help_text="What uses it, e.g. “EDI gateway”.",
        widget=forms.TextInput(attrs={"autofocus": True, "placeholder": "EDI gateway"}),
    )
    days = forms.TypedChoiceField(
        label="Valid for",
        choices=[("", "until revoked"), (30, "30 days"), (90, "90 days"), (365, "1 year")],
        coerce=int,
        empty_value=None,
        required=False,
        widget=forms.Select(attrs={"class": "form-select"}),
    )


class DateInWindowField(forms.DateField):
    """A typed date inside the window every entry point shares (core.validation); the date
    picker offers only that window too."""

    default_validators = [validate_date_in_window]

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        if getattr(widget, "input_type", "") == "date":
            attrs.update(min=DATE_MIN.isoformat(), max=DATE_MAX.isoformat())
        return attrs


class PlainTextField(forms.CharField):
    """A reference, reason or note: one line of visible characters (core.validation)."""

    default_validators = [validate_plain_text]


def posted_text(data, name: str = "reason", *, max_length: int = 300, label: str = "") -> str:
    """A one-line text posted with an action button (a cancel reason, a carrier): whether one
    is required is the service's rule; what it may hold is PlainTextField's. A refusal is a
    BusinessRuleError naming the field, which the action's view already shows as a message."""
    field = PlainTextField(max_length=max_length, required=False, strip=False)
    try:
        return field.clean(data.get(name, ""))
    except forms.ValidationError as invalid:
        label = label or name.replace("_", " ").capitalize()
        raise BusinessRuleError(f"{label}: {' '.join(invalid.messages)}", field=name) from None
