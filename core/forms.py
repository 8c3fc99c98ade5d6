from django import forms


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        max_length=100,
        label="Token name",
        help_text="What uses it, e.g. “EDI gateway”.",
        widget=forms.TextInput(attrs={"autofocus": True, "placeholder": "EDI gateway"}),
    )
