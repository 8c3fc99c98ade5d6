from decimal import Decimal

from django import forms

from core.forms import DateInWindowField, PlainTextField


class AdjustmentForm(forms.Form):
    quantity = forms.DecimalField(
        max_digits=15,
        decimal_places=3,
        help_text="Signed: 5 adds five, -5 removes five.",
        widget=forms.NumberInput(attrs={"step": "0.001", "autofocus": True}),
    )
    reason = PlainTextField(max_length=200, help_text="Why: cycle count, damage, found stock…")

    def clean_quantity(self):
        quantity = self.cleaned_data["quantity"]
        if quantity == Decimal(0):
            raise forms.ValidationError("Enter a quantity other than zero.")
        return quantity


class DeliveryForm(forms.Form):
    """A whole delivery received at once: every open line of one or more purchase orders (an
    advance ship notice lists them), with the notice's number."""

    purchase_orders = forms.CharField(
        max_length=2000,
        label="Purchase orders",
        help_text="Scan or type each PO number, separated by spaces or commas.",
    )
    reference = PlainTextField(
        max_length=40, required=False, label="Advance ship notice / delivery note"
    )

    def clean_purchase_orders(self):
        from procurement.models import PurchaseOrder

        numbers = list(
            dict.fromkeys(self.cleaned_data["purchase_orders"].replace(",", " ").upper().split())
        )
        found = {po.number: po for po in PurchaseOrder.objects.filter(number__in=numbers)}
        unknown = [number for number in numbers if number not in found]
        if unknown:
            raise forms.ValidationError(
                f"Unknown purchase order {', '.join(unknown)}: check the number on the notice."
            )
        return [found[number] for number in numbers]


class WaveReleaseForm(forms.Form):
    """What a pick wave releases: the lines ready at the organization, narrowed to one
    customer or to those scheduled by a day; the carrier that collects it."""

    customer = forms.ModelChoiceField(
        queryset=None,
        required=False,
        to_field_name="number",
        empty_label="All customers",
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    ship_by = DateInWindowField(
        required=False,
        label="Scheduled by",
        widget=forms.DateInput(attrs={"type": "date", "class": "form-control"}),
    )
    carrier = PlainTextField(
        max_length=60, required=False, widget=forms.TextInput(attrs={"class": "form-control"})
    )

    def __init__(self, *args, customers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["customer"].queryset = customers
