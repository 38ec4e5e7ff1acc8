"""The REST API of events: every endpoint for every role, bad input as 400 that saves
nothing, filters and pages, and every field in the OpenAPI schema."""

import datetime as dt

import pytest
from django.utils import timezone

from apps.events import services
from apps.events.models import Attendance, Event
from tests.factories import client_for

from .conftest import ROLES, SEES_MEMBERS, berlin, make_event

pytestmark = pytest.mark.django_db

LIST = "/api/v1/events/"


def detail(pk) -> str:
    return f"/api/v1/events/{pk}/"


def as_role(people, role):
    return client_for(people[role])


def hidden(role: str, audience: str) -> bool:
    return audience == "members" and role not in SEES_MEMBERS


def payload(**changes) -> dict:
    start = timezone.localtime() + dt.timedelta(days=5)
    data = {
        "municipality": "heimdorf",
        "title": "Seniorenkaffee",
        "description": "Mit Kuchen.",
        "starts_at": start.replace(hour=15, minute=0, second=0, microsecond=0).isoformat(),
        "ends_at": start.replace(hour=17, minute=0, second=0, microsecond=0).isoformat(),
        "place_name": "Pfarrheim",
        "capacity": 20,
        "audience": "public",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not ...}


# --- The permission matrix -------------------------------------------------------------------


@pytest.mark.parametrize("audience", ["public", "members"])
@pytest.mark.parametrize("role", ROLES)
def test_read_an_event(people, event_for, role, audience):
    event = event_for(audience)
    response = as_role(people, role).get(detail(event.pk))
    assert response.status_code == (404 if hidden(role, audience) else 200)
    if response.status_code == 200:
        data = response.json()
        assert data["id"] == event.pk and data["can_manage"] == (role == "editor")
        assert data["organiser"] == {
            "kind": "town_hall",
            "name": "Rathaus Heimdorf",
            "user_id": None,
        }


@pytest.mark.parametrize("role", ROLES)
def test_list_shows_each_role_what_it_may_see(people, event_for, role):
    public, members = event_for("public"), event_for("members")
    mine = {e["id"] for e in as_role(people, role).get(LIST).json()["results"]}
    by_slug = {
        e["id"]
        for e in as_role(people, role).get(LIST, {"municipality": "heimdorf"}).json()["results"]
    }
    if role == "anonymous":
        assert mine == by_slug == {public.pk}
    elif role in SEES_MEMBERS:
        assert mine == by_slug == {public.pk, members.pk}
    else:  # far away: not in their calendar, but the public one is there by name
        assert mine == set()
        assert by_slug == {public.pk}


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("anonymous", 401),
        ("other_resident", 403),
        ("resident", 403),
        ("moderator", 403),
        ("editor", 201),
        ("other_editor", 403),
    ],
)
def test_create(people, role, expected):
    response = as_role(people, role).post(LIST, payload(), format="json")
    assert response.status_code == expected
    assert Event.objects.count() == (1 if expected == 201 else 0)


def test_created_event_comes_back_with_every_field(people):
    response = as_role(people, "editor").post(
        LIST, payload(latitude=48.8, longitude=10.6), format="json"
    )
    data = response.json()
    assert set(data) == {
        "id", "title", "description", "description_html", "municipality", "organiser",
        "all_day", "starts_at", "ends_at", "start_date", "end_date", "place_name", "latitude",
        "longitude", "capacity", "attendee_count", "seats_left", "audience", "cancelled",
        "cancelled_at", "attending", "can_attend", "can_manage", "url", "ics_url",
        "created_at", "edited_at",
    }  # fmt: skip
    assert data["municipality"]["slug"] == "heimdorf"
    assert data["capacity"] == 20 and data["seats_left"] == 20
    assert timezone.localtime(dt.datetime.fromisoformat(data["starts_at"])).hour == 15


def test_resident_creates_where_the_municipality_allows_it(people, village):
    village.residents_may_create_events = True
    village.save()
    response = as_role(people, "resident").post(LIST, payload(), format="json")
    assert response.status_code == 201
    assert response.json()["organiser"] == {
        "kind": "resident",
        "name": people["resident"].public_name,
        "user_id": people["resident"].pk,
    }


