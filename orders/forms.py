from django import forms
from django.forms import BaseFormSet, formset_factory
from django.utils import timezone

from catalog.models import Customer, Item, Organization
from catalog.selectors import by_code
from core.forms import DateInWindowField, PlainTextField


class CodeChoiceField(forms.ModelChoiceField):
    """A record picked by its code, typed in any case (catalog.selectors.by_code)."""

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, self.queryset.model):
            return value
        code = str(value).strip()
        record = by_code(self.queryset, self.to_field_name, [code]).get(code)
        if record is None:
            raise forms.ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice"
            )
        return record


class OrderForm(forms.Form):
    customer = CodeChoiceField(
        queryset=Customer.objects.order_by("number"),
        to_field_name="number",
        empty_label="Choose a customer…",
        error_messages={"invalid_choice": "Choose a customer from the list."},
    )
    external_reference = PlainTextField(
        max_length=60, required=False, label="Customer PO", help_text="Unique per customer."
    )


class RequestedShipDateField(DateInWindowField):
    """A line's requested ship date: empty means today, so the form shows today prefilled;
    a row holding only that date (or none) is still a blank row."""

    def has_changed(self, initial, data):
        return bool(data) and super().has_changed(initial, data)


class LineForm(forms.Form):
    # The draft line a row of the edit form changes (empty on a new line).
    line_number = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    item = CodeChoiceField(
        queryset=Item.objects.all(),
        to_field_name="sku",
        widget=forms.TextInput(
            attrs={"list": "item-skus", "autocomplete": "off", "placeholder": "SKU"}
        ),
        error_messages={"invalid_choice": "No item with this SKU: pick one from the list."},
    )
    quantity = forms.DecimalField(
        max_digits=15,
        decimal_places=3,
        min_value=0.001,
        widget=forms.NumberInput(attrs={"step": "any", "class": "text-end"}),
        error_messages={"min_value": "Enter a quantity greater than zero."},
    )
    requested_ship_date = RequestedShipDateField(
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        label="Requested ship date",
        initial=timezone.localdate,
    )
    ship_from = CodeChoiceField(
        queryset=Organization.objects.order_by("code"),
        to_field_name="code",
        required=False,
        empty_label="Default",
    )

    def clean_requested_ship_date(self):
        date = self.cleaned_data["requested_ship_date"]
        if date and date < timezone.localdate():
            raise forms.ValidationError("Choose today or a later date.")
        return date

    @staticmethod
    def initial_of(line) -> dict:
        """A draft line as its row of the edit form shows it."""
        return {
            "line_number": line.line_number,
            "item": line.item.sku,
            "quantity": f"{line.quantity.normalize():f}",
            "requested_ship_date": line.requested_ship_date,
            "ship_from": line.ship_from.code if line.ship_from_id else "",
        }


class LineChangeForm(forms.Form):
    """A line's new quantity, requested ship date and/or ship-from, with why (order page)."""

    quantity = forms.DecimalField(
        max_digits=15,
        decimal_places=3,
        min_value=0.001,
        required=False,
        widget=forms.NumberInput(attrs={"step": "any", "class": "text-end"}),
        error_messages={"min_value": "Enter a quantity greater than zero, or cancel the line."},
    )
    requested_ship_date = DateInWindowField(
        required=False, widget=forms.DateInput(attrs={"type": "date"}), label="Requested ship date"
    )
    ship_from = CodeChoiceField(
        queryset=Organization.objects.order_by("code"),
        to_field_name="code",
        required=False,
        label="Ship from",
        error_messages={"invalid_choice": "Choose a ship-from organization from the list."},
    )
    reason = PlainTextField(max_length=200, required=False)

    clean_requested_ship_date = LineForm.clean_requested_ship_date


class BaseLineFormSet(BaseFormSet):
    default_error_messages = {
        "too_few_forms": "Add at least one line: item and quantity.",
        "too_many_forms": "An order takes at most %(num)d lines: split it in two.",
    }

    def entered(self) -> list[dict]:
        """What each line row holds, leaving out blank rows and rows marked for removal."""
        return [
            form.cleaned_data
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]


LineFormSet = formset_factory(
    LineForm,
    formset=BaseLineFormSet,
    extra=0,
    min_num=1,
    validate_min=True,
    max_num=200,
    validate_max=True,
    can_delete=True,
)
