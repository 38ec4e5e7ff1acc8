"""iCalendar (RFC 5545) output: one event, or a municipality's subscribable feed."""

import datetime as dt
from collections.abc import Iterable
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar
from icalendar import Event as VEvent

from .models import Event

PRODID = "-//DorfFunk//Veranstaltungen//DE"


def uid_host() -> str:
    """The host in every UID: the public address of the installation, so a UID stays the same
    whichever address a calendar app used to fetch it."""
    return urlsplit(settings.SITE_URL).hostname or "localhost"


def event_uid(event: Event) -> str:
    return f"event-{event.pk}@{uid_host()}"


def _vevent(event: Event, *, base_url: str, stamp: dt.datetime) -> VEvent:
    item = VEvent()
    item.add("uid", event_uid(event))
    item.add("dtstamp", stamp)
    if event.all_day:
        item.add("dtstart", event.start_date)
        # DTEND of an all-day event is the day after the last one (exclusive).
        item.add("dtend", event.end_date + dt.timedelta(days=1))
    else:
        item.add("dtstart", timezone.localtime(event.starts_at))
        item.add("dtend", timezone.localtime(event.ends_at))
    item.add("summary", event.title)
    if event.description:
        item.add("description", event.description)
    if event.place_name:
        item.add("location", event.place_name)
    if event.has_point:
        item.add("geo", (event.latitude, event.longitude))
    item.add("url", base_url + reverse("events:detail", kwargs={"pk": event.pk}))
    item.add("status", "CANCELLED" if event.is_cancelled else "CONFIRMED")
    item.add("sequence", event.sequence)
    item.add("created", event.created_at)
    item.add("last-modified", event.cancelled_at or event.edited_at or event.created_at)
    item.add("class", "PUBLIC" if event.audience == Event.Audience.PUBLIC else "PRIVATE")
    return item


def build_calendar(events: Iterable[Event], *, base_url: str, name: str) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", settings.TIME_ZONE)
    stamp = timezone.now().astimezone(dt.UTC).replace(microsecond=0)
    for event in events:
        calendar.add_component(_vevent(event, base_url=base_url, stamp=stamp))
    # The VTIMEZONE of Europe/Berlin, which every local DTSTART/DTEND refers to.
    calendar.add_missing_timezones()
    return calendar


def ics_response(calendar: Calendar, *, filename: str) -> HttpResponse:
    response = HttpResponse(calendar.to_ical(), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response
