from django import forms


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
