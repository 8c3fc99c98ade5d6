from django import forms
from django.forms import formset_factory
from django.utils import timezone

from catalog.models import Customer, Item, Organization


class OrderForm(forms.Form):
    customer = forms.ModelChoiceField(
        queryset=Customer.objects.order_by("number"),
        to_field_name="number",
        empty_label="Choose a customer…",
        error_messages={"invalid_choice": "Choose a customer from the list."},
    )
    external_reference = forms.CharField(
        max_length=60, required=False, label="Customer PO", help_text="Unique per customer."
    )


class LineForm(forms.Form):
    item = forms.ModelChoiceField(
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
    requested_ship_date = forms.DateField(
        required=False, widget=forms.DateInput(attrs={"type": "date"}), label="Requested ship date"
    )
    ship_from = forms.ModelChoiceField(
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


class LineChangeForm(forms.Form):
    """A line's new quantity and/or requested ship date, with why (order page)."""

    quantity = forms.DecimalField(
        max_digits=15,
        decimal_places=3,
        min_value=0.001,
        required=False,
        widget=forms.NumberInput(attrs={"step": "any", "class": "text-end"}),
        error_messages={"min_value": "Enter a quantity greater than zero, or cancel the line."},
    )
    requested_ship_date = forms.DateField(
        required=False, widget=forms.DateInput(attrs={"type": "date"}), label="Requested ship date"
    )
    reason = forms.CharField(max_length=200, required=False)

    clean_requested_ship_date = LineForm.clean_requested_ship_date


LineFormSet = formset_factory(LineForm, extra=0, min_num=1, validate_min=True, max_num=200)
