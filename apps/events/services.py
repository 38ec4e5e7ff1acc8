"""Every change to events goes through here: check, write in a transaction, then act after
commit."""

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.core.events import send_event_on_commit
from apps.core.text import clean_line, clean_text
from apps.notifications import triggers as notifications
from apps.places.models import Municipality

from .models import CAPACITY_MAX, DESCRIPTION_MAX, PLACE_MAX, TITLE_MAX, Attendance, Event
from .permissions import can_attend, can_manage_event, can_read_event, organiser_kind_for

# Germany's bounding box: a point outside is a typo, not a village event.
LAT_RANGE = (47.2, 55.1)
LON_RANGE = (5.8, 15.1)
# Plans reach at most this far ahead, and one event lasts at most this long.
MAX_AHEAD = dt.timedelta(days=5 * 366)
MAX_DURATION = dt.timedelta(days=366)


def _aware(value: dt.datetime) -> dt.datetime:
    """A time without offset is Berlin time, the time people read on their clocks. One that
    the spring clock change skips (02:30 on the last Sunday of March) does not exist."""
    if timezone.is_aware(value):
        return value
    berlin = timezone.get_default_timezone()
    aware = timezone.make_aware(value, berlin)
    # Through UTC and back: a skipped time comes back an hour later.
    if aware.astimezone(dt.UTC).astimezone(berlin).replace(tzinfo=None) != value:
        raise ValueError("skipped by the clock change")
    return aware


def _local_midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time()), timezone.get_default_timezone())


def _check_times(
    *,
    all_day: bool,
    starts_at,
    ends_at,
    start_date,
    end_date,
    errors: dict,
    now: dt.datetime,
    previous: tuple | None,
) -> tuple[dt.datetime | None, dt.datetime | None]:
    """The stored start and end, or errors. `previous` is the stored (start, end) of an edited
    event: unchanged times of an event that is already over stay acceptable."""
    if all_day:
        if not isinstance(start_date, dt.date) or isinstance(start_date, dt.datetime):
            errors["start_date"] = _("Bitte gib den ersten Tag an.")
            return None, None
        end_date = start_date if end_date is None else end_date
        if not isinstance(end_date, dt.date) or isinstance(end_date, dt.datetime):
            errors["end_date"] = _("Bitte gib den letzten Tag an.")
            return None, None
        if end_date < start_date:
            errors["end_date"] = _("Der letzte Tag darf nicht vor dem ersten liegen.")
            return None, None
        try:
            start = _local_midnight(start_date)
            end = _local_midnight(end_date + dt.timedelta(days=1))
        except (OverflowError, ValueError):
            errors["end_date"] = _("Dieses Datum ist nicht möglich.")
            return None, None
        start_field, end_field = "start_date", "end_date"
    else:
        if not isinstance(starts_at, dt.datetime):
            errors["starts_at"] = _("Bitte gib Datum und Uhrzeit des Beginns an.")
            return None, None
        if not isinstance(ends_at, dt.datetime):
            errors["ends_at"] = _("Bitte gib Datum und Uhrzeit des Endes an.")
            return None, None
        try:
            # A time like year 1 at +05:00 has no UTC form; the database would fail on it.
            start = _aware(starts_at).astimezone(dt.UTC)
        except (OverflowError, ValueError):
            errors["starts_at"] = _("Diesen Zeitpunkt gibt es nicht.")
            return None, None
        try:
            end = _aware(ends_at).astimezone(dt.UTC)
        except (OverflowError, ValueError):
            errors["ends_at"] = _("Diesen Zeitpunkt gibt es nicht.")
            return None, None
        if end <= start:
            errors["ends_at"] = _("Das Ende muss nach dem Beginn liegen.")
            return None, None
        start_field, end_field = "starts_at", "ends_at"
    if previous is not None and (start, end) == previous:
        return start, end
    if end - start > MAX_DURATION:
        errors[end_field] = _("Eine Veranstaltung dauert höchstens ein Jahr.")
    elif end <= now:
        errors[end_field] = _("Diese Veranstaltung wäre schon vorbei.")
    elif start - now > MAX_AHEAD:
        errors[start_field] = _("Der Beginn liegt zu weit in der Zukunft (höchstens fünf Jahre).")
    return start, end


def _check_point(latitude, longitude, errors: dict) -> tuple[float | None, float | None]:
    if latitude is None and longitude is None:
        return None, None
    if latitude is None or longitude is None:
        errors["latitude"] = _("Bitte gib Breiten- und Längengrad an, oder keinen von beiden.")
        return None, None
    try:
        latitude, longitude = float(latitude), float(longitude)
    except (TypeError, ValueError):
        errors["latitude"] = _("Der Ort auf der Karte ist keine gültige Koordinate.")
        return None, None
    if not (LAT_RANGE[0] <= latitude <= LAT_RANGE[1] and LON_RANGE[0] <= longitude <= LON_RANGE[1]):
        errors["latitude"] = _("Der Ort auf der Karte liegt nicht in Deutschland.")
        return None, None
    return latitude, longitude


