"""Reads of events: the calendar, month pages, one event, attendees, and the pages of the API
(cut by a keyset cursor on start and id, never by OFFSET)."""

import datetime as dt
from dataclasses import dataclass
from itertools import groupby

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.core.cursors import decode_time_cursor, encode_time_cursor
from apps.core.ids import parse_id
from apps.places.models import Municipality
from apps.places.selectors import readable_municipality_ids

from .models import Attendance, Event
from .permissions import can_read_event, visible_events

PAGE_SIZE = 20
PAGE_SIZE_MAX = 50
# Month pages reach this far; beyond, nothing can be planned (see services.MAX_AHEAD).
YEAR_MIN, YEAR_MAX = 2000, 2100
FEED_PAST = dt.timedelta(days=90)
FEED_MAX = 500


def _tz():
    return timezone.get_default_timezone()


def local_midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time()), _tz())


def event_get_for_user(*, user, event_id) -> Event:
    """An event the user may see; a hidden one answers like a missing one."""
    event = (
        Event.objects.select_related("municipality", "created_by")
        .filter(pk=parse_id(event_id))
        .first()
    )
    if event is None or not can_read_event(user, event):
        raise Http404
    return event


def _upcoming(qs: QuerySet[Event], now: dt.datetime | None = None) -> QuerySet[Event]:
    """Not cancelled and not over (an event under way still counts)."""
    return qs.filter(cancelled_at__isnull=True, ends_at__gt=now or timezone.now())


def _ordered(qs: QuerySet[Event]) -> QuerySet[Event]:
    return qs.select_related("municipality", "created_by").order_by("starts_at", "id")


def upcoming_public_events(*, municipality: Municipality, limit: int = 10) -> list[Event]:
    """Upcoming, not cancelled, public events of one municipality, soonest first (for the
    notice board). Each has title, starts_at, ends_at, all_day and place_name."""
    qs = Event.objects.filter(municipality=municipality, audience=Event.Audience.PUBLIC)
    return list(_ordered(_upcoming(qs))[: max(1, min(limit, PAGE_SIZE_MAX))])


def calendar_municipality_ids(*, user) -> list[int]:
    """The municipalities whose events a signed-in person's calendar shows."""
    return readable_municipality_ids(user=user)


def upcoming_events(
    *, user, municipality: Municipality | None = None, limit: int = 100
) -> list[Event]:
    """The calendar: upcoming events the user may see, of one municipality or of those the
    user reads."""
    qs = visible_events(user)
    if municipality is not None:
        qs = qs.filter(municipality=municipality)
    else:
        qs = qs.filter(municipality_id__in=calendar_municipality_ids(user=user))
    return list(_ordered(_upcoming(qs))[:limit])


def parse_month(value: str | None) -> tuple[int, int] | None:
    """ "2026-12" → (2026, 12); empty → None; anything else is a ValidationError."""
    if not value:
        return None
    try:
        year_text, month_text = value.split("-")
        if len(year_text) != 4 or len(month_text) != 2:
            raise ValueError
        year, month = int(year_text), int(month_text)
    except ValueError as exc:
        raise ValidationError({"monat": _("Bitte gib den Monat als JJJJ-MM an.")}) from exc
    if not (YEAR_MIN <= year <= YEAR_MAX and 1 <= month <= 12):
        raise ValidationError({"monat": _("Diesen Monat gibt es im Kalender nicht.")})
    return year, month


def month_bounds(year: int, month: int) -> tuple[dt.datetime, dt.datetime]:
    """Local midnight of the month's first day and of the next month's first day."""
    first = dt.date(year, month, 1)
    following = dt.date(year + 1, 1, 1) if month == 12 else dt.date(year, month + 1, 1)
    return local_midnight(first), local_midnight(following)


@dataclass
class Day:
    date: dt.date
    events: list[Event]


