"""REST API of places: the public municipality directory and the town hall's invitation codes."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from apps.accounts.models import User
from apps.places.models import InvitationCode, Municipality
from tests.factories import (
    InvitationCodeFactory,
    MunicipalityFactory,
    RoleFactory,
    UserFactory,
    client_for,
    editor_of,
    moderator_of,
)

pytestmark = pytest.mark.django_db

MUNICIPALITIES = "/api/v1/municipalities/"


def municipality_url(slug: str) -> str:
    return f"/api/v1/municipalities/{slug}/"


def codes_url(municipality: Municipality) -> str:
    return f"/api/v1/municipalities/{municipality.slug}/invitation-codes/"


def code_url(municipality: Municipality, pk: int) -> str:
    return f"/api/v1/municipalities/{municipality.slug}/invitation-codes/{pk}/"


def field_messages(response, field: str) -> list[str]:
    body = response.json()
    assert field in body, body
    values = body[field] if isinstance(body[field], list) else [body[field]]
    assert all(isinstance(v, str) and v.strip() for v in values), body
    return values


@pytest.fixture
def village() -> Municipality:
    return MunicipalityFactory(
        name="Ried", slug="ried", district="Landkreis Donau-Ries", official_key="09779200"
    )


@pytest.fixture
def other_village() -> Municipality:
    return MunicipalityFactory(
        name="Fernbach", slug="fernbach", official_key="09162000", latitude=49.7
    )


@pytest.fixture
def people(village, other_village) -> dict[str, User | None]:
    return {
        "anonymous": None,
        "other_resident": UserFactory(home_municipality=other_village),
        "resident": UserFactory(home_municipality=village),
        "moderator": moderator_of(village),
        "editor": editor_of(village),
        "other_editor": editor_of(other_village),
        "staff": UserFactory(home_municipality=other_village, is_staff=True),
    }


@pytest.fixture
def editor(people) -> User:
    return people["editor"]


# --- The municipality directory is public -------------------------------------------------

EVERYONE = ["anonymous", "other_resident", "resident", "moderator", "editor", "staff"]


@pytest.mark.parametrize("role", EVERYONE)
def test_everyone_lists_municipalities(people, role, village, other_village):
    response = client_for(people[role]).get(MUNICIPALITIES)
    assert response.status_code == 200
    assert {m["slug"] for m in response.json()} >= {village.slug, other_village.slug}


@pytest.mark.parametrize("role", EVERYONE)
def test_everyone_reads_a_municipality(people, role, village):
    response = client_for(people[role]).get(municipality_url(village.slug))
    assert response.status_code == 200
    body = response.json()
    assert body["name"] == "Ried"
    assert body["official_key"] == "09779200"
    assert body["signup_policy"] == "open"


def test_visitor_with_a_broken_token_is_refused_even_on_public_pages(village):
    # A client that sends credentials learns they are wrong instead of silently reading.
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token 0000000000000000000000000000000000000000")
    assert client.get(MUNICIPALITIES).status_code == 401


def test_unknown_municipality_is_404(village):
    assert APIClient().get(municipality_url("gibt-es-nicht")).status_code == 404


def test_municipality_detail_does_not_reveal_invitation_codes(village):
    InvitationCodeFactory(municipality=village)
    body = APIClient().get(municipality_url(village.slug)).json()
    assert "invitation_codes" not in body
    assert InvitationCode.objects.get().code not in str(body)


def test_search_by_name_puts_names_starting_with_query_first(village):
    MunicipalityFactory(name="Oberried", slug="oberried")
    MunicipalityFactory(name="Riedlingen", slug="riedlingen")
    response = APIClient().get(MUNICIPALITIES, {"q": "ried"})
    assert [m["name"] for m in response.json()] == ["Ried", "Riedlingen", "Oberried"]


def test_search_by_district(village, other_village):
    response = APIClient().get(MUNICIPALITIES, {"q": "Donau-Ries"})
    assert [m["slug"] for m in response.json()] == [village.slug]


def test_search_by_start_of_official_key(village, other_village):
    response = APIClient().get(MUNICIPALITIES, {"q": "0977"})
    assert [m["slug"] for m in response.json()] == [village.slug]


@pytest.mark.parametrize("query", ["q=%00", "q=Ried%00", "q=a%00b&limit=5", "limit=5%00"])
def test_search_text_with_nul_character_is_400_not_500(village, query):
    # PostgreSQL refuses NUL in text: without a check this would be a 500 there.
    response = APIClient().get(f"{MUNICIPALITIES}?{query}")
    assert response.status_code == 400
    assert response.json()["detail"]


@pytest.mark.parametrize(
    ("limit", "expected"),
    [("2", 2), ("0", 1), ("-5", 1), ("1000", 50), ("abc", 20), ("", 20), ("2.5", 20)],
)
def test_search_limit_is_kept_between_1_and_50(limit, expected):
    MunicipalityFactory.create_batch(55)
    response = APIClient().get(MUNICIPALITIES, {"limit": limit})
    assert response.status_code == 200
    assert len(response.json()) == expected


@pytest.mark.parametrize("query", ["%", "_", "'; --", "x" * 5000, "\u200b", "\u202e"])
def test_odd_search_text_never_fails(village, query):
    response = APIClient().get(MUNICIPALITIES, {"q": query})
    assert response.status_code == 200
    assert isinstance(response.json(), list)


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_directory_cannot_be_changed_over_the_api(people, village, method):
    client = client_for(people["staff"])
    for url in (MUNICIPALITIES, municipality_url(village.slug)):
        response = getattr(client, method)(url, {"name": "Umbenannt"}, format="json")
        assert response.status_code == 405
    village.refresh_from_db()
    assert village.name == "Ried"


# --- Invitation codes: who may see and change them ----------------------------------------

NOT_TOWN_HALL = ["other_resident", "resident", "moderator", "other_editor"]
TOWN_HALL = ["editor", "staff"]


def test_anonymous_cannot_list_invitation_codes(village):
    InvitationCodeFactory(municipality=village)
    assert APIClient().get(codes_url(village)).status_code == 401


def test_anonymous_cannot_create_invitation_codes(village):
    assert APIClient().post(codes_url(village), {}, format="json").status_code == 401
    assert not InvitationCode.objects.exists()


def test_anonymous_cannot_revoke_invitation_codes(village):
    invitation = InvitationCodeFactory(municipality=village)
    assert APIClient().delete(code_url(village, invitation.pk)).status_code == 401
    invitation.refresh_from_db()
    assert invitation.revoked_at is None


@pytest.mark.parametrize("role", NOT_TOWN_HALL)
def test_only_town_hall_lists_invitation_codes(people, village, role):
    InvitationCodeFactory(municipality=village)
    response = client_for(people[role]).get(codes_url(village))
    assert response.status_code == 404
    assert InvitationCode.objects.get().code not in response.content.decode()


@pytest.mark.parametrize("role", NOT_TOWN_HALL)
def test_only_town_hall_creates_invitation_codes(people, village, role):
    response = client_for(people[role]).post(codes_url(village), {"note": "Flyer"}, format="json")
    assert response.status_code == 404
    assert not InvitationCode.objects.exists()


@pytest.mark.parametrize("role", NOT_TOWN_HALL)
def test_only_town_hall_revokes_invitation_codes(people, village, role):
    invitation = InvitationCodeFactory(municipality=village)
    response = client_for(people[role]).delete(code_url(village, invitation.pk))
    assert response.status_code == 404
    invitation.refresh_from_db()
    assert invitation.revoked_at is None


def test_resident_of_other_village_cannot_list_invitation_codes(people, village):
    InvitationCodeFactory(municipality=village)
    assert client_for(people["other_resident"]).get(codes_url(village)).status_code == 404


def test_not_allowed_and_not_existing_look_the_same(people, village):
    # A curious resident cannot tell a municipality from a typo.
    resident = client_for(people["resident"])
    forbidden = resident.get(codes_url(village))
    missing = resident.get("/api/v1/municipalities/gibt-es-nicht/invitation-codes/")
    assert forbidden.status_code == missing.status_code == 404
    assert forbidden.json() == missing.json()


@pytest.mark.parametrize("role", TOWN_HALL)
@pytest.mark.parametrize("via", ["token", "session"])
def test_town_hall_lists_invitation_codes_newest_first(people, village, other_village, role, via):
    older = InvitationCodeFactory(municipality=village, note="Bürgerversammlung")
    newer = InvitationCodeFactory(municipality=village, note="Neubürger-Mappe")
    InvitationCode.objects.filter(pk=older.pk).update(created_at=timezone.now() - timedelta(days=2))
    InvitationCodeFactory(municipality=other_village, note="fremd")

    response = client_for(people[role], via=via).get(codes_url(village))

    assert response.status_code == 200
    assert [c["code"] for c in response.json()] == [newer.code, older.code]
    assert all(c["usable"] for c in response.json())


@pytest.mark.parametrize("role", TOWN_HALL)
def test_town_hall_creates_an_invitation_code(people, village, role):
    expires = timezone.now() + timedelta(days=14)
    response = client_for(people[role]).post(
        codes_url(village),
        {"note": "  Neubürger-Mappe  ", "max_uses": 25, "expires_at": expires.isoformat()},
        format="json",
    )
    assert response.status_code == 201
    body = response.json()
    invitation = InvitationCode.objects.get()
    assert body["code"] == invitation.code
    assert len(body["code"]) >= 8
    assert body["usable"] is True
    assert body["use_count"] == 0
    assert invitation.municipality == village
    assert invitation.created_by == people[role]
    assert invitation.note == "Neubürger-Mappe"
    assert invitation.max_uses == 25
    assert abs(invitation.expires_at - expires) < timedelta(seconds=1)


def test_editor_creates_an_unlimited_code_with_an_empty_body(editor, village):
    response = client_for(editor).post(codes_url(village), {}, format="json")
    assert response.status_code == 201
    body = response.json()
    assert body["max_uses"] is None
    assert body["expires_at"] is None
    assert body["revoked_at"] is None
    assert InvitationCode.objects.get().code == body["code"]


def test_each_new_code_is_different(editor, village):
    client = client_for(editor)
    codes = {client.post(codes_url(village), {}, format="json").json()["code"] for _ in range(5)}
    assert len(codes) == 5


def test_created_code_lets_a_new_resident_move_in(editor):
    closed = MunicipalityFactory(signup_policy=Municipality.SignupPolicy.INVITATION)
    town_hall = editor_of(closed)
    code = client_for(town_hall).post(codes_url(closed), {}, format="json").json()["code"]
    newcomer = UserFactory()

    response = client_for(newcomer).patch(
        "/api/v1/me/",
        {"home_municipality": closed.slug, "invitation_code": code},
        format="json",
    )

    assert response.status_code == 200
    newcomer.refresh_from_db()
    assert newcomer.home_municipality == closed
    assert InvitationCode.objects.get(code=code).use_count == 1


@pytest.mark.parametrize("role", TOWN_HALL)
def test_town_hall_revokes_an_invitation_code(people, village, role):
    invitation = InvitationCodeFactory(municipality=village)
    response = client_for(people[role]).delete(code_url(village, invitation.pk))
    assert response.status_code == 200
    body = response.json()
    assert body["revoked_at"] is not None
    assert body["usable"] is False
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None
    assert not invitation.is_usable()


def test_revoked_code_stays_listed_as_unusable(editor, village):
    invitation = InvitationCodeFactory(municipality=village)
    client = client_for(editor)
    client.delete(code_url(village, invitation.pk))
    listed = client.get(codes_url(village)).json()
    assert [(c["code"], c["usable"]) for c in listed] == [(invitation.code, False)]


def test_revoking_twice_keeps_the_first_revocation_time(editor, village):
    invitation = InvitationCodeFactory(municipality=village)
    client = client_for(editor)
    first = client.delete(code_url(village, invitation.pk)).json()["revoked_at"]
    second = client.delete(code_url(village, invitation.pk))
    assert second.status_code == 200
    assert second.json()["revoked_at"] == first


def test_revoked_code_no_longer_lets_anyone_move_in(editor, village):
    invitation = InvitationCodeFactory(municipality=village)
    Municipality.objects.filter(pk=village.pk).update(
        signup_policy=Municipality.SignupPolicy.INVITATION
    )
    client_for(editor).delete(code_url(village, invitation.pk))
    newcomer = UserFactory()
    response = client_for(newcomer).patch(
        "/api/v1/me/",
        {"home_municipality": village.slug, "invitation_code": invitation.code},
        format="json",
    )
    assert response.status_code == 400
    newcomer.refresh_from_db()
    assert newcomer.home_municipality != village


@pytest.mark.parametrize("pk", [0, 987654, 99_999_999_999_999_999_999])
def test_revoking_an_unknown_code_is_404(editor, village, pk):
    assert client_for(editor).delete(code_url(village, pk)).status_code == 404


def test_invitation_code_cannot_be_edited_or_read_one_by_one(editor, village):
    invitation = InvitationCodeFactory(municipality=village, max_uses=3)
    client = client_for(editor)
    assert client.get(code_url(village, invitation.pk)).status_code == 405
    response = client.patch(code_url(village, invitation.pk), {"max_uses": 999}, format="json")
    assert response.status_code == 405
    invitation.refresh_from_db()
    assert invitation.max_uses == 3


# --- One town hall cannot touch another's codes -------------------------------------------


def test_editor_of_one_village_cannot_list_codes_of_another(editor, other_village):
    InvitationCodeFactory(municipality=other_village)
    assert client_for(editor).get(codes_url(other_village)).status_code == 404


def test_editor_of_one_village_cannot_create_codes_for_another(editor, other_village):
    response = client_for(editor).post(codes_url(other_village), {}, format="json")
    assert response.status_code == 404
    assert not InvitationCode.objects.exists()


def test_editor_of_one_village_cannot_revoke_codes_of_another(editor, other_village):
    foreign = InvitationCodeFactory(municipality=other_village)
    response = client_for(editor).delete(code_url(other_village, foreign.pk))
    assert response.status_code == 404
    foreign.refresh_from_db()
    assert foreign.revoked_at is None


def test_editor_cannot_revoke_a_foreign_code_through_their_own_village(
    editor, village, other_village
):
    foreign = InvitationCodeFactory(municipality=other_village)
    response = client_for(editor).delete(code_url(village, foreign.pk))
    assert response.status_code == 404
    foreign.refresh_from_db()
    assert foreign.revoked_at is None


def test_editor_of_two_villages_manages_both(village, other_village):
    editor = editor_of(village)
    RoleFactory(user=editor, municipality=other_village)
    client = client_for(editor)
    assert client.post(codes_url(village), {}, format="json").status_code == 201
    assert client.post(codes_url(other_village), {}, format="json").status_code == 201
    assert InvitationCode.objects.filter(municipality=other_village).count() == 1


# --- Invitation codes with bad input ------------------------------------------------------


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"max_uses": 0}, "max_uses"),
        ({"max_uses": -3}, "max_uses"),
        ({"max_uses": 100_001}, "max_uses"),
        ({"max_uses": "viele"}, "max_uses"),
        ({"max_uses": 2.5}, "max_uses"),
        ({"max_uses": True}, "max_uses"),
        ({"max_uses": [3]}, "max_uses"),
        ({"expires_at": "2001-01-01T00:00:00Z"}, "expires_at"),
        ({"expires_at": "morgen"}, "expires_at"),
        ({"expires_at": 1_900_000_000}, "expires_at"),
        ({"expires_at": "2030-02-30T00:00:00Z"}, "expires_at"),
        ({"note": "n" * 201}, "note"),
        ({"note": "n" * 401}, "note"),
        ({"note": None}, "note"),
        ({"note": ["Flyer"]}, "note"),
        ({"note": 42}, "note"),
    ],
)
def test_invitation_code_with_bad_input_is_400_and_creates_nothing(editor, village, payload, field):
    response = client_for(editor).post(codes_url(village), payload, format="json")
    assert response.status_code == 400
    assert field_messages(response, field)
    assert not InvitationCode.objects.exists()


def test_invitation_note_with_nul_character_is_400_and_creates_nothing(editor, village):
    response = client_for(editor).post(codes_url(village), {"note": "Flyer\x00"}, format="json")
    assert response.status_code == 400
    assert response.json()
    assert not InvitationCode.objects.exists()


def test_invitation_code_expiring_just_now_is_refused(editor, village):
    response = client_for(editor).post(
        codes_url(village), {"expires_at": timezone.now().isoformat()}, format="json"
    )
    assert response.status_code == 400
    assert field_messages(response, "expires_at")
    assert not InvitationCode.objects.exists()


def test_invitation_note_of_200_characters_is_accepted(editor, village):
    response = client_for(editor).post(codes_url(village), {"note": "n" * 200}, format="json")
    assert response.status_code == 201
    assert InvitationCode.objects.get().note == "n" * 200


@pytest.mark.parametrize("body", [[], [{"note": "Flyer"}], "Flyer", 7])
def test_invitation_code_with_a_body_that_is_not_an_object_is_400(editor, village, body):
    response = client_for(editor).post(codes_url(village), body, format="json")
    assert response.status_code == 400
    assert response.json()
    assert not InvitationCode.objects.exists()


def test_invitation_code_fields_the_server_owns_are_ignored(editor, village):
    response = client_for(editor).post(
        codes_url(village),
        {"code": "SELBSTGEMACHT", "use_count": 99, "revoked_at": "2001-01-01T00:00:00Z"},
        format="json",
    )
    assert response.status_code == 201
    invitation = InvitationCode.objects.get()
    assert invitation.code != "SELBSTGEMACHT"
    assert invitation.use_count == 0
    assert invitation.revoked_at is None