def _check_fields(values: dict, errors: dict) -> dict:
    title = clean_line(values.get("title") or "")
    if not title:
        errors["title"] = _("Bitte gib einen Titel an.")
    elif len(title) > TITLE_MAX:
        errors["title"] = _("Der Titel darf höchstens %(max)s Zeichen lang sein.") % {
            "max": TITLE_MAX
        }
    description = clean_text(values.get("description") or "")
    if len(description) > DESCRIPTION_MAX:
        errors["description"] = _("Die Beschreibung darf höchstens %(max)s Zeichen lang sein.") % {
            "max": DESCRIPTION_MAX
        }
    place_name = clean_line(values.get("place_name") or "")
    if len(place_name) > PLACE_MAX:
        errors["place_name"] = _("Der Ort darf höchstens %(max)s Zeichen lang sein.") % {
            "max": PLACE_MAX
        }
    capacity = values.get("capacity")
    if capacity is not None and (
        isinstance(capacity, bool)
        or not isinstance(capacity, int)
        or not 1 <= capacity <= CAPACITY_MAX
    ):
        errors["capacity"] = _("Die Zahl der Plätze muss zwischen 1 und %(max)s liegen.") % {
            "max": CAPACITY_MAX
        }
    audience = values.get("audience") or Event.Audience.PUBLIC
    if audience not in Event.Audience.values:
        errors["audience"] = _("Unbekannte Sichtbarkeit.")
    return {
        "title": title,
        "description": description,
        "place_name": place_name,
        "capacity": capacity,
        "audience": audience,
    }


def _validated(values: dict, *, now: dt.datetime, previous: tuple | None = None) -> dict:
    errors: dict = {}
    cleaned = _check_fields(values, errors)
    all_day = bool(values.get("all_day"))
    cleaned["all_day"] = all_day
    cleaned["starts_at"], cleaned["ends_at"] = _check_times(
        all_day=all_day,
        starts_at=values.get("starts_at"),
        ends_at=values.get("ends_at"),
        start_date=values.get("start_date"),
        end_date=values.get("end_date"),
        errors=errors,
        now=now,
        previous=previous,
    )
    cleaned["latitude"], cleaned["longitude"] = _check_point(
        values.get("latitude"), values.get("longitude"), errors
    )
    if errors:
        raise ValidationError(errors)
    return cleaned


def event_create(
    *,
    actor,
    municipality: Municipality,
    title: str,
    description: str = "",
    all_day: bool = False,
    starts_at: dt.datetime | None = None,
    ends_at: dt.datetime | None = None,
    start_date: dt.date | None = None,
    end_date: dt.date | None = None,
    place_name: str = "",
    latitude: float | None = None,
    longitude: float | None = None,
    capacity: int | None = None,
    audience: str = Event.Audience.PUBLIC,
) -> Event:
    """Timed events take starts_at/ends_at (without offset: Berlin time); all-day events take
    start_date and end_date (the last day, inclusive; defaults to start_date)."""
    kind = organiser_kind_for(actor, municipality)
    if kind is None:
        raise PermissionDenied(_("Du kannst in dieser Gemeinde keine Veranstaltungen anlegen."))
    values = _validated(
        {
            "title": title,
            "description": description,
            "all_day": all_day,
            "starts_at": starts_at,
            "ends_at": ends_at,
            "start_date": start_date,
            "end_date": end_date,
            "place_name": place_name,
            "latitude": latitude,
            "longitude": longitude,
            "capacity": capacity,
            "audience": audience,
        },
        now=timezone.now(),
    )
    with transaction.atomic():
        event = Event.objects.create(
            municipality=municipality, organiser_kind=kind, created_by=actor, **values
        )
    return event


