"""The event services: who may create, change, cancel and attend; what input is refused;
capacity under concurrency; and that cancelling tells the attendees after commit."""

import datetime as dt
import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, connections
from django.utils import timezone

from apps.core import events as live_events
from apps.events import services
from apps.events.models import Attendance, Event
from apps.events.selectors import upcoming_public_events
from tests.factories import UserFactory

from .conftest import berlin, make_event, soon

pytestmark = pytest.mark.django_db

ON_POSTGRES = connection.vendor == "postgresql"


# --- Creating: who, and as which organiser ---------------------------------------------------


def test_editor_creates_a_town_hall_event(village, people):
    event = make_event(people["editor"], village)
    assert event.organiser_kind == Event.OrganiserKind.TOWN_HALL
    assert event.organiser_name == "Rathaus Heimdorf"
    assert event.created_by == people["editor"]


@pytest.mark.parametrize("role", ["resident", "moderator", "other_resident", "other_editor"])
def test_only_editors_create_events_where_residents_may_not(village, people, role):
    with pytest.raises(PermissionDenied):
        make_event(people[role], village)
    assert Event.objects.count() == 0


def test_resident_creates_an_event_where_the_municipality_allows_it(village, people):
    village.residents_may_create_events = True
    village.save()
    event = make_event(people["resident"], village)
    assert event.organiser_kind == Event.OrganiserKind.RESIDENT
    assert event.organiser_name == people["resident"].public_name


def test_residents_of_another_village_cannot_create_there_even_when_allowed(village, people):
    village.residents_may_create_events = True
    village.save()
    with pytest.raises(PermissionDenied):
        make_event(people["other_resident"], village)


def test_unconfirmed_editor_cannot_create(village, people):
    editor = people["editor"]
    editor.email_confirmed_at = None
    editor.save()
    with pytest.raises(PermissionDenied):
        make_event(editor, village)


# --- Bad input: a clear error on the field, nothing saved ------------------------------------

LATER = soon()
BAD_INPUT = {
    "empty_title": ({"title": "   "}, "title"),
    "long_title": ({"title": "x" * 121}, "title"),
    "long_description": ({"description": "x" * 5001}, "description"),
    "long_place": ({"place_name": "x" * 201}, "place_name"),
    "end_before_start": ({"starts_at": LATER, "ends_at": LATER - dt.timedelta(hours=1)}, "ends_at"),
    "end_equals_start": ({"starts_at": LATER, "ends_at": LATER}, "ends_at"),
    "no_start": ({"starts_at": None, "ends_at": LATER}, "starts_at"),
    "no_end": ({"starts_at": LATER, "ends_at": None}, "ends_at"),
    "already_over": (
        {"starts_at": berlin(2020, 5, 1, 10, 0), "ends_at": berlin(2020, 5, 1, 12, 0)},
        "ends_at",
    ),
    "year_one": (
        {"starts_at": dt.datetime(1, 1, 1, 0, 0), "ends_at": dt.datetime(1, 1, 1, 2, 0)},
        "starts_at",
    ),
    "year_9999": (
        {"starts_at": berlin(9999, 12, 31, 10, 0), "ends_at": berlin(9999, 12, 31, 12, 0)},
        "starts_at",
    ),
    "lasts_two_years": ({"starts_at": LATER, "ends_at": LATER + dt.timedelta(days=800)}, "ends_at"),
    "all_day_last_before_first": (
        {"all_day": True, "start_date": LATER.date(), "end_date": LATER.date() - dt.timedelta(1)},
        "end_date",
    ),
    "all_day_without_date": ({"all_day": True, "start_date": None}, "start_date"),
    "all_day_year_9999": (
        {"all_day": True, "start_date": dt.date(9999, 12, 31)},
        "end_date",
    ),
    "point_in_paris": ({"latitude": 48.8566, "longitude": 2.3522}, "latitude"),
    "point_in_vienna": ({"latitude": 48.2082, "longitude": 16.3738}, "latitude"),
    "only_latitude": ({"latitude": 48.8}, "latitude"),
    "nan_point": ({"latitude": float("nan"), "longitude": 10.0}, "latitude"),
    "capacity_zero": ({"capacity": 0}, "capacity"),
    "capacity_huge": ({"capacity": 10**9}, "capacity"),
    "capacity_bool": ({"capacity": True}, "capacity"),
    "unknown_audience": ({"audience": "everyone"}, "audience"),
}


@pytest.mark.parametrize(("fields", "field"), list(BAD_INPUT.values()), ids=list(BAD_INPUT))
def test_bad_input_names_the_field_and_saves_nothing(village, people, fields, field):
    with pytest.raises(ValidationError) as caught:
        make_event(people["editor"], village, **fields)
    assert field in caught.value.message_dict
    assert Event.objects.count() == 0