@pytest.mark.parametrize("audience", ["public", "members"])
@pytest.mark.parametrize("role", ROLES)
def test_change_and_cancel(people, event_for, role, audience):
    event = event_for(audience)
    client = as_role(people, role)
    if role == "anonymous":
        expected = 401
    elif hidden(role, audience):
        expected = 404
    else:
        expected = 200 if role == "editor" else 403
    assert client.patch(detail(event.pk), {"title": "Neu"}, format="json").status_code == expected
    assert client.post(f"{detail(event.pk)}cancel/").status_code == expected
    assert client.delete(detail(event.pk)).status_code == expected
    event.refresh_from_db()
    assert (event.title == "Neu") == (expected == 200)
    assert event.is_cancelled == (expected == 200)


@pytest.mark.parametrize("audience", ["public", "members"])
@pytest.mark.parametrize("role", ROLES)
def test_rsvp(people, event_for, role, audience):
    event = event_for(audience)
    client = as_role(people, role)
    url = f"{detail(event.pk)}rsvp/"
    if role == "anonymous":
        expected = 401
    elif hidden(role, audience):
        expected = 404
    else:
        expected = 200
    response = client.post(url)
    assert response.status_code == expected
    if expected == 200:
        assert response.json() == {"attending": True, "attendee_count": 1}
        assert client.get(detail(event.pk)).json()["attending"] is True
        assert client.delete(url).json() == {"attending": False, "attendee_count": 0}
    else:
        assert client.delete(url).status_code == expected
    assert Attendance.objects.count() == 0


@pytest.mark.parametrize("audience", ["public", "members"])
@pytest.mark.parametrize("role", ROLES)
def test_attendee_list_is_for_the_organiser(people, event_for, role, audience):
    event = event_for(audience)
    services.rsvp_add(user=people["resident"], event=event)
    response = as_role(people, role).get(f"{detail(event.pk)}attendees/")
    if role == "anonymous":
        assert response.status_code == 401
    elif hidden(role, audience):
        assert response.status_code == 404
    elif role == "editor":
        assert response.json() == [
            {"id": people["resident"].pk, "name": people["resident"].public_name}
        ]
    else:
        assert response.status_code == 403


def test_neighbour_sees_a_members_event_but_rsvp_is_403(members_event):
    from tests.factories import MunicipalityFactory, UserFactory

    nearby = MunicipalityFactory(latitude=48.82, longitude=10.62)
    client = client_for(UserFactory(home_municipality=nearby, reading_radius_km=10))
    data = client.get(detail(members_event.pk)).json()
    assert data["can_attend"] is False
    assert client.post(f"{detail(members_event.pk)}rsvp/").status_code == 403


def test_full_event_answers_400_with_a_message(people, village):
    event = make_event(people["editor"], village, capacity=1)
    assert as_role(people, "resident").post(f"{detail(event.pk)}rsvp/").status_code == 200
    response = as_role(people, "moderator").post(f"{detail(event.pk)}rsvp/")
    assert response.status_code == 400
    assert "alle Plätze vergeben" in str(response.json())


def test_huge_and_odd_ids_are_404(people):
    client = as_role(people, "editor")
    for pk in (10**30, 2**63, 2**62):
        assert client.get(detail(pk)).status_code == 404
        assert client.post(f"{detail(pk)}rsvp/").status_code == 404
        assert client.get(f"{detail(pk)}attendees/").status_code == 404
        assert client.post(f"{detail(pk)}cancel/").status_code == 404


# --- Bad input -------------------------------------------------------------------------------


def times(start: str, end: str) -> dict:
    return {"starts_at": start, "ends_at": end}


def dates(first: str, last: str) -> dict:
    return {"start_date": first, "end_date": last}


