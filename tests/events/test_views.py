"""The event pages: who may open what, the journey without JavaScript, the htmx box, the
month view, and bad input that never ends in a 500."""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains

from apps.events import services
from apps.events.models import Attendance, Event
from tests.factories import UserFactory

from .conftest import ROLES, SEES_MEMBERS, berlin, make_event

pytestmark = pytest.mark.django_db


def status_for(role: str, audience: str, *, allowed: int, manager_only: bool = False) -> int:
    """What a role gets on an event page: 404 when the event is hidden from it, a redirect to
    the login for anonymous visitors of login pages, 403 when seen but not allowed."""
    visible = audience == "public" or role in SEES_MEMBERS
    if manager_only:
        if role == "anonymous":
            return 302
        if not visible:
            return 404
        return allowed if role == "editor" else 403
    if not visible:
        return 404
    return allowed


# --- The permission matrix of every page -----------------------------------------------------


@pytest.mark.parametrize("audience", ["public", "members"])
@pytest.mark.parametrize("role", ROLES)
def test_detail_and_ics_of_an_event(visit, event_for, role, audience):
    event = event_for(audience)
    client = visit(role)
    expected = status_for(role, audience, allowed=200)
    detail = client.get(f"/veranstaltungen/{event.pk}/")
    assert detail.status_code == expected
    ics = client.get(f"/veranstaltungen/{event.pk}.ics")
    assert ics.status_code == expected
    if expected == 200:
        assertContains(detail, event.title)
        assert ics["Content-Type"].startswith("text/calendar")


@pytest.mark.parametrize("page", ["bearbeiten", "absagen", "teilnehmende"])
@pytest.mark.parametrize("audience", ["public", "members"])
@pytest.mark.parametrize("role", ROLES)
def test_organiser_pages_are_for_the_town_hall_only(visit, event_for, role, audience, page):
    event = event_for(audience)
    response = visit(role).get(f"/veranstaltungen/{event.pk}/{page}/")
    assert response.status_code == status_for(role, audience, allowed=200, manager_only=True)


@pytest.mark.parametrize("audience", ["public", "members"])
@pytest.mark.parametrize("role", ROLES)
def test_cancel_by_post(visit, event_for, role, audience):
    event = event_for(audience)
    response = visit(role).post(f"/veranstaltungen/{event.pk}/absagen/")
    expected = status_for(role, audience, allowed=302, manager_only=True)
    assert response.status_code == expected
    event.refresh_from_db()
    assert event.is_cancelled == (role == "editor")


@pytest.mark.parametrize("audience", ["public", "members"])
@pytest.mark.parametrize("role", ROLES)
def test_rsvp_by_plain_form(visit, people, event_for, role, audience):
    event = event_for(audience)
    response = visit(role).post(f"/veranstaltungen/{event.pk}/teilnahme/", {"answer": "yes"})
    if role == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))
        assert Attendance.objects.count() == 0
        return
    expected = status_for(role, audience, allowed=302)
    assert response.status_code == expected
    attending = Attendance.objects.filter(event=event, user=people[role]).exists()
    assert attending == (expected == 302)


@pytest.mark.parametrize(
    ("role", "allowed", "residents_may"),
    [
        ("anonymous", 302, False),
        ("other_resident", 403, False),
        ("resident", 403, False),
        ("moderator", 403, False),
        ("editor", 200, False),
        ("other_editor", 200, False),
        ("resident", 200, True),
        ("moderator", 200, True),
        ("other_resident", 403, True),
    ],
)
def test_create_page(visit, village, role, allowed, residents_may):
    village.residents_may_create_events = residents_may
    village.save()
    assert visit(role).get("/veranstaltungen/neu/").status_code == allowed


@pytest.mark.parametrize("role", ROLES)
def test_calendar_shows_what_each_role_may_see(visit, event_for, role):
    public, members = event_for("public"), event_for("members")
    response = visit(role).get("/veranstaltungen/")
    assert response.status_code == 200
    if role == "anonymous":
        assertContains(response, "Gemeinde wählen")
        return
    in_village = role in SEES_MEMBERS
    assert (public.title in response.content.decode()) == in_village
    assert (members.title in response.content.decode()) == in_village