def test_point_at_the_edge_of_germany_is_accepted(village, people):
    event = make_event(people["editor"], village, latitude=54.9, longitude=8.3)
    assert (event.latitude, event.longitude) == (54.9, 8.3)


def test_text_is_cleaned_of_control_and_invisible_characters(village, people):
    event = make_event(
        people["editor"], village, title="  Dorf\u200bfest\t ", place_name="Halle\x07 1"
    )
    assert (event.title, event.place_name) == ("Dorffest", "Halle 1")


# --- Times: Berlin on the clock, UTC in the database -----------------------------------------


def test_naive_times_are_berlin_time(village, people):
    start = dt.datetime(2027, 7, 1, 19, 0)
    event = make_event(
        people["editor"], village, starts_at=start, ends_at=start + dt.timedelta(hours=2)
    )
    event.refresh_from_db()
    assert event.starts_at == dt.datetime(2027, 7, 1, 17, 0, tzinfo=dt.UTC)


def test_event_on_the_last_sunday_of_october_keeps_its_wall_clock_times(village, people):
    # 2027-10-31: clocks go back from 03:00 CEST to 02:00 CET.
    event = make_event(
        people["editor"],
        village,
        starts_at=dt.datetime(2027, 10, 31, 10, 0),
        ends_at=dt.datetime(2027, 10, 31, 12, 0),
    )
    event.refresh_from_db()
    assert event.starts_at == dt.datetime(2027, 10, 31, 9, 0, tzinfo=dt.UTC)
    assert event.local_start.hour == 10 and event.local_end.hour == 12


def test_night_across_the_clock_change_lasts_an_hour_longer(village, people):
    event = make_event(
        people["editor"],
        village,
        starts_at=dt.datetime(2027, 10, 30, 23, 0),
        ends_at=dt.datetime(2027, 10, 31, 4, 0),
    )
    assert event.ends_at - event.starts_at == dt.timedelta(hours=6)


def test_all_day_event_spans_local_midnights_also_on_the_clock_change(village, people):
    event = make_event(people["editor"], village, all_day=True, start_date=dt.date(2027, 10, 31))
    event.refresh_from_db()
    assert event.starts_at == dt.datetime(2027, 10, 30, 22, 0, tzinfo=dt.UTC)
    assert event.ends_at == dt.datetime(2027, 10, 31, 23, 0, tzinfo=dt.UTC)
    assert (event.start_date, event.end_date) == (dt.date(2027, 10, 31), dt.date(2027, 10, 31))


def test_multi_day_all_day_event_keeps_its_last_day(village, people):
    event = make_event(
        people["editor"],
        village,
        all_day=True,
        start_date=dt.date(2027, 6, 5),
        end_date=dt.date(2027, 6, 7),
    )
    assert (event.start_date, event.end_date) == (dt.date(2027, 6, 5), dt.date(2027, 6, 7))


# --- Changing and cancelling -----------------------------------------------------------------


def _values(event, **changes) -> dict:
    values = {
        "title": event.title,
        "description": event.description,
        "all_day": event.all_day,
        "starts_at": event.starts_at,
        "ends_at": event.ends_at,
        "start_date": event.start_date,
        "end_date": event.end_date,
        "place_name": event.place_name,
        "latitude": event.latitude,
        "longitude": event.longitude,
        "capacity": event.capacity,
        "audience": event.audience,
    }
    return {**values, **changes}


def test_any_editor_of_the_town_hall_changes_its_event(village, people, public_event):
    from tests.factories import editor_of

    colleague = editor_of(village)
    services.event_update(actor=colleague, event=public_event, **_values(public_event, title="Neu"))
    public_event.refresh_from_db()
    assert public_event.title == "Neu" and public_event.sequence == 1
    assert public_event.edited_at is not None


@pytest.mark.parametrize("role", ["resident", "moderator", "other_resident", "other_editor"])
def test_others_cannot_change_or_cancel_a_town_hall_event(people, public_event, role):
    with pytest.raises(PermissionDenied):
        services.event_update(actor=people[role], event=public_event, **_values(public_event))
    with pytest.raises(PermissionDenied):
        services.event_cancel(actor=people[role], event=public_event)
    public_event.refresh_from_db()
    assert public_event.cancelled_at is None and public_event.sequence == 0


