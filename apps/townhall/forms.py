"""Forms only collect input; apps.townhall.services checks it."""

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import BODY_MAX, TITLE_MAX


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data, initial=None):
        if not data:
            return []
        files = data if isinstance(data, list | tuple) else [data]
        return [super(MultipleFileField, self).clean(item, initial) for item in files]


class LocalDateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class NewsForm(forms.Form):
    title = forms.CharField(label=_("Titel"), max_length=TITLE_MAX * 4)
    body = forms.CharField(
        label=_("Text"),
        max_length=BODY_MAX * 4,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=_(
            "Eine Zeile mit „## “ am Anfang wird eine Zwischenüberschrift, Zeilen mit „- “ "
            "eine Aufzählung. Links werden anklickbar."
        ),
    )
    urgent = forms.BooleanField(
        label=_("Dringende Warnung"),
        required=False,
        help_text=_(
            "Steht bei allen ganz oben, bis sie abläuft. Nur für echte Notfälle wie Rohrbruch, "
            "Straßensperrung oder Unwetter."
        ),
    )
    urgent_until = forms.DateTimeField(
        label=_("Warnung gilt bis"),
        required=False,
        widget=LocalDateTimeInput(),
        help_text=_("Leer lassen für 24 Stunden; höchstens 14 Tage."),
    )
    public = forms.BooleanField(
        label=_("Öffentlich"),
        required=False,
        initial=True,
        help_text=_(
            "Auch ohne Anmeldung lesbar: auf der Seite der Gemeinde, im RSS-Feed und im "
            "Schaukasten. Sonst nur für Einwohner und Leser aus der Umgebung."
        ),
    )
    pinned_until = forms.DateField(
        label=_("Oben anheften bis"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("Bis zum Ende dieses Tages steht die Meldung oben."),
    )
    publish_at = forms.DateTimeField(
        label=_("Veröffentlichen am"),
        required=False,
        widget=LocalDateTimeInput(),
        help_text=_("Leer lassen, um sofort zu veröffentlichen; höchstens ein Jahr im Voraus."),
    )
    photos = MultipleFileField(
        label=_("Fotos"),
        required=False,
        help_text=_(
            "Bis zu 4 Fotos (JPEG, PNG, WebP oder GIF, je höchstens 10 MB). "
            "Standortdaten werden entfernt."
        ),
        widget=MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/webp,image/gif"}),
    )
    attachment = forms.FileField(
        label=_("PDF-Anhang"),
        required=False,
        help_text=_("Zum Beispiel ein Amtsblatt oder eine Bekanntmachung."),
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,.pdf"}),
    )

    def end_of_pinned_day(self) -> dt.datetime | None:
        day = self.cleaned_data.get("pinned_until")
        if day is None:
            return None
        return timezone.make_aware(dt.datetime.combine(day, dt.time(23, 59, 59)))


class NewsEditForm(NewsForm):
    remove_photos = forms.TypedMultipleChoiceField(
        label=_("Fotos entfernen"), required=False, coerce=int, widget=forms.CheckboxSelectMultiple
    )
    remove_attachment = forms.BooleanField(label=_("PDF-Anhang entfernen"), required=False)
