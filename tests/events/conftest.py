"""Events made the one way events are made: through the service."""

import datetime as dt

import pytest
from django.utils import timezone

from apps.events import services
from apps.events.models import Event

BERLIN = timezone.get_default_timezone()


def berlin(*args) -> dt.datetime:
    """An aware time on Berlin's clock: berlin(2027, 10, 31, 10, 0)."""
    return dt.datetime(*args, tzinfo=BERLIN)


def soon(days: int = 7, hour: int = 18) -> dt.datetime:
    day = timezone.localdate() + dt.timedelta(days=days)
    return berlin(day.year, day.month, day.day, hour, 0)


def make_event(actor, municipality, **fields) -> Event:
    fields.setdefault("title", "Dorffest am Feuerwehrhaus")
    if fields.get("all_day"):
        fields.setdefault("start_date", timezone.localdate() + dt.timedelta(days=7))
    else:
        fields.setdefault("starts_at", soon())
        if "ends_at" not in fields and fields["starts_at"] is not None:
            fields["ends_at"] = fields["starts_at"] + dt.timedelta(hours=3)
    return services.event_create(actor=actor, municipality=municipality, **fields)


@pytest.fixture
def public_event(village, people):
    return make_event(people["editor"], village, place_name="Feuerwehrhaus")


@pytest.fixture
def members_event(village, people):
    return make_event(
        people["editor"], village, title="Bürgerversammlung", audience=Event.Audience.MEMBERS
    )


@pytest.fixture
def event_for(public_event, members_event):
    """The event of an audience, by name."""
    return {"public": public_event, "members": members_event}.__getitem__


ROLES = ["anonymous", "other_resident", "resident", "moderator", "editor", "other_editor"]
# Who sees a members event of `village` (others get a 404, like a missing event).
SEES_MEMBERS = {"resident", "moderator", "editor"}
