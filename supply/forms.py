"""Forms of the supply screens."""

from django import forms

from catalog.models import SOURCE_TYPES
from supply.models import SupplyException, SupplyOrder
from supply.services import SourceChoice

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


class SourceChoiceForm(forms.Form):
    """A source the manager chose: a rule's candidate (type and supplier or organization), or
    the manager's own source with a price and lead time. Empty: re-promise by the rules."""

    type = forms.ChoiceField(required=False, choices=[("", "By the rules"), *SOURCE_TYPES])
    supplier = forms.CharField(required=False, max_length=40)
    source_organization = forms.CharField(required=False, max_length=20)
    unit_price = forms.DecimalField(
        required=False, min_value=0, max_digits=15, decimal_places=4, label="Unit price"
    )
    lead_time_days = forms.IntegerField(
        required=False, min_value=0, max_value=365, label="Lead time (days)"
    )

    def choice(self):
        """The SourceChoice of valid data (None: the best feasible source by the rules)."""
        data = self.cleaned_data
        if not data["type"]:
            return None
        return SourceChoice(
            type=data["type"],
            supplier=data["supplier"],
            source_organization=data["source_organization"],
            unit_price=data["unit_price"],
            lead_time_days=data["lead_time_days"],
        )

    def error_text(self) -> str:
        return " ".join(
            f"{self.fields[name].label or name}: {' '.join(errors)}"
            for name, errors in self.errors.items()
        )