def month_events(
    *, user, year: int, month: int, municipality: Municipality | None = None
) -> list[Day]:
    """Every event that touches the month (cancelled ones included, marked as such), grouped
    by day: an event that began before the month is listed on its first day."""
    start, end = month_bounds(year, month)
    qs = visible_events(user).filter(starts_at__lt=end, ends_at__gt=start)
    if municipality is not None:
        qs = qs.filter(municipality=municipality)
    else:
        qs = qs.filter(municipality_id__in=calendar_municipality_ids(user=user))
    events = list(_ordered(qs)[:500])
    first_day = start.date()

    def day_of(event: Event) -> dt.date:
        return max(timezone.localtime(event.starts_at, _tz()).date(), first_day)

    return [Day(date=day, events=list(group)) for day, group in groupby(events, key=day_of)]


def adjacent_months(year: int, month: int) -> tuple[str | None, str | None]:
    previous = (year - 1, 12) if month == 1 else (year, month - 1)
    following = (year + 1, 1) if month == 12 else (year, month + 1)
    fmt = "{:04d}-{:02d}"
    return (
        fmt.format(*previous) if previous[0] >= YEAR_MIN else None,
        fmt.format(*following) if following[0] <= YEAR_MAX else None,
    )


def attendees_of(*, event: Event) -> list[User]:
    """Who said "Ich komme", in the order they did. The caller checked can_manage_event."""
    return [
        attendance.user
        for attendance in Attendance.objects.filter(event=event)
        .select_related("user")
        .order_by("created_at", "id")
    ]


def attending_ids(*, user, events: list[Event]) -> set[int]:
    """Which of these events the user attends, in one query."""
    if user is None or not user.is_authenticated or not events:
        return set()
    return set(
        Attendance.objects.filter(user=user, event_id__in=[e.pk for e in events]).values_list(
            "event_id", flat=True
        )
    )


def feed_events(*, municipality: Municipality) -> list[Event]:
    """The subscribable .ics feed: the municipality's public events from 90 days back on,
    cancelled ones included so calendars show them as cancelled."""
    qs = Event.objects.filter(
        municipality=municipality,
        audience=Event.Audience.PUBLIC,
        ends_at__gt=timezone.now() - FEED_PAST,
    )
    return list(_ordered(qs)[:FEED_MAX])


# --- API pages ------------------------------------------------------------------------------


@dataclass
class EventPage:
    events: list[Event]
    next_cursor: str | None


def event_page(
    *,
    user,
    municipality_slug: str | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    include_cancelled: bool = False,
    cursor: str | None = None,
    limit: int = PAGE_SIZE,
) -> EventPage:
    """Events the user may see, soonest first. Without a municipality: those of the
    municipalities the user reads (anonymous: public events anywhere). Without dates: events
    not over yet. `date_to` is inclusive."""
    limit = max(1, min(limit, PAGE_SIZE_MAX))
    qs = visible_events(user)
    if municipality_slug:
        qs = qs.filter(municipality__slug=municipality_slug)
    elif user is not None and user.is_authenticated:
        qs = qs.filter(municipality_id__in=calendar_municipality_ids(user=user))
    if date_from and date_to and date_to < date_from:
        raise ValidationError({"to": _("Das Ende des Zeitraums liegt vor seinem Anfang.")})
    try:
        lower = local_midnight(date_from) if date_from else timezone.now()
        upper = local_midnight(date_to + dt.timedelta(days=1)) if date_to else None
    except (OverflowError, ValueError) as exc:
        raise ValidationError({"to": _("Dieses Datum ist nicht möglich.")}) from exc
    qs = qs.filter(ends_at__gt=lower)
    if upper is not None:
        qs = qs.filter(starts_at__lt=upper)
    if not include_cancelled:
        qs = qs.filter(cancelled_at__isnull=True)
    if cursor:
        starts, pk = decode_time_cursor(cursor)
        qs = qs.filter(starts_at__gte=starts).exclude(starts_at=starts, id__lte=pk)
    events = list(_ordered(qs)[: limit + 1])
    next_cursor = None
    if len(events) > limit:
        events = events[:limit]
        last = events[-1]
        next_cursor = encode_time_cursor(last.starts_at, last.pk)
    return EventPage(events=events, next_cursor=next_cursor)
