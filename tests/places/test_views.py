"""The municipality pages: who may open them, what they show, and the town hall's codes."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects

from apps.places.models import InvitationCode
from tests.factories import (
    InvitationCodeFactory,
    MunicipalityFactory,
    UserFactory,
    editor_of,
)

pytestmark = pytest.mark.django_db

LOGIN_URL = "/konto/anmelden/"
EVERYONE = ["anonymous", "other_resident", "resident", "moderator", "editor", "other_editor"]
SIGNED_IN = EVERYONE[1:]
NOT_THE_TOWN_HALL = ["other_resident", "resident", "moderator", "other_editor"]


@pytest.fixture
def code(village, people):
    return InvitationCodeFactory(municipality=village, created_by=people["editor"], note="Blatt")


def _login_redirect(path: str) -> str:
    return f"{LOGIN_URL}?next={path}"


# --- Who may open what ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    ["/dorf/", "/gemeinden/auswahl/?q=heim", "/gemeinden/heimdorf/einladungen/"],
)
def test_anonymous_visitor_is_sent_to_login_with_next(client, village, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith(f"{LOGIN_URL}?next=")
    expected_next = path.split("?")[0]
    assert response["Location"].split("?next=")[1].startswith(expected_next)


def test_anonymous_visitor_cannot_revoke_code_and_is_sent_to_login(client, code):
    path = f"/gemeinden/heimdorf/einladungen/{code.pk}/zurueckziehen/"
    response = client.post(path)
    assertRedirects(response, _login_redirect(path), fetch_redirect_response=False)
    code.refresh_from_db()
    assert code.revoked_at is None


@pytest.mark.parametrize("role", EVERYONE)
@pytest.mark.parametrize("path", ["/gemeinden/", "/gemeinden/heimdorf/", "/gemeinden/fernau/"])
def test_municipality_pages_are_public(visit, role, path):
    response = visit(role).get(path)
    assert response.status_code == 200


@pytest.mark.parametrize("role", EVERYONE)
def test_unknown_municipality_is_not_found(visit, role):
    response = visit(role).get("/gemeinden/gibt-es-nicht/")
    assert response.status_code == 404
    assertContains(response, "Seite nicht gefunden", status_code=404)


def test_anonymous_visitor_sees_landing_page(client):
    response = client.get("/")
    assertContains(response, "Finde deine Gemeinde")
    assertContains(response, 'href="/konto/registrieren/"')


@pytest.mark.parametrize("role", SIGNED_IN)
def test_signed_in_resident_goes_from_landing_to_village_home(visit, role):
    assertRedirects(visit(role).get("/"), "/dorf/", fetch_redirect_response=False)


def test_signed_in_user_without_home_still_sees_landing_page(client):
    client.force_login(UserFactory(home_municipality=None))
    assertContains(client.get("/"), "Finde deine Gemeinde")


@pytest.mark.parametrize("role", SIGNED_IN)
def test_signed_in_user_can_open_village_home_and_choices(visit, role):
    client = visit(role)
    assert client.get("/dorf/").status_code == 200
    assert client.get("/gemeinden/auswahl/?q=dorf").status_code == 200


def test_user_without_home_municipality_is_sent_from_village_home_to_settings(client):
    client.force_login(UserFactory(home_municipality=None))
    response = client.get("/dorf/", follow=True)
    assertRedirects(response, "/konto/einstellungen/")
    assertContains(response, "Wähle zuerst deine Heimatgemeinde.")


def test_editor_can_open_invitation_page(visit):
    response = visit("editor").get("/gemeinden/heimdorf/einladungen/")
    assertContains(response, "Einladungscodes für Heimdorf")


@pytest.mark.parametrize("role", NOT_THE_TOWN_HALL)
def test_only_town_hall_of_that_village_can_open_invitation_page(visit, role, code):
    # Moderators, residents and other town halls get "not found", not "forbidden".
    response = visit(role).get("/gemeinden/heimdorf/einladungen/")
    assert response.status_code == 404
    assertNotContains(response, code.code, status_code=404)


@pytest.mark.parametrize("role", NOT_THE_TOWN_HALL)
def test_only_town_hall_of_that_village_can_create_codes(visit, role):
    response = visit(role).post("/gemeinden/heimdorf/einladungen/", {"note": "x"})
    assert response.status_code == 404
    assert not InvitationCode.objects.exists()


@pytest.mark.parametrize("role", NOT_THE_TOWN_HALL)
def test_only_town_hall_of_that_village_can_revoke_code(visit, role, code):
    response = visit(role).post(f"/gemeinden/heimdorf/einladungen/{code.pk}/zurueckziehen/")
    assert response.status_code == 404
    code.refresh_from_db()
    assert code.revoked_at is None


def test_other_town_hall_cannot_revoke_code_through_its_own_village(visit, code):
    # The code belongs to Heimdorf; Fernau's editor tries it under Fernau's address.
    response = visit("other_editor").post(f"/gemeinden/fernau/einladungen/{code.pk}/zurueckziehen/")
    assert response.status_code == 404
    code.refresh_from_db()
    assert code.revoked_at is None


def test_editor_cannot_revoke_code_of_another_village_through_own_village(visit, other_village):
    foreign = InvitationCodeFactory(municipality=other_village)
    response = visit("editor").post(f"/gemeinden/heimdorf/einladungen/{foreign.pk}/zurueckziehen/")
    assert response.status_code == 404
    foreign.refresh_from_db()
    assert foreign.revoked_at is None


def test_editor_revokes_code(visit, code):
    client = visit("editor")
    response = client.post(f"/gemeinden/heimdorf/einladungen/{code.pk}/zurueckziehen/")
    assertRedirects(response, "/gemeinden/heimdorf/einladungen/", fetch_redirect_response=False)
    code.refresh_from_db()
    assert code.revoked_at is not None
    assertContains(client.get("/gemeinden/heimdorf/einladungen/"), "zurückgezogen")


@pytest.mark.parametrize("role", SIGNED_IN)
def test_revoking_by_get_is_not_allowed(visit, role, code):
    response = visit(role).get(f"/gemeinden/heimdorf/einladungen/{code.pk}/zurueckziehen/")
    assert response.status_code == 405
    code.refresh_from_db()
    assert code.revoked_at is None


def test_editor_creates_invitation_code(visit, people):
    client = visit("editor")
    expires = (timezone.localdate() + dt.timedelta(days=30)).isoformat()
    response = client.post(
        "/gemeinden/heimdorf/einladungen/",
        {"note": "Gemeindeblatt März", "max_uses": "50", "expires_at": expires},
        follow=True,
    )
    assertRedirects(response, "/gemeinden/heimdorf/einladungen/")
    invitation = InvitationCode.objects.get()
    assert invitation.municipality.slug == "heimdorf"
    assert invitation.created_by == people["editor"]
    assert invitation.max_uses == 50
    assert timezone.localtime(invitation.expires_at).date().isoformat() == expires
    assertContains(response, invitation.code)


@pytest.mark.parametrize(
    "data",
    [
        {"max_uses": "0"},
        {"max_uses": "abc"},
        {"max_uses": "100001"},
        {"expires_at": "2000-01-01"},
        {"expires_at": "kein Datum"},
        {"note": "x" * 201},
    ],
)
def test_bad_invitation_input_is_an_error_and_creates_nothing(visit, data):
    response = visit("editor").post("/gemeinden/heimdorf/einladungen/", data)
    assert response.status_code == 400
    assert response.context["form"].errors
    assert not InvitationCode.objects.exists()


def test_invitation_input_with_nul_is_refused_and_creates_nothing(visit):
    response = visit("editor").post("/gemeinden/heimdorf/einladungen/", {"note": "Blatt\x00"})
    assert response.status_code == 400
    assert not InvitationCode.objects.exists()


def test_editor_of_unknown_village_gets_not_found(visit):
    assert visit("editor").get("/gemeinden/gibt-es-nicht/einladungen/").status_code == 404


def test_staff_can_manage_codes_of_any_village(client, village, code):
    client.force_login(UserFactory(is_staff=True, home_municipality=None))
    assertContains(client.get("/gemeinden/heimdorf/einladungen/"), code.code)


# --- The village home ----------------------------------------------------------------------


def test_village_home_lists_neighbours_within_reading_radius(client, village):
    near = MunicipalityFactory(name="Nahdorf", latitude=48.84, longitude=10.60)  # ~4.4 km
    far = MunicipalityFactory(name="Weitweg", latitude=49.20, longitude=10.60)  # ~44 km
    client.force_login(UserFactory(home_municipality=village, reading_radius_km=10))
    response = client.get("/dorf/")
    assertContains(response, "Willkommen in Heimdorf")
    assertContains(response, f'href="/gemeinden/{near.slug}/"')
    assertNotContains(response, far.name)


def test_village_home_with_radius_zero_says_home_only(client, village):
    MunicipalityFactory(name="Nahdorf", latitude=48.84, longitude=10.60)
    client.force_login(UserFactory(home_municipality=village, reading_radius_km=0))
    response = client.get("/dorf/")
    assertContains(response, "Du liest nur, was in deiner eigenen Gemeinde passiert.")
    assertNotContains(response, "Nahdorf")


def test_village_home_links_invitations_for_editor_only(visit):
    link = 'href="/gemeinden/heimdorf/einladungen/"'
    assertContains(visit("editor").get("/dorf/"), link)


@pytest.mark.parametrize("role", ["resident", "moderator"])
def test_village_home_has_no_invitation_link_for_others(visit, role):
    assertNotContains(visit(role).get("/dorf/"), "/einladungen/")


def test_village_home_needs_few_queries(client, village, django_assert_max_num_queries):
    editor = editor_of(village, reading_radius_km=10)
    client.force_login(editor)
    MunicipalityFactory(latitude=48.81, longitude=10.60)
    with CaptureQueriesContext(connection) as few:
        client.get("/dorf/")
    for n in range(10):
        MunicipalityFactory(latitude=48.80 + n * 0.005, longitude=10.61)
    # Session, user, home, neighbours by box and by id, editor roles, the feed, the town
    # hall's warnings and news, and the two unread badges: a fixed number, however many
    # villages lie in the reading radius.
    with django_assert_max_num_queries(13) as many:
        response = client.get("/dorf/")
    assert len(response.context["neighbours"]) == 11
    assert len(many) == len(few)


# --- Search and the settings' choice list ---------------------------------------------------


def test_municipality_search_lists_matches(client, village, other_village):
    response = client.get("/gemeinden/", {"q": "heim"})
    assertContains(response, 'href="/gemeinden/heimdorf/"')
    assertNotContains(response, 'href="/gemeinden/fernau/"')
    assertContains(response, "<html")


def test_municipality_search_by_htmx_returns_only_the_results(client, village):
    response = client.get("/gemeinden/", {"q": "heim"}, headers={"HX-Request": "true"})
    assertContains(response, 'href="/gemeinden/heimdorf/"')
    assertNotContains(response, "<html")


def test_municipality_search_without_match_says_so(client, village):
    assertContains(client.get("/gemeinden/", {"q": "Atlantis"}), "Keine Gemeinde gefunden")


def test_choice_fragment_lists_matches_as_radio_inputs(visit, village, other_village):
    response = visit("resident").get("/gemeinden/auswahl/", {"q": "fern"})
    assertContains(response, 'type="radio" name="municipality" id="municipality-fernau"')
    assertNotContains(response, 'value="heimdorf"')
    assertNotContains(response, "<html")


def test_choice_fragment_keeps_the_selected_municipality(visit, village, other_village):
    response = visit("resident").get(
        "/gemeinden/auswahl/", {"q": "fern", "municipality": "heimdorf"}
    )
    content = response.content.decode()
    assert 'value="heimdorf" checked' in content
    assert 'value="fernau"' in content
    assert 'value="fernau" checked' not in content


def test_choice_fragment_ignores_unknown_selection(visit, village):
    response = visit("resident").get(
        "/gemeinden/auswahl/", {"q": "heim", "municipality": "gibt-es-nicht"}
    )
    assertContains(response, 'value="heimdorf"')
    assertNotContains(response, "gibt-es-nicht")


@pytest.mark.parametrize("bad", ["\x00", "heim\x00dorf", "x" * 5000, "<script>"])
def test_choice_fragment_survives_hostile_input(visit, village, bad):
    response = visit("resident").get("/gemeinden/auswahl/", {"q": bad, "municipality": bad})
    # NUL never reaches a view: the whole request is refused.
    assert response.status_code == (400 if "\x00" in bad else 200)
    assertNotContains(response, "<script>", status_code=response.status_code)