def event_update(
    *,
    actor,
    event: Event,
    title: str,
    description: str = "",
    all_day: bool = False,
    starts_at: dt.datetime | None = None,
    ends_at: dt.datetime | None = None,
    start_date: dt.date | None = None,
    end_date: dt.date | None = None,
    place_name: str = "",
    latitude: float | None = None,
    longitude: float | None = None,
    capacity: int | None = None,
    audience: str = Event.Audience.PUBLIC,
) -> Event:
    """Replace every field of the event (the API merges a partial change first)."""
    if not can_manage_event(actor, event):
        raise PermissionDenied(_("Nur wer die Veranstaltung anbietet, kann sie ändern."))
    if event.is_cancelled:
        raise ValidationError(_("Eine abgesagte Veranstaltung kann nicht mehr geändert werden."))
    values = _validated(
        {
            "title": title,
            "description": description,
            "all_day": all_day,
            "starts_at": starts_at,
            "ends_at": ends_at,
            "start_date": start_date,
            "end_date": end_date,
            "place_name": place_name,
            "latitude": latitude,
            "longitude": longitude,
            "capacity": capacity,
            "audience": audience,
        },
        now=timezone.now(),
        previous=(event.starts_at, event.ends_at),
    )
    with transaction.atomic():
        locked = Event.objects.select_for_update().get(pk=event.pk)
        if values["capacity"] is not None and values["capacity"] < locked.attendee_count:
            raise ValidationError(
                {
                    "capacity": _(
                        "Es haben schon %(count)s Personen zugesagt; so wenige Plätze gehen nicht."
                    )
                    % {"count": locked.attendee_count}
                }
            )
        for field, value in values.items():
            setattr(locked, field, value)
        locked.edited_at = timezone.now()
        locked.sequence = F("sequence") + 1
        locked.save(update_fields=[*values, "edited_at", "sequence"])
        locked.refresh_from_db(fields=["sequence", "attendee_count"])
        attendee_ids = list(
            Attendance.objects.filter(event_id=event.pk).values_list("user_id", flat=True)
        )
        notifications.event_changed(event=locked, attendee_ids=attendee_ids, actor=actor)
    for field in (*values, "edited_at", "sequence", "attendee_count"):
        setattr(event, field, getattr(locked, field))
    return event


def event_cancel(*, actor, event: Event) -> Event:
    """Cancel: the event stays visible as cancelled, and everyone who said "Ich komme" is
    told. Cancelling twice changes nothing and tells nobody again."""
    if not can_manage_event(actor, event):
        raise PermissionDenied(_("Nur wer die Veranstaltung anbietet, kann sie absagen."))
    now = timezone.now()
    with transaction.atomic():
        changed = Event.objects.filter(pk=event.pk, cancelled_at__isnull=True).update(
            cancelled_at=now, sequence=F("sequence") + 1
        )
        if changed:
            attendee_ids = list(
                Attendance.objects.filter(event_id=event.pk).values_list("user_id", flat=True)
            )
            _after_cancel(event, attendee_ids, actor=actor)
    event.refresh_from_db(fields=["cancelled_at", "sequence"])
    return event


def _after_cancel(event: Event, attendee_ids: list[int], actor=None) -> None:
    """Tell the attendees that the event is cancelled, after commit. A live frame to each
    attendee's sockets and a line in their notification centres (not the canceller's)."""
    if attendee_ids:
        notifications.event_cancelled(event=event, attendee_ids=attendee_ids, actor=actor)
        send_event_on_commit(
            attendee_ids, {"type": "events.cancelled", "event": event.pk, "title": event.title}
        )


def rsvp_add(*, user, event: Event) -> tuple[bool, int]:
    """Say "Ich komme". Returns whether the user attends now and the count. A full event
    refuses; two people racing for the last seat cannot both get it: the counter only moves
    under a conditional update, which PostgreSQL re-checks after the other's commit."""
    if not can_attend(user, event):
        raise PermissionDenied(_("Du kannst zu dieser Veranstaltung nicht zusagen."))
    if event.is_cancelled:
        raise ValidationError(_("Diese Veranstaltung ist abgesagt."))
    if event.is_over:
        raise ValidationError(_("Diese Veranstaltung ist schon vorbei."))
    with transaction.atomic():
        try:
            with transaction.atomic():
                Attendance.objects.create(event_id=event.pk, user=user)
        except IntegrityError:
            # Already attending (a second tap): nothing changes.
            return True, _count(event)
        taken = (
            Event.objects.filter(pk=event.pk, cancelled_at__isnull=True)
            .filter(Q(capacity__isnull=True) | Q(attendee_count__lt=F("capacity")))
            .update(attendee_count=F("attendee_count") + 1)
        )
        if not taken:
            raise ValidationError(_("Leider sind alle Plätze vergeben."))
    return True, _count(event)


def rsvp_remove(*, user, event: Event) -> tuple[bool, int]:
    """Take the "Ich komme" back. Returns (False, count)."""
    if user is None or not user.is_authenticated or not can_read_event(user, event):
        raise PermissionDenied(_("Du kannst hier nicht absagen."))
    with transaction.atomic():
        deleted, _counts = Attendance.objects.filter(event_id=event.pk, user=user).delete()
        if deleted:
            Event.objects.filter(pk=event.pk, attendee_count__gt=0).update(
                attendee_count=F("attendee_count") - 1
            )
    return False, _count(event)


def _count(event: Event) -> int:
    event.attendee_count = (
        Event.objects.filter(pk=event.pk).values_list("attendee_count", flat=True).first() or 0
    )
    return event.attendee_count
