from decimal import Decimal

from django import forms


class AdjustmentForm(forms.Form):
    quantity = forms.DecimalField(
        max_digits=15,
        decimal_places=3,
        help_text="Signed: 5 adds five, -5 removes five.",
        widget=forms.NumberInput(attrs={"step": "0.001", "autofocus": True}),
    )
    reason = forms.CharField(max_length=200, help_text="Why: cycle count, damage, found stock…")

    def clean_quantity(self):
        quantity = self.cleaned_data["quantity"]
        if quantity == Decimal(0):
            raise forms.ValidationError("Enter a quantity other than zero.")
        return quantity
