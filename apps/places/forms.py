from django import forms
from django.utils.translation import gettext_lazy as _


class InvitationCodeForm(forms.Form):
    note = forms.CharField(
        label=_("Notiz"),
        required=False,
        max_length=400,
        help_text=_("Wofür ist der Code? Zum Beispiel „Gemeindeblatt März“."),
    )
    max_uses = forms.IntegerField(
        label=_("Wie oft einlösbar"),
        required=False,
        min_value=1,
        max_value=100_000,
        help_text=_("Leer lassen, wenn der Code beliebig oft gelten soll."),
    )
    expires_at = forms.DateField(
        label=_("Gültig bis einschließlich"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