@pytest.mark.parametrize("role", ROLES)
def test_municipality_calendar_is_public_with_members_events_for_members(visit, event_for, role):
    response = visit(role).get("/gemeinden/heimdorf/veranstaltungen/")
    assert response.status_code == 200
    assertContains(response, event_for("public").title)
    assert (event_for("members").title in response.content.decode()) == (role in SEES_MEMBERS)


@pytest.mark.parametrize("role", ROLES)
def test_municipality_feed_holds_public_events_only(visit, event_for, role):
    response = visit(role).get("/gemeinden/heimdorf/veranstaltungen.ics")
    assert response.status_code == 200
    body = response.content.decode()
    assert f"event-{event_for('public').pk}@" in body
    assert f"event-{event_for('members').pk}@" not in body


def test_unknown_municipality_and_huge_ids_are_404(visit, public_event):
    client = visit("editor")
    assert client.get("/gemeinden/gibt-es-nicht/veranstaltungen/").status_code == 404
    assert client.get("/gemeinden/gibt-es-nicht/veranstaltungen.ics").status_code == 404
    for pk in (10**30, 2**63, 2**62):
        for path in ("/", ".ics", "/bearbeiten/", "/teilnehmende/", "/absagen/"):
            assert client.get(f"/veranstaltungen/{pk}{path}").status_code == 404
        assert client.post(f"/veranstaltungen/{pk}/teilnahme/").status_code == 404


# --- The journey without JavaScript ----------------------------------------------------------


