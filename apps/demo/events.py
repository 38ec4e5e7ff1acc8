"""Demo events: town-hall events in every demo municipality, a resident's event where the
municipality allows it, "Ich komme" from demo people, one cancelled and one all-day event.
Written through the event services like real ones; running the seed again replaces them."""

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from django.utils import timezone

from apps.events import services
from apps.events.models import Attendance, Event
from apps.events.permissions import can_attend, organiser_kind_for

from .feed import ANNA, HANS, JONAS, KARL, LENA, MARIA, PETRA, SABINE, THOMAS

PUBLIC = Event.Audience.PUBLIC
MEMBERS = Event.Audience.MEMBERS

# (municipality slug, organiser email, title, days ahead, (start, end) or None for all day,
#  extra days of an all-day event, place, point, capacity, audience, description, attendees,
#  cancelled)
EVENTS = [
    (
        "lindenbach", PETRA, "Seniorennachmittag im Pfarrheim", 3, ("14:30", "17:00"), 0,
        "Pfarrheim, Kirchgasse 2", (48.8615, 10.6531), 30, PUBLIC,
        "Kaffee, Kuchen und ein Lichtbildervortrag über Lindenbach früher. Wer abgeholt "
        "werden möchte, meldet sich bitte im Rathaus.",
        [ANNA, KARL, MARIA], False,
    ),
    (
        "lindenbach", PETRA, "Gemeinderatssitzung", 9, ("19:00", "21:00"), 0,
        "Rathaus, Sitzungssaal", (48.8610, 10.6520), None, PUBLIC,
        "Öffentliche Sitzung. Auf der Tagesordnung: Sanierung der Ortsdurchfahrt und der "
        "neue Spielplatz.",
        [KARL], False,
    ),
    (
        "lindenbach", PETRA, "Weihnachtsmarkt am Dorfplatz", 20, None, 1,
        "Dorfplatz", None, None, PUBLIC,
        "Zwei Tage Glühwein, Bratwurst und Selbstgemachtes von Vereinen und Nachbarn.",
        [ANNA, JONAS, LENA, HANS], False,
    ),
    (
        "lindenbach", PETRA, "Laternenumzug", 5, ("17:30", "19:00"), 0,
        "Start am Kindergarten", None, None, PUBLIC,
        "Mit der Blaskapelle durchs Dorf, danach Kinderpunsch am Feuerwehrhaus.",
        [ANNA, KARL], True,
    ),
    (
        "oberau", THOMAS, "Bürgerversammlung", 6, ("19:30", "21:30"), 0,
        "Mehrzweckhalle Oberau", (48.8953, 10.7015), None, MEMBERS,
        "Die Bürgermeisterin berichtet aus dem Gemeinderat; Fragen sind willkommen.",
        [JONAS, MARIA], False,
    ),
    (
        "oberau", THOMAS, "Blutspende im Feuerwehrhaus", 14, ("15:00", "19:30"), 0,
        "Feuerwehrhaus Oberau", None, 60, PUBLIC,
        "Bitte den Personalausweis mitbringen. Für Erstspender gibt es ein kleines Geschenk.",
        [MARIA], False,
    ),
    (
        "oberau", JONAS, "Spieleabend im Dorfgemeinschaftshaus", 4, ("19:00", "22:00"), 0,
        "Dorfgemeinschaftshaus", None, 12, PUBLIC,
        "Brettspiele und Karten, jeder bringt ein Spiel mit. Getränke sind da.",
        [MARIA, ANNA], False,
    ),
    (
        "kirchwald", SABINE, "Wanderung zur Waldkapelle", 8, ("10:00", "13:00"), 0,
        "Treffpunkt Kirchplatz", (48.8305, 10.5910), 25, PUBLIC,
        "Gemütliche Runde, etwa 6 km. Festes Schuhwerk empfohlen.",
        [LENA, HANS], False,
    ),
    (
        "kirchwald", SABINE, "Flohmarkt rund um die Kirche", 15, None, 0,
        "Kirchplatz Kirchwald", None, None, PUBLIC,
        "Standplätze kostenlos, Aufbau ab 7 Uhr.",
        [LENA], False,
    ),
]  # fmt: skip

TITLES = [row[2] for row in EVENTS]


@dataclass
class EventSummary:
    events: int
    cancelled: int
    attendances: int
    skipped: int

    def __str__(self) -> str:
        text = (
            f"Events: {self.events} events ({self.cancelled} cancelled), {self.attendances} RSVPs"
        )
        if self.skipped:
            text += f"; {self.skipped} resident events skipped (residents may not create events)"
        return text


def _at(now: dt.datetime, days: int, clock: str) -> dt.datetime:
    day = timezone.localtime(now).date() + dt.timedelta(days=days)
    hour, minute = (int(part) for part in clock.split(":"))
    return dt.datetime.combine(day, dt.time(hour, minute))  # Berlin time, as people enter it


def seed_events(*, people: Sequence, municipalities: Mapping, now: dt.datetime) -> EventSummary:
    by_email = {person.email.lower(): person for person in people}
    # The demo events of an earlier run go; anything else demo people made stays.
    Event.objects.filter(created_by__in=list(people), title__in=TITLES).delete()
    summary = EventSummary(events=0, cancelled=0, attendances=0, skipped=0)
    for row in EVENTS:
        (slug, organiser, title, days, clock, extra_days, place, point, capacity, audience,
         description, attendees, cancelled) = row  # fmt: skip
        municipality = municipalities[slug]
        actor = by_email[organiser]
        if organiser_kind_for(actor, municipality) is None:
            summary.skipped += 1
            continue
        if clock is None:
            first = timezone.localtime(now).date() + dt.timedelta(days=days)
            times = {
                "all_day": True,
                "start_date": first,
                "end_date": first + dt.timedelta(days=extra_days),
            }
        else:
            times = {"starts_at": _at(now, days, clock[0]), "ends_at": _at(now, days, clock[1])}
        latitude, longitude = point or (None, None)
        event = services.event_create(
            actor=actor,
            municipality=municipality,
            title=title,
            description=description,
            place_name=place,
            latitude=latitude,
            longitude=longitude,
            capacity=capacity,
            audience=audience,
            **times,
        )
        for email in attendees:
            person = by_email[email]
            if can_attend(person, event):
                services.rsvp_add(user=person, event=event)
        if cancelled:
            services.event_cancel(actor=actor, event=event)
            summary.cancelled += 1
        summary.events += 1
    summary.attendances = Attendance.objects.filter(
        event__created_by__in=list(people), event__title__in=TITLES
    ).count()
    return summary