BAD_CREATE = {
    "title_number": ({"title": 42}, "title"),
    "title_list": ({"title": ["a"]}, "title"),
    "title_empty": ({"title": "  "}, "title"),
    "title_long": ({"title": "x" * 121}, "title"),
    "description_object": ({"description": {"a": 1}}, "description"),
    "end_before_start": (times("2027-05-01T12:00+02:00", "2027-05-01T10:00+02:00"), "ends_at"),
    "start_missing": ({"starts_at": ...}, "starts_at"),
    "start_garbage": ({"starts_at": "morgen"}, "starts_at"),
    "start_year_one": (times("0001-01-01T00:00+05:00", "0001-01-01T02:00+05:00"), "starts_at"),
    "start_year_9999": (times("9999-12-31T10:00", "9999-12-31T12:00"), "starts_at"),
    "start_number": ({"starts_at": 1700000000}, "starts_at"),
    "past": (times("2020-01-01T10:00", "2020-01-01T12:00"), "ends_at"),
    "spring_gap": (times("2027-03-28T02:30", "2027-03-28T04:00"), "starts_at"),
    "all_day_no_date": ({"all_day": True, "start_date": None}, "start_date"),
    "all_day_bad_date": ({"all_day": True, "start_date": "2027-02-30"}, "start_date"),
    "all_day_backwards": ({"all_day": True, **dates("2027-06-05", "2027-06-01")}, "end_date"),
    "paris": ({"latitude": 48.8566, "longitude": 2.3522}, "latitude"),
    "one_coordinate": ({"latitude": 50.0}, "latitude"),
    "latitude_text": ({"latitude": "Dorfmitte", "longitude": 10.0}, "latitude"),
    "latitude_nan": ({"latitude": "NaN", "longitude": 10.0}, "latitude"),
    "latitude_huge": ({"latitude": 1e308, "longitude": 10.0}, "latitude"),
    "capacity_zero": ({"capacity": 0}, "capacity"),
    "capacity_text": ({"capacity": "viele"}, "capacity"),
    "capacity_huge": ({"capacity": 10**30}, "capacity"),
    "audience": ({"audience": "alle"}, "audience"),
    "municipality_unknown": ({"municipality": "gibt-es-nicht"}, "municipality"),
    "municipality_number": ({"municipality": 7}, "municipality"),
    "municipality_other": ({"municipality": "fernau"}, "detail"),
}  # fmt: skip


@pytest.mark.parametrize(("changes", "field"), list(BAD_CREATE.values()), ids=list(BAD_CREATE))
def test_bad_create_input_is_a_400_naming_the_field(people, other_village, changes, field):
    response = as_role(people, "editor").post(LIST, payload(**changes), format="json")
    if field == "detail":  # allowed nowhere there: a refusal, not a form error
        assert response.status_code == 403
    else:
        assert response.status_code == 400, response.content
        assert field in response.json()
    assert Event.objects.count() == 0


@pytest.mark.parametrize("raw", [b"[]", b'"text"', b"42", b"null", b"{"])
def test_a_body_that_is_not_an_object_is_a_400(people, raw):
    response = as_role(people, "editor").post(LIST, raw, content_type="application/json")
    assert response.status_code == 400
    assert Event.objects.count() == 0


def test_partial_change_keeps_the_rest(people, public_event):
    client = as_role(people, "editor")
    before = client.get(detail(public_event.pk)).json()
    after = client.patch(detail(public_event.pk), {"capacity": 5}, format="json").json()
    assert after["capacity"] == 5
    for field in ("title", "starts_at", "ends_at", "place_name", "audience"):
        assert after[field] == before[field]


def test_change_to_all_day_and_back(people, public_event):
    client = as_role(people, "editor")
    data = client.patch(
        detail(public_event.pk), {"all_day": True, "end_date": None}, format="json"
    ).json()
    assert data["all_day"] is True and data["start_date"] == data["end_date"]
    bad = client.patch(
        detail(public_event.pk), {"all_day": False, "starts_at": None}, format="json"
    )
    assert bad.status_code == 400


def test_bad_change_is_a_400_and_changes_nothing(people, public_event):
    client = as_role(people, "editor")
    response = client.patch(
        detail(public_event.pk), {"title": "Neu", "latitude": 40.0, "longitude": 3.0}, format="json"
    )
    assert response.status_code == 400 and "latitude" in response.json()
    public_event.refresh_from_db()
    assert public_event.title != "Neu"