def form_data(**changes) -> dict:
    day = timezone.localdate() + dt.timedelta(days=10)
    data = {
        "municipality": "heimdorf",
        "title": "Maibaum aufstellen",
        "description": "Mit Blasmusik.\nhttps://example.org",
        "start_date": day.isoformat(),
        "start_time": "15:00",
        "end_date": "",
        "end_time": "18:30",
        "place_name": "Dorfplatz",
        "latitude": "48.80",
        "longitude": "10.60",
        "capacity": "",
        "audience": "public",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def test_editor_creates_edits_and_cancels_an_event_with_plain_forms(client, people):
    client.force_login(people["editor"])
    response = client.post("/veranstaltungen/neu/", form_data())
    event = Event.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/veranstaltungen/{event.pk}/"
    assert timezone.localtime(event.starts_at).hour == 15
    assert timezone.localtime(event.ends_at).strftime("%H:%M") == "18:30"
    page = client.get(response["Location"])
    assertContains(page, "Rathaus Heimdorf")
    assertContains(page, '<a href="https://example.org"')

    edit = client.get(f"/veranstaltungen/{event.pk}/bearbeiten/")
    assertContains(edit, 'value="Maibaum aufstellen"')
    assertContains(edit, 'value="15:00"')
    response = client.post(
        f"/veranstaltungen/{event.pk}/bearbeiten/", form_data(title="Maibaumfest", capacity="30")
    )
    assert response.status_code == 302
    event.refresh_from_db()
    assert (event.title, event.capacity) == ("Maibaumfest", 30)

    assertContains(client.get(f"/veranstaltungen/{event.pk}/absagen/"), "Ja, absagen")
    client.post(f"/veranstaltungen/{event.pk}/absagen/")
    event.refresh_from_db()
    assert event.is_cancelled
    page = client.get(f"/veranstaltungen/{event.pk}/")
    assertContains(page, "Diese Veranstaltung ist abgesagt.")
    assertNotContains(page, f"/veranstaltungen/{event.pk}/bearbeiten/")
    # Cancelled: out of the upcoming list, still in the month.
    assertNotContains(client.get("/veranstaltungen/"), "Maibaumfest")
    month = f"{timezone.localtime(event.starts_at):%Y-%m}"
    assertContains(client.get(f"/veranstaltungen/?monat={month}"), "Maibaumfest")


def test_all_day_event_by_form(client, people):
    client.force_login(people["editor"])
    day = timezone.localdate() + dt.timedelta(days=3)
    response = client.post(
        "/veranstaltungen/neu/",
        form_data(
            all_day="on",
            start_time="",
            end_time="",
            end_date=str(day + dt.timedelta(1)),
            start_date=str(day),
        ),
    )
    assert response.status_code == 302
    event = Event.objects.get()
    assert event.all_day and (event.start_date, event.end_date) == (day, day + dt.timedelta(1))
    assertContains(client.get(response["Location"]), "ganztägig")


BAD_FORMS = {
    "end_before_start": ({"end_time": "14:00"}, "Das Ende muss nach dem Beginn liegen."),
    "no_start_time": ({"start_time": ""}, "Bitte gib Datum und Uhrzeit des Beginns an."),
    "no_date": ({"start_date": ""}, "Dieses Feld ist zwingend erforderlich."),
    "bad_date": ({"start_date": "31.02.2027"}, "Bitte ein gültiges Datum eingeben."),
    "year_10000": ({"start_date": "10000-01-01"}, "Bitte ein gültiges Datum eingeben."),
    "past": ({"start_date": "2020-01-01"}, "Diese Veranstaltung wäre schon vorbei."),
    "far_future": ({"start_date": "2099-01-01"}, "zu weit in der Zukunft"),
    "paris": ({"latitude": "48.8566", "longitude": "2.3522"}, "nicht in Deutschland"),
    "latitude_text": ({"latitude": "Dorfmitte"}, "Bitte eine Zahl eingeben."),
    "latitude_nan": ({"latitude": "nan"}, "Bitte eine Zahl eingeben."),
    "no_title": ({"title": ""}, "Dieses Feld ist zwingend erforderlich."),
    "capacity_zero": ({"capacity": "0"}, "größer oder gleich 1"),
    "capacity_text": ({"capacity": "viele"}, "Bitte eine ganze Zahl eingeben."),
    "audience": ({"audience": "alle"}, "Bitte eine gültige Auswahl treffen."),
    "other_municipality": ({"municipality": "fernau"}, "Bitte eine gültige Auswahl treffen."),
}


@pytest.mark.parametrize(("changes", "message"), list(BAD_FORMS.values()), ids=list(BAD_FORMS))
def test_bad_form_input_shows_a_clear_error_and_saves_nothing(client, people, changes, message):
    client.force_login(people["editor"])
    response = client.post("/veranstaltungen/neu/", form_data(**changes))
    assert response.status_code == 400
    assertContains(response, message, status_code=400)
    assert Event.objects.count() == 0


def test_organiser_sees_the_attendees_by_their_public_names(client, people, public_event):
    for role, (first, last) in (("resident", ("Rosa", "Berg")), ("other_resident", ("Olaf", "Au"))):
        people[role].first_name, people[role].last_name = first, last
        people[role].save()
        services.rsvp_add(user=people[role], event=public_event)
    client.force_login(people["editor"])
    page = client.get(f"/veranstaltungen/{public_event.pk}/teilnehmende/")
    listed = page.content.decode().split('<ol class="result-list">')[1].split("</ol>")[0]
    names = re.findall(r'<li><a href="[^"]+">([^<]+)</a></li>', listed)
    assert names == ["Rosa B.", "Olaf A."]
    assertNotContains(page, people["resident"].email)


def test_rsvp_and_take_back_with_htmx_swaps_the_box(client, people, village):
    event = make_event(people["editor"], village, capacity=2)
    client.force_login(people["resident"])
    url = f"/veranstaltungen/{event.pk}/teilnahme/"
    response = client.post(url, {"answer": "yes"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    body = response.content.decode()
    assert body.startswith('<div id="rsvp"') and "1 Zusage" in body and "Doch nicht kommen" in body
    response = client.post(url, {"answer": "no"}, HTTP_HX_REQUEST="true")
    assert "0 Zusagen" in response.content.decode() and "Ich komme" in response.content.decode()
    assert Attendance.objects.count() == 0


def test_full_event_answers_the_htmx_box_with_the_reason(client, people, village):
    event = make_event(people["editor"], village, capacity=1)
    services.rsvp_add(user=people["moderator"], event=event)
    client.force_login(people["resident"])
    response = client.post(
        f"/veranstaltungen/{event.pk}/teilnahme/", {"answer": "yes"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 400
    assert "alle Plätze vergeben" in response.content.decode()
    detail = client.get(f"/veranstaltungen/{event.pk}/")
    assertContains(detail, "Leider sind alle Plätze vergeben.")
    assertNotContains(detail, 'value="yes"')


def test_neighbour_sees_a_members_event_but_gets_403_when_saying_yes(client, members_event):
    from tests.factories import MunicipalityFactory

    nearby = MunicipalityFactory(latitude=48.82, longitude=10.62)
    client.force_login(UserFactory(home_municipality=nearby, reading_radius_km=10))
    page = client.get(f"/veranstaltungen/{members_event.pk}/")
    assertContains(page, "Zusagen können nur Einwohner dieser Gemeinde.")
    response = client.post(f"/veranstaltungen/{members_event.pk}/teilnahme/", {"answer": "yes"})
    assert response.status_code == 403
    assert Attendance.objects.count() == 0


def test_anonymous_visitor_is_asked_to_sign_in_to_attend(client, public_event):
    assertContains(client.get(f"/veranstaltungen/{public_event.pk}/"), "Melde dich an")


# --- The month view --------------------------------------------------------------------------


def day_headings(response) -> list[str]:
    return re.findall(r'<h3 id="day-([0-9-]+)">', response.content.decode())


def test_month_boundaries_follow_berlin_midnight(client, people, village):
    editor = people["editor"]
    late = make_event(
        editor,
        village,
        title="Silvester-Vorglühen",
        starts_at=berlin(2027, 11, 30, 23, 30),
        ends_at=berlin(2027, 12, 1, 0, 30),
    )
    midnight = make_event(
        editor,
        village,
        title="Adventsmarkt",
        starts_at=berlin(2027, 12, 1, 0, 0),  # 2027-11-30 23:00 UTC
        ends_at=berlin(2027, 12, 1, 2, 0),
    )
    client.force_login(people["resident"])
    november = client.get("/veranstaltungen/?monat=2027-11")
    assert day_headings(november) == ["2027-11-30"]
    assertContains(november, late.title)
    assertNotContains(november, midnight.title)
    december = client.get("/veranstaltungen/?monat=2027-12")
    # The late event runs into December and is listed on its first day there.
    assert day_headings(december) == ["2027-12-01"]
    assertContains(december, late.title)
    assertContains(december, midnight.title)
    assertContains(december, 'href="?monat=2027-11"')
    assertContains(december, 'href="?monat=2028-01"')


def test_event_on_the_clock_change_is_shown_on_its_wall_clock_time(client, people, village):
    make_event(
        people["editor"],
        village,
        title="Kirchweih",
        starts_at=dt.datetime(2027, 10, 31, 10, 0),
        ends_at=dt.datetime(2027, 10, 31, 12, 0),
    )
    response = visit_month(client, people["resident"], "2027-10")
    assert day_headings(response) == ["2027-10-31"]
    assertContains(response, "10:00")
    assertContains(response, "12:00")


def visit_month(client, user, month: str):
    client.force_login(user)
    return client.get(f"/veranstaltungen/?monat={month}")


@pytest.mark.parametrize(
    "month", ["2027", "2027-13", "1999-12", "2101-01", "x-y", "2027-1", "9" * 40]
)
def test_bad_month_is_a_400_with_a_message(client, people, month):
    response = visit_month(client, people["resident"], month)
    assert response.status_code == 400
    assertContains(response, "Monat", status_code=400)


def test_calendar_asks_a_person_without_home_to_choose_one(client):
    client.force_login(UserFactory(home_municipality=None))
    response = client.get("/veranstaltungen/")
    assert response.status_code == 302 and response["Location"] == reverse("accounts:settings")


def test_calendar_costs_the_same_queries_whatever_its_size(client, people, village):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(people["resident"])
    make_event(people["editor"], village)
    with CaptureQueriesContext(connection) as few:
        client.get("/veranstaltungen/")
    for n in range(8):
        make_event(people["editor"], village, title=f"Termin {n}")
    with CaptureQueriesContext(connection) as many:
        response = client.get("/veranstaltungen/")
    assert response.content.decode().count('class="post-card"') == 9
    assert len(many) == len(few)
