"""Forms only collect input; apps.events.services checks it."""

import datetime as dt

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import CAPACITY_MAX, DESCRIPTION_MAX, PLACE_MAX, TITLE_MAX, Event


class EventForm(forms.Form):
    municipality = forms.ChoiceField(label=_("Gemeinde"))
    title = forms.CharField(
        label=_("Titel"), max_length=TITLE_MAX * 4, help_text=_("Höchstens 120 Zeichen.")
    )
    description = forms.CharField(
        label=_("Beschreibung"),
        required=False,
        max_length=DESCRIPTION_MAX * 4,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Höchstens 5000 Zeichen. Links werden anklickbar."),
    )
    all_day = forms.BooleanField(
        label=_("Ganztägig"),
        required=False,
        help_text=_("Dann braucht es keine Uhrzeiten."),
    )
    start_date = forms.DateField(
        label=_("Datum (Beginn)"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    start_time = forms.TimeField(
        label=_("Uhrzeit (Beginn)"),
        required=False,
        help_text=_("Leer lassen bei ganztägigen Veranstaltungen."),
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )
    end_date = forms.DateField(
        label=_("Datum (Ende)"),
        required=False,
        help_text=_("Leer lassen, wenn es am selben Tag endet."),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    end_time = forms.TimeField(
        label=_("Uhrzeit (Ende)"),
        required=False,
        help_text=_("Leer lassen bei ganztägigen Veranstaltungen."),
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )
    place_name = forms.CharField(
        label=_("Ort"),
        required=False,
        max_length=PLACE_MAX * 4,
        help_text=_("Zum Beispiel: Dorfgemeinschaftshaus, Hauptstraße 3"),
    )
    latitude = forms.FloatField(
        label=_("Breitengrad"),
        required=False,
        help_text=_("Für die Karte, zum Beispiel 48.8612. Nur in Deutschland."),
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    longitude = forms.FloatField(
        label=_("Längengrad"),
        required=False,
        help_text=_("Zum Beispiel 10.6523."),
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    capacity = forms.IntegerField(
        label=_("Plätze"),
        required=False,
        min_value=1,
        max_value=CAPACITY_MAX,
        help_text=_("Leer lassen, wenn beliebig viele kommen können."),
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    audience = forms.ChoiceField(
        label=_("Wer soll die Veranstaltung sehen?"),
        choices=Event.Audience.choices,
        initial=Event.Audience.PUBLIC,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, municipalities=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.municipalities = {m.slug: m for m in municipalities}
        self.fields["municipality"].choices = [(m.slug, m.name) for m in municipalities]

    def service_values(self) -> dict:
        """The cleaned input as the service's keyword arguments (times in Berlin time)."""
        data = self.cleaned_data
        values = {
            "title": data["title"],
            "description": data["description"],
            "all_day": data["all_day"],
            "place_name": data["place_name"],
            "latitude": data["latitude"],
            "longitude": data["longitude"],
            "capacity": data["capacity"],
            "audience": data["audience"],
        }
        start_date, end_date = data["start_date"], data["end_date"]
        if data["all_day"]:
            values.update(start_date=start_date, end_date=end_date)
        else:
            start_time, end_time = data["start_time"], data["end_time"]
            values["starts_at"] = (
                dt.datetime.combine(start_date, start_time) if start_time else None
            )
            values["ends_at"] = (
                dt.datetime.combine(end_date or start_date, end_time) if end_time else None
            )
        return values


def initial_for(event: Event) -> dict:
    start, end = event.local_start, event.local_end
    return {
        "municipality": event.municipality.slug,
        "title": event.title,
        "description": event.description,
        "all_day": event.all_day,
        "start_date": start.date(),
        "start_time": None if event.all_day else start.time().replace(second=0, microsecond=0),
        "end_date": event.end_date,
        "end_time": None if event.all_day else end.time().replace(second=0, microsecond=0),
        "place_name": event.place_name,
        "latitude": event.latitude,
        "longitude": event.longitude,
        "capacity": event.capacity,
        "audience": event.audience,
    }


# Where the service's error for a field is shown on the form.
SERVICE_FIELDS = {"starts_at": "start_time", "ends_at": "end_time"}