def test_a_residents_event_is_managed_by_that_resident_only(village, people):
    village.residents_may_create_events = True
    village.save()
    event = make_event(people["resident"], village)
    neighbour = UserFactory(home_municipality=village)
    with pytest.raises(PermissionDenied):
        services.event_cancel(actor=neighbour, event=event)
    with pytest.raises(PermissionDenied):
        services.event_cancel(actor=people["editor"], event=event)
    services.event_cancel(actor=people["resident"], event=event)
    assert event.is_cancelled


def test_a_past_event_can_still_be_corrected_when_its_times_stay(village, people, public_event):
    past = timezone.now() - dt.timedelta(days=2)
    Event.objects.filter(pk=public_event.pk).update(
        starts_at=past, ends_at=past + dt.timedelta(hours=1)
    )
    public_event.refresh_from_db()
    services.event_update(
        actor=people["editor"], event=public_event, **_values(public_event, title="Nachlese")
    )
    assert Event.objects.get(pk=public_event.pk).title == "Nachlese"


def test_capacity_cannot_drop_below_those_who_already_said_yes(people, village):
    event = make_event(people["editor"], village, capacity=5)
    for role in ("resident", "moderator"):
        services.rsvp_add(user=people[role], event=event)
    with pytest.raises(ValidationError) as caught:
        services.event_update(actor=people["editor"], event=event, **_values(event, capacity=1))
    assert "capacity" in caught.value.message_dict
    assert Event.objects.get(pk=event.pk).capacity == 5


def test_cancelled_event_cannot_be_changed(people, public_event):
    services.event_cancel(actor=people["editor"], event=public_event)
    with pytest.raises(ValidationError):
        services.event_update(actor=people["editor"], event=public_event, **_values(public_event))


@pytest.fixture
def published(monkeypatch):
    """The (user id, frame) pairs handed to the socket layer."""
    sent: list[tuple[int, dict]] = []
    monkeypatch.setattr(live_events, "send_events_now", lambda frames: sent.extend(frames))
    return sent


def test_cancelling_tells_every_attendee_after_commit(
    people, public_event, published, django_capture_on_commit_callbacks
):
    for role in ("resident", "other_resident"):
        services.rsvp_add(user=people[role], event=public_event)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.event_cancel(actor=people["editor"], event=public_event)
    assert published == []  # nothing before commit
    for callback in callbacks:
        callback()
    frame = {"type": "events.cancelled", "event": public_event.pk, "title": public_event.title}
    assert sorted(published, key=lambda pair: pair[0]) == sorted(
        [(people["resident"].pk, frame), (people["other_resident"].pk, frame)],
        key=lambda pair: pair[0],
    )


def test_cancelling_twice_tells_nobody_again(
    people, public_event, published, django_capture_on_commit_callbacks
):
    services.rsvp_add(user=people["resident"], event=public_event)
    with django_capture_on_commit_callbacks(execute=True):
        services.event_cancel(actor=people["editor"], event=public_event)
        services.event_cancel(actor=people["editor"], event=public_event)
    assert len(published) == 1
    assert Event.objects.get(pk=public_event.pk).sequence == 1


def test_a_cancelled_event_leaves_the_upcoming_list_but_stays(village, people, public_event):
    services.event_cancel(actor=people["editor"], event=public_event)
    assert upcoming_public_events(municipality=village) == []
    assert Event.objects.get(pk=public_event.pk).cancelled_at is not None


# --- "Ich komme" -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "may"),
    [
        ("other_resident", True),
        ("resident", True),
        ("moderator", True),
        ("editor", True),
        ("other_editor", True),
    ],
)
def test_everyone_signed_in_may_attend_a_public_event(people, public_event, role, may):
    assert services.rsvp_add(user=people[role], event=public_event) == (True, 1)


@pytest.mark.parametrize("role", ["resident", "moderator", "editor"])
def test_residents_attend_a_members_event(people, members_event, role):
    assert services.rsvp_add(user=people[role], event=members_event) == (True, 1)


@pytest.mark.parametrize("role", ["other_resident", "other_editor"])
def test_residents_of_other_villages_cannot_attend_a_members_event(people, members_event, role):
    with pytest.raises(PermissionDenied):
        services.rsvp_add(user=people[role], event=members_event)
    assert Attendance.objects.count() == 0


def test_a_neighbour_who_reads_the_village_sees_but_cannot_attend_a_members_event(
    village, members_event
):
    from apps.events.permissions import can_read_event
    from tests.factories import MunicipalityFactory

    nearby = MunicipalityFactory(latitude=48.82, longitude=10.62)
    neighbour = UserFactory(home_municipality=nearby, reading_radius_km=10)
    assert can_read_event(neighbour, members_event)
    with pytest.raises(PermissionDenied):
        services.rsvp_add(user=neighbour, event=members_event)


