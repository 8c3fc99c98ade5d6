from django import forms

from core.forms import DateInWindowField, PlainTextField


class AcknowledgmentForm(forms.Form):
    accepted = forms.TypedChoiceField(
        choices=[("1", "Accepted"), ("0", "Rejected")], coerce=lambda v: v == "1", initial="1"
    )
    note = PlainTextField(max_length=300, required=False)

    def __init__(self, *args, lines=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.po_lines = list(lines)
        for line in self.po_lines:
            self.fields[f"promised_{line.line_number}"] = DateInWindowField(
                required=False,
                label=f"Line {line.line_number} promised date",
                initial=line.promised_date,
                widget=forms.DateInput(attrs={"type": "date"}),
            )

    def promised_dates(self) -> dict:
        return {
            line.line_number: self.cleaned_data[f"promised_{line.line_number}"]
            for line in self.po_lines
            if self.cleaned_data.get(f"promised_{line.line_number}")
        }


class PurchaseOrderLineChangeForm(forms.Form):
    """A buyer's change order on one PO line, or the reason to cancel it."""

    line_number = forms.IntegerField(min_value=1)
    quantity = forms.DecimalField(
        max_digits=15,
        decimal_places=3,
        min_value=0.001,
        required=False,
        error_messages={"min_value": "Enter a quantity greater than zero, or cancel the line."},
    )
    promised_date = DateInWindowField(required=False)
    reason = PlainTextField(max_length=300, required=False)


class RequisitionIdsField(forms.Field):
    """The ticked requisition lines of the workbench (their ids, each a checkbox)."""

    widget = forms.MultipleHiddenInput
    default_error_messages = {"invalid": "Select requisition lines from the list."}

    def to_python(self, value):
        one = forms.IntegerField(min_value=1, max_value=2**63 - 1)
        try:
            return [one.clean(raw) for raw in value or ()]
        except forms.ValidationError:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None


class RequisitionSelectionForm(forms.Form):
    """Create POs from the selected requisition lines (none selected: the use case says what
    to do)."""

    requisition = RequisitionIdsField(required=False)


class RequisitionChangeForm(forms.Form):
    """The buyer's change of an open requisition line: another supplier of its item (by
    number) and/or another unit price (blank: the new supplier's rule price, else unchanged)."""

    supplier = forms.CharField(max_length=30, required=False)
    unit_price = forms.DecimalField(
        max_digits=15,
        decimal_places=4,
        min_value=0,
        required=False,
        error_messages={"min_value": "Enter a unit price of 0 or more."},
    )

    def __init__(self, *args, offers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.offers = {offer.supplier.number: offer for offer in offers}

    def clean_supplier(self):
        number = self.cleaned_data["supplier"].strip()
        if number and number not in self.offers:
            raise forms.ValidationError(
                f"{number} is not a supplier of this item: choose one from the list."
            )
        return self.offers[number].supplier if number else None
