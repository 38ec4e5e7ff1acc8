"""The demo events: through the services, in every demo municipality, the same on every run."""

import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from apps.accounts.models import User
from apps.demo import feed
from apps.demo.events import EVENTS, seed_events
from apps.demo.management.commands.seed_demo import PEOPLE
from apps.events.models import Attendance, Event
from apps.places.models import Municipality

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo():
    call_command("seed_demo", stdout=io.StringIO())
    people = list(User.objects.filter(email__in=[row[1] for row in PEOPLE]))
    municipalities = {m.slug: m for m in Municipality.objects.all()}
    Municipality.objects.filter(slug="oberau").update(residents_may_create_events=True)
    municipalities["oberau"].residents_may_create_events = True
    return {"people": people, "municipalities": municipalities}


def run(demo):
    return seed_events(now=timezone.now(), **demo)


def test_demo_events_are_seeded_once_however_often_it_runs(demo):
    first = run(demo)
    snapshot = sorted(Event.objects.values_list("title", "attendee_count", "cancelled_at"))
    second = run(demo)
    assert str(first) == str(second)
    assert Event.objects.count() == len(EVENTS) == first.events
    again = sorted(Event.objects.values_list("title", "attendee_count", "cancelled_at"))
    assert [row[:2] for row in again] == [row[:2] for row in snapshot]
    assert "9 events (1 cancelled)" in str(second)


def test_demo_has_what_the_calendar_should_show(demo):
    run(demo)
    assert Event.objects.filter(cancelled_at__isnull=False).count() == 1
    assert Event.objects.filter(all_day=True).exists()
    assert Event.objects.filter(audience=Event.Audience.MEMBERS).exists()
    resident = Event.objects.get(organiser_kind=Event.OrganiserKind.RESIDENT)
    assert resident.created_by.email == feed.JONAS
    for slug in ("lindenbach", "oberau", "kirchwald"):
        assert Event.objects.filter(municipality__slug=slug, cancelled_at__isnull=True).count() >= 2
    assert Attendance.objects.count() >= 10
    for event in Event.objects.all():
        assert event.attendee_count == event.attendances.count()


def test_without_residents_events_the_residents_event_is_skipped(demo):
    Municipality.objects.update(residents_may_create_events=False)
    demo["municipalities"]["oberau"].residents_may_create_events = False
    summary = run(demo)
    assert summary.skipped == 1 and Event.objects.count() == len(EVENTS) - 1
