"""iCalendar output, parsed back with the icalendar library: the properties RFC 5545
requires, stable UIDs, all-day dates with an exclusive end, Berlin times across the clock
change, GEO, and cancelled events as STATUS:CANCELLED."""

import datetime as dt

import pytest
from django.test import override_settings
from icalendar import Calendar

from apps.events import services
from apps.events.ics import uid_host
from apps.events.models import Event

from .conftest import make_event

pytestmark = pytest.mark.django_db


def parse(response) -> Calendar:
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    raw = response.content
    # RFC 5545 3.1: lines end in CRLF and are folded at 75 octets.
    assert raw.endswith(b"\r\n")
    assert all(len(line) <= 75 for line in raw.split(b"\r\n"))
    return Calendar.from_ical(raw)


def vevents(calendar: Calendar) -> dict[str, object]:
    return {str(item["UID"]): item for item in calendar.walk("VEVENT")}


def assert_valid(calendar: Calendar) -> None:
    """What RFC 5545 requires of a calendar and each of its events."""
    assert calendar["VERSION"] == "2.0"
    assert str(calendar["PRODID"]).startswith("-//DorfFunk//")
    for item in calendar.walk("VEVENT"):
        for name in ("UID", "DTSTAMP", "DTSTART"):
            assert name in item, name
        assert item["DTSTAMP"].dt.tzinfo is not None  # a UTC time
        end, start = item["DTEND"].dt, item["DTSTART"].dt
        assert type(end) is type(start) and end > start
    tzids = {str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")}
    for item in calendar.walk("VEVENT"):
        if "TZID" in item["DTSTART"].params:
            assert item["DTSTART"].params["TZID"] in tzids


@override_settings(SITE_URL="https://dorffunk.example")
def test_one_event_as_ics(client, people, village):
    event = make_event(
        people["editor"],
        village,
        title="Kirchweih, mit Umzug; ab 10 Uhr",
        description="Erst Gottesdienst,\ndann Umzug.",
        place_name="Kirchplatz 1, Heimdorf",
        latitude=48.8012,
        longitude=10.6034,
        starts_at=dt.datetime(2027, 10, 31, 10, 0),
        ends_at=dt.datetime(2027, 10, 31, 12, 0),
    )
    calendar = parse(client.get(f"/veranstaltungen/{event.pk}.ics"))
    assert_valid(calendar)
    item = vevents(calendar)[f"event-{event.pk}@dorffunk.example"]
    assert str(item["SUMMARY"]) == "Kirchweih, mit Umzug; ab 10 Uhr"
    assert str(item["DESCRIPTION"]) == "Erst Gottesdienst,\ndann Umzug."
    assert str(item["LOCATION"]) == "Kirchplatz 1, Heimdorf"
    assert (item["GEO"].latitude, item["GEO"].longitude) == (48.8012, 10.6034)
    assert str(item["URL"]) == f"http://testserver/veranstaltungen/{event.pk}/"
    assert str(item["STATUS"]) == "CONFIRMED"
    # The last Sunday of October: 10:00 Berlin is 09:00 UTC (CET, after the change).
    start, end = item["DTSTART"].dt, item["DTEND"].dt
    assert item["DTSTART"].params["TZID"] == "Europe/Berlin"
    assert (start.hour, end.hour) == (10, 12)
    assert start.astimezone(dt.UTC) == dt.datetime(2027, 10, 31, 9, 0, tzinfo=dt.UTC)
    assert len(calendar.walk("VTIMEZONE")) == 1


def test_all_day_event_has_dates_and_an_exclusive_end(client, people, village):
    event = make_event(
        people["editor"],
        village,
        all_day=True,
        start_date=dt.date(2027, 10, 30),
        end_date=dt.date(2027, 10, 31),
    )
    raw = client.get(f"/veranstaltungen/{event.pk}.ics").content.decode()
    assert "DTSTART;VALUE=DATE:20271030\r\n" in raw
    assert "DTEND;VALUE=DATE:20271101\r\n" in raw
    calendar = Calendar.from_ical(raw)
    assert_valid(calendar)
    item = calendar.walk("VEVENT")[0]
    assert item["DTSTART"].dt == dt.date(2027, 10, 30)
    assert item["DTEND"].dt == dt.date(2027, 11, 1)


def test_cancelled_event_is_cancelled_in_the_ics_with_a_higher_sequence(client, people, village):
    event = make_event(people["editor"], village)
    before = Calendar.from_ical(client.get(f"/veranstaltungen/{event.pk}.ics").content)
    services.event_cancel(actor=people["editor"], event=event)
    after = parse(client.get(f"/veranstaltungen/{event.pk}.ics"))
    old, new = before.walk("VEVENT")[0], after.walk("VEVENT")[0]
    assert str(new["STATUS"]) == "CANCELLED"
    assert new["UID"] == old["UID"]
    assert int(new["SEQUENCE"]) > int(old["SEQUENCE"])


def test_municipality_feed_lists_its_public_events_and_its_cancelled_ones(client, people, village):
    editor = people["editor"]
    first = make_event(editor, village, title="Erstes")
    second = make_event(editor, village, title="Zweites", all_day=True)
    make_event(editor, village, title="Intern", audience=Event.Audience.MEMBERS)
    cancelled = make_event(editor, village, title="Fällt aus")
    services.event_cancel(actor=editor, event=cancelled)
    from tests.factories import editor_of

    make_event(
        editor_of(people["other_editor"].home_municipality),
        people["other_editor"].home_municipality,
        title="Anderswo",
    )
    calendar = parse(client.get("/gemeinden/heimdorf/veranstaltungen.ics"))
    assert_valid(calendar)
    assert str(calendar["X-WR-CALNAME"]) == "Veranstaltungen in Heimdorf"
    items = {str(item["SUMMARY"]): item for item in calendar.walk("VEVENT")}
    assert set(items) == {"Erstes", "Zweites", "Fällt aus"}
    assert str(items["Fällt aus"]["STATUS"]) == "CANCELLED"
    uids = [str(item["UID"]) for item in calendar.walk("VEVENT")]
    assert len(set(uids)) == len(uids)
    assert {uid.split("@")[0] for uid in uids} == {
        f"event-{first.pk}",
        f"event-{second.pk}",
        f"event-{cancelled.pk}",
    }
    # Soonest first: the all-day event starts at midnight, before the evening one.
    assert [str(item["SUMMARY"]) for item in calendar.walk("VEVENT")][:2] == ["Zweites", "Erstes"]


def test_empty_feed_is_still_a_valid_calendar(client, village):
    calendar = parse(client.get("/gemeinden/heimdorf/veranstaltungen.ics"))
    assert calendar["VERSION"] == "2.0"
    assert calendar.walk("VEVENT") == []


def test_uid_stays_the_same_whatever_host_asked(client, people, public_event):
    first = client.get(f"/veranstaltungen/{public_event.pk}.ics").content
    second = client.get(f"/veranstaltungen/{public_event.pk}.ics", HTTP_HOST="127.0.0.1").content
    uids = [str(Calendar.from_ical(raw).walk("VEVENT")[0]["UID"]) for raw in (first, second)]
    assert uids[0] == uids[1] == f"event-{public_event.pk}@{uid_host()}"
