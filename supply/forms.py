"""Forms of the supply screens."""

from django import forms

from catalog.models import SOURCE_TYPES
from supply.models import SupplyException, SupplyOrder

SELECT = forms.Select(attrs={"class": "form-select"})


class SupplyOrderFilterForm(forms.Form):
    """The filters of the supply order list (/supply/orders/); the workbench's counts link to it
    with status and type set. A value the list does not know is ignored (all rows)."""

    q = forms.CharField(
        required=False,
        max_length=40,
        label="Supply order or sales order",
        widget=forms.TextInput(
            attrs={"class": "form-control", "type": "search", "placeholder": "SUP-… or SO-…"}
        ),
    )
    status = forms.ChoiceField(
        required=False, choices=[("", "Any status"), *SupplyOrder.Status.choices], widget=SELECT
    )
    type = forms.ChoiceField(
        required=False, choices=[("", "Any type"), *SOURCE_TYPES], widget=SELECT
    )
    exception = forms.ChoiceField(
        required=False,
        choices=[("", "Any or none"), *SupplyException.Kind.choices],
        label="Open exception",
        widget=SELECT,
    )

    def filters(self) -> dict:
        """The valid filters, by name (an invalid one is left out, not refused)."""
        self.is_valid()
        return {
            name: self.cleaned_data.get(name, "") or ""
            for name in ("q", "status", "type", "exception")
        }