# --- Filters and pages -----------------------------------------------------------------------


@pytest.fixture
def season(people, village):
    editor = people["editor"]
    return [
        make_event(editor, village, title=f"Termin {n}", starts_at=berlin(2027, 5, day, 18, 0))
        for n, day in enumerate((3, 10, 17, 24, 31))
    ]


def test_date_filters_are_inclusive_berlin_days(people, season):
    client = as_role(people, "resident")
    response = client.get(LIST, {"from": "2027-05-10", "to": "2027-05-24"})
    assert [e["title"] for e in response.json()["results"]] == ["Termin 1", "Termin 2", "Termin 3"]


def test_cursor_pages_return_every_event_once_in_order(people, season):
    client = as_role(people, "resident")
    seen, cursor = [], None
    for _page in range(10):
        params = {"from": "2027-05-01", "limit": 2, **({"cursor": cursor} if cursor else {})}
        data = client.get(LIST, params).json()
        seen += [e["id"] for e in data["results"]]
        cursor = data["next_cursor"]
        if not cursor:
            break
    assert seen == [e.pk for e in season]


def test_cancelled_events_only_on_request(people, season):
    services.event_cancel(actor=people["editor"], event=season[0])
    client = as_role(people, "resident")
    plain = client.get(LIST, {"from": "2027-05-01"}).json()["results"]
    assert season[0].pk not in {e["id"] for e in plain}
    full = client.get(LIST, {"from": "2027-05-01", "include_cancelled": "true"}).json()["results"]
    assert {e["id"]: e["cancelled"] for e in full}[season[0].pk] is True


@pytest.mark.parametrize(
    "params",
    [
        {"from": "gestern"},
        {"to": "2027-02-30"},
        {"from": "0001-01-01"},
        {"to": "9999-12-31"},
        {"from": "2027-06-01", "to": "2027-05-01"},
        {"limit": "viele"},
        {"cursor": "kaputt"},
        {"cursor": "WzEsMl0"},  # [1,2]
        {"cursor": "WyJ4IiwgMV0"},  # ["x", 1]
        {"cursor": "WyIyMDI3LTA1LTAxVDEwOjAwOjAwKzAwOjAwIiwgMWUzMF0"},  # huge id
    ],
)
def test_bad_list_parameters_are_a_400(people, params):
    assert as_role(people, "resident").get(LIST, params).status_code == 400


def test_list_queries_do_not_grow_with_the_page(people, village):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = as_role(people, "resident")
    make_event(people["editor"], village)
    with CaptureQueriesContext(connection) as few:
        client.get(LIST)
    for n in range(6):
        make_event(people["editor"], village, title=f"Termin {n}")
    with CaptureQueriesContext(connection) as many:
        assert len(client.get(LIST).json()["results"]) == 7
    assert len(many) == len(few)


def test_every_field_is_in_the_openapi_schema(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    paths = schema["paths"]
    for path, methods in {
        "/api/v1/events/": {"get", "post"},
        "/api/v1/events/{id}/": {"get", "patch", "delete"},
        "/api/v1/events/{id}/cancel/": {"post"},
        "/api/v1/events/{id}/rsvp/": {"post", "delete"},
        "/api/v1/events/{id}/attendees/": {"get"},
    }.items():
        assert methods <= set(paths[path]), path
    components = schema["components"]["schemas"]
    event_fields = set(components["Event"]["properties"])
    assert {"organiser", "starts_at", "start_date", "attending", "ics_url"} <= event_fields
    write_fields = set(components["EventCreateRequest"]["properties"])
    assert write_fields == {
        "municipality", "title", "description", "all_day", "starts_at", "ends_at",
        "start_date", "end_date", "place_name", "latitude", "longitude", "capacity", "audience",
    }  # fmt: skip
    list_params = {p["name"] for p in paths["/api/v1/events/"]["get"]["parameters"]}
    assert {"municipality", "from", "to", "include_cancelled", "cursor", "limit"} <= list_params
