"""The dashboard's date range."""

from django import forms

from core.forms import DateInWindowField
from dashboard.selectors import MAX_DAYS, Period


def _date_field(label: str) -> forms.DateField:
    return DateInWindowField(
        required=False, label=label, widget=forms.DateInput(attrs={"type": "date"})
    )


class PeriodForm(forms.Form):
    start = _date_field("From")
    end = _date_field("To")

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        start, end = data.get("start") or None, data.get("end") or None
        if not (start and end):
            default = Period.default()
            end = end or max(default.end, start or default.end)
            start = start or Period.weeks_back(end)
        if start > end:
            self.add_error("end", "The end date must be on or after the start date.")
        elif (end - start).days > MAX_DAYS:
            self.add_error("start", "Choose a range of at most two years.")
        else:
            data["period"] = Period(start, end)
        return data

    def period(self) -> Period:
        """The chosen range, or the default one (Period.default) when none (or a wrong one)
        was chosen."""
        if self.is_bound and self.is_valid():
            return self.cleaned_data["period"]
        return Period.default()
