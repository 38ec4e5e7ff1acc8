"""Forms only collect input; apps.concerns.services checks it."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import ADDRESS_MAX, DESCRIPTION_MAX, MESSAGE_MAX, NOTE_MAX, Concern


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data, initial=None):
        if not data:
            return []
        files = data if isinstance(data, list | tuple) else [data]
        return [super(MultipleFileField, self).clean(item, initial) for item in files]


PHOTO_HELP = _(
    "Bis zu 3 Fotos (JPEG, PNG, WebP oder GIF, je höchstens 10 MB). Standortdaten im Foto "
    "werden entfernt."
)


class ConcernForm(forms.Form):
    category = forms.ChoiceField(
        label=_("Worum geht es?"),
        choices=[("", _("Bitte wählen")), *Concern.Category.choices],
    )
    description = forms.CharField(
        label=_("Beschreibung"),
        max_length=DESCRIPTION_MAX * 4,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Was ist los? Höchstens 3000 Zeichen."),
    )
    address = forms.CharField(
        label=_("Wo ist das?"),
        required=False,
        max_length=ADDRESS_MAX * 4,
        help_text=_(
            "Adresse oder Beschreibung, z. B. „Hauptstraße 12“ oder „Feldweg hinter der "
            "Kirche“. Oder wähle unten einen Punkt."
        ),
    )
    # Text, not numbers: "48,8612" with a German comma must work; the service parses it.
    latitude = forms.CharField(
        label=_("Breitengrad"),
        required=False,
        max_length=40,
        help_text=_("Zum Beispiel 48,8612. Nur nötig, wenn du keine Adresse angibst."),
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    longitude = forms.CharField(
        label=_("Längengrad"),
        required=False,
        max_length=40,
        help_text=_("Zum Beispiel 10,6523."),
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    photos = MultipleFileField(
        label=_("Fotos"),
        required=False,
        help_text=PHOTO_HELP,
        widget=MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/webp,image/gif"}),
    )


class MessageForm(forms.Form):
    body = forms.CharField(
        label=_("Deine Nachricht"),
        max_length=MESSAGE_MAX * 4,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Neuer Status"), choices=Concern.Status.choices)
    message = forms.CharField(
        label=_("Nachricht an die meldende Person"),
        required=False,
        max_length=MESSAGE_MAX * 4,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Nur sie sieht diese Nachricht."),
    )
    public_note = forms.CharField(
        label=_("Öffentliche Notiz"),
        required=False,
        max_length=NOTE_MAX * 4,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Erscheint bei der veröffentlichten Meldung, z. B. „Reparatur im Mai“."),
    )


class AssignForm(forms.Form):
    assignee = forms.TypedChoiceField(
        label=_("Zuständig"), required=False, coerce=int, empty_value=None
    )


class PublishForm(forms.Form):
    published = forms.BooleanField(
        label=_("Als „Schon gemeldet“ öffentlich zeigen (ohne Namen)"), required=False
    )
    public_text = forms.CharField(
        label=_("Öffentlicher Text"),
        required=False,
        max_length=DESCRIPTION_MAX * 4,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Leer lassen, um die Beschreibung zu zeigen. Keine Namen von Personen."),
    )
    photos_public = forms.BooleanField(label=_("Fotos mit veröffentlichen"), required=False)


class InboxFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Alle")), ("open", _("Offen")), *Concern.Status.choices],
    )
    category = forms.ChoiceField(
        label=_("Kategorie"),
        required=False,
        choices=[("", _("Alle Kategorien")), *Concern.Category.choices],
    )
    assignee = forms.ChoiceField(label=_("Zuständig"), required=False)
    order = forms.ChoiceField(
        label=_("Sortierung"),
        required=False,
        choices=[("oldest", _("Älteste zuerst")), ("newest", _("Neueste zuerst"))],
    )