def test_saying_yes_twice_counts_once_and_no_takes_it_back(people, public_event):
    resident = people["resident"]
    assert services.rsvp_add(user=resident, event=public_event) == (True, 1)
    assert services.rsvp_add(user=resident, event=public_event) == (True, 1)
    assert services.rsvp_remove(user=resident, event=public_event) == (False, 0)
    assert services.rsvp_remove(user=resident, event=public_event) == (False, 0)
    assert Attendance.objects.count() == 0


def test_a_full_event_refuses_the_next_person(village, people):
    event = make_event(people["editor"], village, capacity=1)
    services.rsvp_add(user=people["resident"], event=event)
    with pytest.raises(ValidationError):
        services.rsvp_add(user=people["moderator"], event=event)
    event.refresh_from_db()
    assert event.attendee_count == 1 and event.is_full
    assert list(Attendance.objects.values_list("user_id", flat=True)) == [people["resident"].pk]
    # A seat given back is free again.
    services.rsvp_remove(user=people["resident"], event=event)
    assert services.rsvp_add(user=people["moderator"], event=event) == (True, 1)


def test_the_counter_refuses_even_when_the_callers_copy_is_stale(village, people):
    event = make_event(people["editor"], village, capacity=1)
    stale = Event.objects.get(pk=event.pk)
    services.rsvp_add(user=people["resident"], event=event)
    # `stale` still says 0 attendees; the conditional update reads the database, not it.
    assert stale.attendee_count == 0
    with pytest.raises(ValidationError):
        services.rsvp_add(user=people["moderator"], event=stale)
    assert Event.objects.get(pk=event.pk).attendee_count == 1


def test_nobody_attends_a_cancelled_or_past_event(village, people, public_event):
    services.event_cancel(actor=people["editor"], event=public_event)
    with pytest.raises(ValidationError):
        services.rsvp_add(user=people["resident"], event=public_event)
    past = make_event(people["editor"], village)
    Event.objects.filter(pk=past.pk).update(
        starts_at=timezone.now() - dt.timedelta(hours=3),
        ends_at=timezone.now() - dt.timedelta(hours=1),
    )
    past.refresh_from_db()
    with pytest.raises(ValidationError):
        services.rsvp_add(user=people["resident"], event=past)


def test_unconfirmed_person_cannot_attend(people, public_event):
    resident = people["resident"]
    resident.email_confirmed_at = None
    resident.save()
    with pytest.raises(PermissionDenied):
        services.rsvp_add(user=resident, event=public_event)


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(not ON_POSTGRES, reason="concurrent writers need PostgreSQL")
def test_two_people_racing_for_the_last_seat_get_it_once(village, people):
    event = make_event(people["editor"], village, capacity=1)
    barrier = threading.Barrier(2, timeout=10)
    outcomes: list[str] = []

    def attend(user):
        try:
            barrier.wait()
            services.rsvp_add(user=user, event=Event.objects.get(pk=event.pk))
            outcomes.append("in")
        except ValidationError:
            outcomes.append("full")
        except Exception as exc:  # reported in the assertion below
            outcomes.append(repr(exc))
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=attend, args=(people[role],)) for role in ("resident", "moderator")
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads)
    assert sorted(outcomes) == ["full", "in"]
    assert Event.objects.get(pk=event.pk).attendee_count == 1
    assert Attendance.objects.filter(event=event).count() == 1


def test_upcoming_public_events_are_the_public_upcoming_ones_soonest_first(village, people):
    later = make_event(people["editor"], village, title="Später", starts_at=soon(days=20))
    sooner = make_event(people["editor"], village, title="Früher", starts_at=soon(days=2))
    make_event(people["editor"], village, audience=Event.Audience.MEMBERS)
    cancelled = make_event(people["editor"], village, title="Abgesagt")
    services.event_cancel(actor=people["editor"], event=cancelled)
    events = upcoming_public_events(municipality=village)
    assert [e.pk for e in events] == [sooner.pk, later.pk]
    first = events[0]
    assert (first.title, first.all_day, first.place_name) == ("Früher", False, "")
    assert first.starts_at < first.ends_at
    assert len(upcoming_public_events(municipality=village, limit=1)) == 1


def test_a_time_skipped_by_the_spring_clock_change_is_refused(village, people):
    # 2027-03-28: clocks jump from 02:00 to 03:00; 02:30 never shows on a Berlin clock.
    with pytest.raises(ValidationError) as caught:
        make_event(
            people["editor"],
            village,
            starts_at=dt.datetime(2027, 3, 28, 2, 30),
            ends_at=dt.datetime(2027, 3, 28, 4, 0),
        )
    assert "starts_at" in caught.value.message_dict
    assert Event.objects.count() == 0
