"""REST API of accounts: tokens, sign-up, confirmation, passwords, profile, photos, people."""

import io
import re
import struct
import zlib
from datetime import timedelta

import pytest
from django.conf import settings
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from django.utils.http import urlsafe_base64_encode
from PIL import Image
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from apps.accounts import services
from apps.accounts.models import User
from apps.places.models import Municipality
from tests.factories import (
    PASSWORD,
    InvitationCodeFactory,
    MunicipalityFactory,
    UserFactory,
    client_for,
    editor_of,
    moderator_of,
)

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Holunderbusch-am-Weiher-7"
CONFIRM_LINK = re.compile(r"/konto/bestaetigen/(?P<uid>[^/\s]+)/(?P<token>[^/\s]+)/")
RESET_LINK = re.compile(r"/konto/passwort-neu/(?P<uid>[^/\s]+)/(?P<token>[^/\s]+)/")

ME = "/api/v1/me/"
ME_PHOTO = "/api/v1/me/photo/"
ME_PASSWORD = "/api/v1/me/password/"
ME_MUNICIPALITIES = "/api/v1/me/municipalities/"
TOKEN = "/api/v1/auth/token/"
TOKEN_REVOKE = "/api/v1/auth/token/revoke/"
SIGNUP = "/api/v1/auth/signup/"
CONFIRM_EMAIL = "/api/v1/auth/confirm-email/"
RESEND_CONFIRMATION = "/api/v1/auth/resend-confirmation/"
PASSWORD_RESET = "/api/v1/auth/password-reset/"
PASSWORD_RESET_CONFIRM = "/api/v1/auth/password-reset/confirm/"


def user_url(user_id: int) -> str:
    return f"/api/v1/users/{user_id}/"


def messages_of(response) -> list[str]:
    """Every error message in an answer, however nested."""
    found: list[str] = []

    def walk(value):
        if isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)
        elif isinstance(value, str) and value.strip():
            found.append(value)

    walk(response.json())
    return found


def field_messages(response, field: str) -> list[str]:
    body = response.json()
    assert field in body, body
    value = body[field]
    values = value if isinstance(value, list) else [value]
    assert all(isinstance(v, str) and v.strip() for v in values), body
    return values


def login(client: APIClient, email: str, password: str):
    return client.post(TOKEN, {"email": email, "password": password}, format="json")


# --- Images -------------------------------------------------------------------------------


def jpeg_bytes(size=(64, 48), *, exif: Image.Exif | None = None, noise: bool = False) -> bytes:
    if noise:
        image = Image.effect_noise(size, 80).convert("RGB")
    else:
        image = Image.new("RGB", size, (200, 120, 40))
    out = io.BytesIO()
    if exif is None:
        image.save(out, format="JPEG", quality=90)
    else:
        image.save(out, format="JPEG", quality=90, exif=exif.tobytes())
    return out.getvalue()


def gps_exif() -> Image.Exif:
    exif = Image.Exif()
    exif[0x010F] = "Dorfkamera"  # Make
    exif[0x8825] = {  # GPS IFD: Ried, Kirchplatz
        1: "N",
        2: (48.0, 48.0, 12.5),
        3: "E",
        4: (10.0, 36.0, 3.25),
    }
    return exif


def png_declaring(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims width x height pixels."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )


def upload(name: str, content: bytes, content_type: str = "image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


# --- Fixtures -----------------------------------------------------------------------------


@pytest.fixture
def village() -> Municipality:
    return MunicipalityFactory(name="Ried", latitude=48.80, longitude=10.60)


@pytest.fixture
def other_village() -> Municipality:
    # About 100 km north: never inside anyone's reading radius here.
    return MunicipalityFactory(name="Fernbach", latitude=49.70, longitude=10.60)


@pytest.fixture
def resident(village) -> User:
    return UserFactory(home_municipality=village, first_name="Anna", last_name="Zimmermann")


@pytest.fixture
def people(village, other_village, resident) -> dict[str, User | None]:
    """Everyone the permission matrix asks about, by role."""
    return {
        "anonymous": None,
        "other_resident": UserFactory(home_municipality=other_village),
        "resident": resident,
        "moderator": moderator_of(village),
        "editor": editor_of(village),
        "other_editor": editor_of(other_village),
        "staff": UserFactory(home_municipality=other_village, is_staff=True),
    }


@pytest.fixture
def closed_village() -> Municipality:
    return MunicipalityFactory(
        name="Klosterried",
        latitude=48.81,
        longitude=10.61,
        signup_policy=Municipality.SignupPolicy.INVITATION,
    )


def snapshot(user: User) -> dict:
    return User.objects.values(
        "first_name",
        "last_name",
        "bio",
        "language",
        "home_municipality_id",
        "reading_radius_km",
        "photo",
        "password",
        "email",
    ).get(pk=user.pk)


# --- Who may call what --------------------------------------------------------------------

SIGNED_IN = ["other_resident", "resident", "moderator", "editor", "other_editor", "staff"]


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", ME),
        ("patch", ME),
        ("put", ME_PHOTO),
        ("delete", ME_PHOTO),
        ("post", ME_PASSWORD),
        ("get", ME_MUNICIPALITIES),
        ("delete", TOKEN_REVOKE),
    ],
)
def test_anonymous_cannot_use_me_endpoints(method, url, resident):
    before = snapshot(resident)
    response = getattr(APIClient(), method)(url, {}, format="json")
    assert response.status_code == 401
    assert snapshot(resident) == before


def test_anonymous_cannot_read_a_profile(resident):
    response = APIClient().get(user_url(resident.pk))
    assert response.status_code == 401


@pytest.mark.parametrize("role", SIGNED_IN)
def test_every_signed_in_person_reads_their_own_account(people, role):
    user = people[role]
    response = client_for(user).get(ME)
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == user.pk
    assert body["email"] == user.email
    assert body["home_municipality"]["slug"] == user.home_municipality.slug


@pytest.mark.parametrize("role", SIGNED_IN)
def test_every_signed_in_person_reads_their_municipalities_home_first(people, role):
    user = people[role]
    response = client_for(user).get(ME_MUNICIPALITIES)
    assert response.status_code == 200
    assert [m["slug"] for m in response.json()] == [user.home_municipality.slug]


def test_reader_with_a_radius_reads_neighbouring_village_after_home(resident, village):
    neighbour = MunicipalityFactory(name="Nachbarried", latitude=48.82, longitude=10.60)
    response = client_for(resident).get(ME_MUNICIPALITIES)
    assert [m["slug"] for m in response.json()] == [village.slug, neighbour.slug]


@pytest.mark.parametrize("role", SIGNED_IN)
def test_every_signed_in_person_may_open_a_residents_profile(people, role, resident):
    response = client_for(people[role]).get(user_url(resident.pk))
    assert response.status_code == 200
    assert response.json()["id"] == resident.pk


@pytest.mark.parametrize("role", SIGNED_IN)
def test_every_signed_in_person_may_revoke_their_own_token(people, role):
    user = people[role]
    client = client_for(user)
    assert client.delete(TOKEN_REVOKE).status_code == 204
    assert not Token.objects.filter(user=user).exists()


@pytest.mark.parametrize("via", ["token", "session"])
def test_token_and_session_both_authenticate(resident, via):
    response = client_for(resident, via=via).get(ME)
    assert response.status_code == 200
    assert response.json()["email"] == resident.email


def test_session_write_without_csrf_token_is_refused(resident):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(resident)
    response = client.patch(ME, {"first_name": "Berta"}, format="json")
    assert response.status_code == 403
    resident.refresh_from_db()
    assert resident.first_name == "Anna"


@pytest.mark.parametrize(
    "header",
    [
        "Token",
        "Token ",
        "Token two parts",
        "Token 0000000000000000000000000000000000000000",
        "Token " + "a" * 5000,
        "Token caf\xe9",  # a latin-1 byte that is not UTF-8
        "Token '; DROP TABLE authtoken_token; --",
        "Bearer abcdef",
        "token",
    ],
)
def test_malformed_or_unknown_token_is_401_never_500(resident, header):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)
    response = client.get(ME)
    assert response.status_code == 401


def test_token_with_nul_character_is_401_never_500(resident):
    client = APIClient(raise_request_exception=False)
    client.credentials(HTTP_AUTHORIZATION="Token abc\x00def")
    response = client.get(ME)
    assert response.status_code == 401


def test_token_of_deactivated_account_stops_working(resident):
    client = client_for(resident)
    User.objects.filter(pk=resident.pk).update(is_active=False)
    assert client.get(ME).status_code == 401


# --- Token endpoint -----------------------------------------------------------------------


def test_correct_login_returns_a_token_that_opens_me(resident):
    response = login(APIClient(), resident.email, PASSWORD)
    assert response.status_code == 200
    key = response.json()["token"]
    assert Token.objects.get(key=key).user == resident

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    me = client.get(ME)
    assert me.status_code == 200
    assert me.json()["id"] == resident.pk


def test_login_ignores_case_and_spaces_in_email(resident):
    response = login(APIClient(), f"  {resident.email.upper()} ", PASSWORD)
    assert response.status_code == 200


def test_login_twice_returns_the_same_token(resident):
    first = login(APIClient(), resident.email, PASSWORD).json()["token"]
    second = login(APIClient(), resident.email, PASSWORD).json()["token"]
    assert first == second


def test_wrong_password_is_400_with_a_message_and_no_token(resident):
    response = login(APIClient(), resident.email, "Falsches-Passwort-99")
    assert response.status_code == 400
    assert messages_of(response)
    assert "token" not in response.json()
    assert not Token.objects.filter(user=resident).exists()


def test_unknown_email_gives_the_same_answer_as_wrong_password(resident):
    wrong_password = login(APIClient(), resident.email, "Falsches-Passwort-99")
    unknown = login(APIClient(), "niemand@example.org", "Falsches-Passwort-99")
    assert unknown.status_code == wrong_password.status_code == 400
    assert unknown.json() == wrong_password.json()


def test_unconfirmed_email_cannot_get_a_token(village):
    user = UserFactory(home_municipality=village, email_confirmed_at=None)
    response = login(APIClient(), user.email, PASSWORD)
    assert response.status_code == 400
    assert any("bestätige" in message for message in messages_of(response))
    assert not Token.objects.filter(user=user).exists()


def test_deactivated_account_cannot_get_a_token(village):
    user = UserFactory(home_municipality=village, is_active=False)
    response = login(APIClient(), user.email, PASSWORD)
    assert response.status_code == 400
    assert not Token.objects.filter(user=user).exists()


@pytest.mark.parametrize(
    "payload",
    [
        {},
        {"email": "anna@example.org"},
        {"password": PASSWORD},
        {"email": 42, "password": PASSWORD},
        {"email": ["anna@example.org"], "password": PASSWORD},
        {"email": None, "password": None},
        {"email": "anna@example.org", "password": {"x": 1}},
        ["anna@example.org", PASSWORD],
        "anna@example.org",
    ],
)
def test_token_request_with_bad_shape_is_400(resident, payload):
    response = APIClient().post(TOKEN, payload, format="json")
    assert response.status_code == 400
    assert messages_of(response)
    assert not Token.objects.exists()


def test_token_request_with_broken_json_is_400(resident):
    response = APIClient().post(TOKEN, "{not json", content_type="application/json")
    assert response.status_code == 400


def test_logins_pause_after_the_failure_limit_even_with_the_right_password(resident):
    client = APIClient()
    for _attempt in range(settings.LOGIN_FAILURE_LIMIT):
        assert login(client, resident.email, "Falsches-Passwort-99").status_code == 400
    response = login(client, resident.email, PASSWORD)
    assert response.status_code == 429
    assert messages_of(response)
    assert not Token.objects.filter(user=resident).exists()


def test_one_failure_below_the_limit_the_right_password_still_works(resident):
    client = APIClient()
    for _attempt in range(settings.LOGIN_FAILURE_LIMIT - 1):
        login(client, resident.email, "Falsches-Passwort-99")
    assert login(client, resident.email, PASSWORD).status_code == 200


def test_success_resets_the_failure_count(resident):
    client = APIClient()
    for _attempt in range(settings.LOGIN_FAILURE_LIMIT - 1):
        login(client, resident.email, "Falsches-Passwort-99")
    assert login(client, resident.email, PASSWORD).status_code == 200
    for _attempt in range(settings.LOGIN_FAILURE_LIMIT - 1):
        login(client, resident.email, "Falsches-Passwort-99")
    assert login(client, resident.email, PASSWORD).status_code == 200


def test_pause_for_one_account_does_not_lock_out_a_neighbour(resident, village):
    neighbour = UserFactory(home_municipality=village)
    client = APIClient()
    for _attempt in range(settings.LOGIN_FAILURE_LIMIT):
        login(client, resident.email, "Falsches-Passwort-99")
    assert login(client, neighbour.email, PASSWORD).status_code == 200


def test_revoked_token_stops_working(resident):
    key = login(APIClient(), resident.email, PASSWORD).json()["token"]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.get(ME).status_code == 200

    assert client.delete(TOKEN_REVOKE).status_code == 204

    assert client.get(ME).status_code == 401
    assert not Token.objects.filter(key=key).exists()


def test_revoke_over_session_ends_the_api_token(resident):
    token_client = client_for(resident)
    response = client_for(resident, via="session").delete(TOKEN_REVOKE)
    assert response.status_code == 204
    assert token_client.get(ME).status_code == 401


# --- Sign-up and confirmation -------------------------------------------------------------


def signup_payload(**overrides) -> dict:
    payload = {
        "email": "berta.huber@example.org",
        "password": NEW_PASSWORD,
        "first_name": "Berta",
        "last_name": "Huber",
    }
    payload.update(overrides)
    return payload


def link_from_outbox(pattern: re.Pattern, to: str) -> dict[str, str]:
    messages = [m for m in mail.outbox if to in m.to]
    assert len(messages) == 1, [m.to for m in mail.outbox]
    match = pattern.search(messages[0].body)
    assert match, messages[0].body
    return match.groupdict()


def test_sign_up_then_confirm_then_log_in(django_capture_on_commit_callbacks):
    client = APIClient()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(SIGNUP, signup_payload(), format="json")
    assert response.status_code == 201
    body = response.json()
    assert body["email"] == "berta.huber@example.org"
    assert body["email_confirmed"] is False
    assert "password" not in body
    user = User.objects.get(email="berta.huber@example.org")
    assert user.check_password(NEW_PASSWORD)
    assert login(client, user.email, NEW_PASSWORD).status_code == 400

    link = link_from_outbox(CONFIRM_LINK, user.email)
    confirmed = client.post(CONFIRM_EMAIL, link, format="json")

    assert confirmed.status_code == 200
    assert confirmed.json()["email_confirmed"] is True
    user.refresh_from_db()
    assert user.email_confirmed_at is not None
    assert login(client, user.email, NEW_PASSWORD).status_code == 200


def test_sign_up_stores_email_in_lower_case(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = APIClient().post(
            SIGNUP, signup_payload(email="  Berta.Huber@Example.ORG "), format="json"
        )
    assert response.status_code == 201
    assert User.objects.filter(email="berta.huber@example.org").count() == 1


def test_confirmation_link_works_only_once(django_capture_on_commit_callbacks):
    client = APIClient()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(SIGNUP, signup_payload(), format="json")
    link = link_from_outbox(CONFIRM_LINK, "berta.huber@example.org")
    assert client.post(CONFIRM_EMAIL, link, format="json").status_code == 200
    first_confirmation = User.objects.get(email="berta.huber@example.org").email_confirmed_at

    again = client.post(CONFIRM_EMAIL, link, format="json")

    assert again.status_code == 400
    assert field_messages(again, "token")
    user = User.objects.get(email="berta.huber@example.org")
    assert user.email_confirmed_at == first_confirmation


@pytest.mark.parametrize(
    "payload",
    [
        {},
        {"uid": "MQ"},
        {"token": "abc-def"},
        {"uid": "!!!", "token": "abc-def"},
        {"uid": 1, "token": "abc-def"},
        {"uid": None, "token": None},
        {"uid": ["MQ"], "token": ["abc"]},
        {"uid": urlsafe_base64_encode(b"99999999999999999999999999"), "token": "abc-def"},
        ["MQ", "abc-def"],
    ],
)
def test_confirmation_with_bad_input_is_400_and_confirms_nobody(payload, village):
    user = UserFactory(home_municipality=village, email_confirmed_at=None)
    response = APIClient().post(CONFIRM_EMAIL, payload, format="json")
    assert response.status_code == 400
    assert messages_of(response)
    user.refresh_from_db()
    assert user.email_confirmed_at is None


def test_confirmation_token_of_one_person_does_not_confirm_another(
    django_capture_on_commit_callbacks, village
):
    other = UserFactory(home_municipality=village, email_confirmed_at=None)
    client = APIClient()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(SIGNUP, signup_payload(), format="json")
    link = link_from_outbox(CONFIRM_LINK, "berta.huber@example.org")
    link["uid"] = urlsafe_base64_encode(str(other.pk).encode())
    assert client.post(CONFIRM_EMAIL, link, format="json").status_code == 400
    other.refresh_from_db()
    assert other.email_confirmed_at is None


def test_resend_confirmation_mails_a_new_working_link(django_capture_on_commit_callbacks, village):
    user = UserFactory(home_municipality=village, email_confirmed_at=None)
    with django_capture_on_commit_callbacks(execute=True):
        response = APIClient().post(RESEND_CONFIRMATION, {"email": user.email}, format="json")
    assert response.status_code == 202
    link = link_from_outbox(CONFIRM_LINK, user.email)
    assert APIClient().post(CONFIRM_EMAIL, link, format="json").status_code == 200


@pytest.mark.parametrize("who", ["confirmed", "unknown"])
def test_resend_confirmation_says_nothing_and_sends_nothing_for_others(
    django_capture_on_commit_callbacks, resident, who
):
    email = resident.email if who == "confirmed" else "niemand@example.org"
    with django_capture_on_commit_callbacks(execute=True):
        response = APIClient().post(RESEND_CONFIRMATION, {"email": email}, format="json")
    assert response.status_code == 202
    assert mail.outbox == []


@pytest.mark.parametrize("payload", [{}, {"email": ""}, {"email": 5}, {"email": None}, []])
def test_resend_confirmation_without_email_is_400(payload):
    response = APIClient().post(RESEND_CONFIRMATION, payload, format="json")
    assert response.status_code == 400
    assert messages_of(response)


# --- Sign-up with bad input ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"email": "keine-adresse"}, "email"),
        ({"email": "anna@"}, "email"),
        ({"email": "anna@example"}, "email"),
        ({"email": "an na@example.org"}, "email"),
        ({"email": ""}, "email"),
        ({"email": "a" * 250 + "@example.org"}, "email"),
        ({"email": 42}, "email"),
        ({"email": ["berta@example.org"]}, "email"),
        ({"email": None}, "email"),
        ({"password": "Kurz-1"}, "password"),
        ({"password": "83920174658392"}, "password"),
        ({"password": "qwertyuiop"}, "password"),
        ({"password": "password123"}, "password"),
        ({"password": ""}, "password"),
        ({"password": 1234567890123}, "password"),
        ({"password": None}, "password"),
        ({"first_name": ""}, "first_name"),
        ({"first_name": "   "}, "first_name"),
        ({"first_name": "B" * 61}, "first_name"),
        ({"first_name": "\u200b\u200c\u200d"}, "first_name"),
        ({"last_name": "\ufeff\u2060\u200b"}, "last_name"),
        ({"last_name": "H" * 1000}, "last_name"),
        ({"first_name": 7}, "first_name"),
        ({"last_name": ["Huber"]}, "last_name"),
        ({"last_name": None}, "last_name"),
        ({"language": "fr"}, "language"),
        ({"language": 1}, "language"),
    ],
)
def test_sign_up_with_bad_input_is_400_and_saves_nothing(
    django_capture_on_commit_callbacks, resident, overrides, field
):
    users_before = User.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        response = APIClient().post(SIGNUP, signup_payload(**overrides), format="json")
    assert response.status_code == 400
    assert field_messages(response, field)
    assert User.objects.count() == users_before
    assert mail.outbox == []


@pytest.mark.parametrize("missing", ["email", "password", "first_name", "last_name"])
def test_sign_up_without_a_field_is_400_and_saves_nothing(
    django_capture_on_commit_callbacks, missing
):
    payload = signup_payload()
    del payload[missing]
    with django_capture_on_commit_callbacks(execute=True):
        response = APIClient().post(SIGNUP, payload, format="json")
    assert response.status_code == 400
    assert field_messages(response, missing)
    assert not User.objects.exists()
    assert mail.outbox == []


@pytest.mark.parametrize("body", [[], [signup_payload()], "berta@example.org", 42, None])
def test_sign_up_with_a_body_that_is_not_an_object_is_400(django_capture_on_commit_callbacks, body):
    with django_capture_on_commit_callbacks(execute=True):
        response = APIClient().post(SIGNUP, body, format="json")
    assert response.status_code == 400
    assert messages_of(response)
    assert not User.objects.exists()
    assert mail.outbox == []


NUL_REQUESTS = [
    ("post", TOKEN, {"email": "anna\x00@example.org", "password": PASSWORD}),
    ("post", SIGNUP, signup_payload(email="anna\x00@example.org")),
    ("post", SIGNUP, signup_payload(first_name="Ber\x00ta")),
    ("post", CONFIRM_EMAIL, {"uid": "MQ", "token": "abc\x00def"}),
    ("post", RESEND_CONFIRMATION, {"email": "anna\x00@example.org"}),
    ("post", PASSWORD_RESET, {"email": "anna\x00@example.org"}),
    ("post", PASSWORD_RESET_CONFIRM, {"uid": "MQ", "token": "a", "new_password": "x\x00y"}),
    ("patch", ME, {"first_name": "Ber\x00ta"}),
    ("patch", ME, {"home_municipality": "ried\x00"}),
    ("post", ME_PASSWORD, {"old_password": PASSWORD, "new_password": NEW_PASSWORD + "\x00"}),
]


@pytest.mark.parametrize(("method", "url", "payload"), NUL_REQUESTS)
def test_nul_character_in_any_field_is_400_and_changes_nothing(
    django_capture_on_commit_callbacks, resident, method, url, payload
):
    # PostgreSQL refuses NUL in text: without a check this would be a 500 there.
    client = client_for(resident)
    before = snapshot(resident)
    users_before = User.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        response = getattr(client, method)(url, payload, format="json")
    assert response.status_code == 400
    assert messages_of(response)
    assert snapshot(resident) == before
    assert User.objects.count() == users_before
    assert Token.objects.count() == 1
    assert mail.outbox == []


@pytest.mark.parametrize("spelling", ["anna@example.org", "ANNA@EXAMPLE.ORG", " Anna@Example.org"])
def test_sign_up_with_a_taken_email_in_any_case_is_400(
    django_capture_on_commit_callbacks, village, spelling
):
    UserFactory(home_municipality=village, email="anna@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        response = APIClient().post(SIGNUP, signup_payload(email=spelling), format="json")
    assert response.status_code == 400
    assert field_messages(response, "email")
    assert User.objects.count() == 1
    assert mail.outbox == []


def test_sign_up_with_password_like_the_name_is_400(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = APIClient().post(
            SIGNUP, signup_payload(password="berta.huber@example.org"), format="json"
        )
    assert response.status_code == 400
    assert field_messages(response, "password")
    assert not User.objects.exists()


def test_sign_up_is_public_and_ignores_a_broken_token_header(django_capture_on_commit_callbacks):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token kaputt")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(SIGNUP, signup_payload(), format="json")
    assert response.status_code == 201


# --- Password reset -----------------------------------------------------------------------


def test_password_reset_then_log_in_with_the_new_password(
    django_capture_on_commit_callbacks, resident
):
    client = APIClient()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(PASSWORD_RESET, {"email": resident.email.upper()}, format="json")
    assert response.status_code == 202
    link = link_from_outbox(RESET_LINK, resident.email)

    confirmed = client.post(
        PASSWORD_RESET_CONFIRM, {**link, "new_password": NEW_PASSWORD}, format="json"
    )

    assert confirmed.status_code == 204
    assert login(client, resident.email, PASSWORD).status_code == 400
    assert login(client, resident.email, NEW_PASSWORD).status_code == 200


def test_password_reset_link_works_only_once(django_capture_on_commit_callbacks, resident):
    client = APIClient()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(PASSWORD_RESET, {"email": resident.email}, format="json")
    link = link_from_outbox(RESET_LINK, resident.email)
    first = client.post(
        PASSWORD_RESET_CONFIRM, {**link, "new_password": NEW_PASSWORD}, format="json"
    )
    assert first.status_code == 204

    again = client.post(
        PASSWORD_RESET_CONFIRM, {**link, "new_password": "Noch-ein-neues-Passwort-3"}, format="json"
    )

    assert again.status_code == 400
    assert field_messages(again, "token")
    resident.refresh_from_db()
    assert resident.check_password(NEW_PASSWORD)


def test_password_reset_confirms_an_unconfirmed_address(
    django_capture_on_commit_callbacks, village
):
    user = UserFactory(home_municipality=village, email_confirmed_at=None)
    with django_capture_on_commit_callbacks(execute=True):
        APIClient().post(PASSWORD_RESET, {"email": user.email}, format="json")
    link = link_from_outbox(RESET_LINK, user.email)
    response = APIClient().post(
        PASSWORD_RESET_CONFIRM, {**link, "new_password": NEW_PASSWORD}, format="json"
    )
    assert response.status_code == 204
    assert login(APIClient(), user.email, NEW_PASSWORD).status_code == 200


@pytest.mark.parametrize(
    "new_password", ["kurz", "12345678901234", "qwertyuiop", "", 12345678901234, None, ["x"]]
)
def test_password_reset_with_weak_or_missing_password_changes_nothing(
    django_capture_on_commit_callbacks, resident, new_password
):
    with django_capture_on_commit_callbacks(execute=True):
        APIClient().post(PASSWORD_RESET, {"email": resident.email}, format="json")
    link = link_from_outbox(RESET_LINK, resident.email)
    before = snapshot(resident)

    response = APIClient().post(
        PASSWORD_RESET_CONFIRM, {**link, "new_password": new_password}, format="json"
    )

    assert response.status_code == 400
    assert field_messages(response, "new_password")
    assert snapshot(resident) == before


@pytest.mark.parametrize(
    "payload",
    [
        {"uid": "MQ", "token": "abc-def", "new_password": NEW_PASSWORD},
        {"uid": "!!!", "token": "abc-def", "new_password": NEW_PASSWORD},
        {"uid": "", "token": "", "new_password": NEW_PASSWORD},
        ["MQ", "abc-def", NEW_PASSWORD],
    ],
)
def test_password_reset_confirm_with_bad_link_changes_nothing(resident, payload):
    before = snapshot(resident)
    response = APIClient().post(PASSWORD_RESET_CONFIRM, payload, format="json")
    assert response.status_code == 400
    assert messages_of(response)
    assert snapshot(resident) == before


def test_password_reset_for_unknown_email_is_202_and_sends_nothing(
    django_capture_on_commit_callbacks, resident
):
    with django_capture_on_commit_callbacks(execute=True):
        response = APIClient().post(PASSWORD_RESET, {"email": "niemand@example.org"}, format="json")
    assert response.status_code == 202
    assert mail.outbox == []


@pytest.mark.parametrize("payload", [{}, {"email": ""}, {"email": 1}, {"email": None}, ["a@b.de"]])
def test_password_reset_request_without_email_is_400(payload):
    response = APIClient().post(PASSWORD_RESET, payload, format="json")
    assert response.status_code == 400
    assert messages_of(response)
    assert mail.outbox == []


# --- Changing the password while signed in ------------------------------------------------


def test_password_change_needs_the_old_password(resident):
    client = client_for(resident)
    before = snapshot(resident)
    response = client.post(
        ME_PASSWORD,
        {"old_password": "Falsches-Passwort-99", "new_password": NEW_PASSWORD},
        format="json",
    )
    assert response.status_code == 400
    assert field_messages(response, "old_password")
    assert snapshot(resident) == before


@pytest.mark.parametrize("new_password", ["kurz", "98765432109876", "qwertyuiop"])
def test_password_change_refuses_a_weak_password(resident, new_password):
    client = client_for(resident)
    before = snapshot(resident)
    response = client.post(
        ME_PASSWORD, {"old_password": PASSWORD, "new_password": new_password}, format="json"
    )
    assert response.status_code == 400
    assert field_messages(response, "new_password")
    assert snapshot(resident) == before


def test_password_change_then_log_in_with_the_new_password(resident):
    response = client_for(resident).post(
        ME_PASSWORD, {"old_password": PASSWORD, "new_password": NEW_PASSWORD}, format="json"
    )
    assert response.status_code == 204
    assert login(APIClient(), resident.email, NEW_PASSWORD).status_code == 200
    assert login(APIClient(), resident.email, PASSWORD).status_code == 400


# --- Profile changes ----------------------------------------------------------------------


def test_resident_changes_name_bio_and_language(resident):
    response = client_for(resident).patch(
        ME,
        {"first_name": " Berta ", "last_name": "Huber", "bio": "Imkerin", "language": "en"},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["public_name"] == "Berta H."
    resident.refresh_from_db()
    assert (resident.first_name, resident.last_name, resident.bio, resident.language) == (
        "Berta",
        "Huber",
        "Imkerin",
        "en",
    )


def test_resident_moves_to_an_open_village_and_sets_radius(resident, other_village):
    response = client_for(resident).patch(
        ME, {"home_municipality": other_village.slug, "reading_radius_km": 12}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["home_municipality"]["slug"] == other_village.slug
    resident.refresh_from_db()
    assert resident.home_municipality == other_village
    assert resident.reading_radius_km == 12


@pytest.mark.parametrize("radius", [0, 30])
def test_radius_limits_are_accepted(resident, radius):
    response = client_for(resident).patch(ME, {"reading_radius_km": radius}, format="json")
    assert response.status_code == 200
    resident.refresh_from_db()
    assert resident.reading_radius_km == radius


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"first_name": "B" * 61}, "first_name"),
        ({"first_name": "B" * 201}, "first_name"),
        ({"last_name": "H" * 5000}, "last_name"),
        ({"first_name": "\u200b\u200c\u200d"}, "first_name"),
        ({"last_name": "\ufeff\u2060"}, "last_name"),
        ({"first_name": ""}, "first_name"),
        ({"first_name": None}, "first_name"),
        ({"first_name": 42}, "first_name"),
        ({"last_name": ["Huber"]}, "last_name"),
        ({"last_name": {"name": "Huber"}}, "last_name"),
        ({"bio": None}, "bio"),
        ({"bio": 3.5}, "bio"),
        ({"bio": "x" * 501}, "bio"),
        ({"language": "fr"}, "language"),
        ({"language": None}, "language"),
        ({"home_municipality": "gibt-es-nicht"}, "home_municipality"),
        ({"home_municipality": "kein slug!"}, "home_municipality"),
        ({"home_municipality": None}, "home_municipality"),
        ({"home_municipality": 7}, "home_municipality"),
        ({"reading_radius_km": -1}, "reading_radius_km"),
        ({"reading_radius_km": 31}, "reading_radius_km"),
        ({"reading_radius_km": 100_000}, "reading_radius_km"),
        ({"reading_radius_km": "abc"}, "reading_radius_km"),
        ({"reading_radius_km": 2.5}, "reading_radius_km"),
        ({"reading_radius_km": None}, "reading_radius_km"),
        ({"reading_radius_km": True}, "reading_radius_km"),
        ({"reading_radius_km": [5]}, "reading_radius_km"),
        # A valid change in the same request is not saved either.
        ({"first_name": "Berta", "reading_radius_km": 31}, "reading_radius_km"),
        ({"bio": "Imkerin", "home_municipality": "gibt-es-nicht"}, "home_municipality"),
    ],
)
def test_profile_change_with_bad_input_is_400_and_saves_nothing(resident, payload, field):
    before = snapshot(resident)
    response = client_for(resident).patch(ME, payload, format="json")
    assert response.status_code == 400
    assert field_messages(response, field)
    assert snapshot(resident) == before


@pytest.mark.parametrize("body", [[], [{"first_name": "Berta"}], "Berta", 5])
def test_profile_change_with_a_body_that_is_not_an_object_is_400(resident, body):
    before = snapshot(resident)
    response = client_for(resident).patch(ME, body, format="json")
    assert response.status_code == 400
    assert messages_of(response)
    assert snapshot(resident) == before


# --- Moving into a village that needs an invitation ---------------------------------------


def move(user: User, municipality: Municipality, **extra):
    payload = {"home_municipality": municipality.slug, **extra}
    return client_for(user).patch(ME, payload, format="json")


def test_moving_into_invitation_only_village_without_code_is_refused(resident, closed_village):
    before = snapshot(resident)
    response = move(resident, closed_village)
    assert response.status_code == 400
    assert field_messages(response, "invitation_code")
    assert snapshot(resident) == before


@pytest.mark.parametrize("code", ["", "   ", "FALSCH2345", "x" * 41, None, 12345])
def test_moving_into_invitation_only_village_with_a_wrong_code_is_refused(
    resident, closed_village, code
):
    real = InvitationCodeFactory(municipality=closed_village)
    before = snapshot(resident)
    response = move(resident, closed_village, invitation_code=code)
    assert response.status_code == 400
    assert field_messages(response, "invitation_code")
    assert snapshot(resident) == before
    real.refresh_from_db()
    assert real.use_count == 0


@pytest.mark.parametrize(
    "unusable",
    [
        {"revoked_at": timezone.now() - timedelta(minutes=1)},
        {"expires_at": timezone.now() - timedelta(minutes=1)},
        {"max_uses": 2, "use_count": 2},
    ],
    ids=["revoked", "expired", "used-up"],
)
def test_moving_with_an_unusable_code_is_refused_and_uses_nothing(
    resident, closed_village, unusable
):
    invitation = InvitationCodeFactory(municipality=closed_village, **unusable)
    use_count = invitation.use_count
    before = snapshot(resident)

    response = move(resident, closed_village, invitation_code=invitation.code)

    assert response.status_code == 400
    assert field_messages(response, "invitation_code")
    assert snapshot(resident) == before
    invitation.refresh_from_db()
    assert invitation.use_count == use_count


def test_code_of_another_village_does_not_open_this_one(resident, closed_village, other_village):
    foreign = InvitationCodeFactory(municipality=other_village)
    before = snapshot(resident)
    response = move(resident, closed_village, invitation_code=foreign.code)
    assert response.status_code == 400
    assert snapshot(resident) == before
    foreign.refresh_from_db()
    assert foreign.use_count == 0


def test_moving_with_a_valid_code_uses_it_once(resident, closed_village):
    invitation = InvitationCodeFactory(municipality=closed_village, max_uses=2)
    typed = " ".join(invitation.code.lower())  # as typed off paper
    response = move(resident, closed_village, invitation_code=typed, reading_radius_km=3)
    assert response.status_code == 200
    resident.refresh_from_db()
    assert resident.home_municipality == closed_village
    assert resident.reading_radius_km == 3
    invitation.refresh_from_db()
    assert invitation.use_count == 1


def test_last_use_of_a_code_is_accepted_then_it_is_used_up(resident, village, closed_village):
    invitation = InvitationCodeFactory(municipality=closed_village, max_uses=1)
    assert move(resident, closed_village, invitation_code=invitation.code).status_code == 200
    neighbour = UserFactory(home_municipality=village)
    second = move(neighbour, closed_village, invitation_code=invitation.code)
    assert second.status_code == 400
    neighbour.refresh_from_db()
    assert neighbour.home_municipality == village
    invitation.refresh_from_db()
    assert invitation.use_count == 1


@pytest.mark.parametrize(
    "extra",
    [
        {"reading_radius_km": 31},
        {"reading_radius_km": -1},
        {"first_name": "\u200b"},
        {"bio": "x" * 501},
    ],
)
def test_valid_code_is_not_used_up_when_the_rest_of_the_change_fails(
    resident, closed_village, extra
):
    invitation = InvitationCodeFactory(municipality=closed_village)
    before = snapshot(resident)
    response = move(resident, closed_village, invitation_code=invitation.code, **extra)
    assert response.status_code == 400
    assert snapshot(resident) == before
    invitation.refresh_from_db()
    assert invitation.use_count == 0


def test_resident_of_invitation_only_village_changes_radius_without_code(closed_village):
    user = UserFactory(home_municipality=closed_village, reading_radius_km=5)
    response = client_for(user).patch(
        ME, {"home_municipality": closed_village.slug, "reading_radius_km": 9}, format="json"
    )
    assert response.status_code == 200
    user.refresh_from_db()
    assert user.reading_radius_km == 9


def test_moving_into_an_open_village_uses_no_code(resident, other_village, closed_village):
    invitation = InvitationCodeFactory(municipality=closed_village)
    response = move(resident, other_village, invitation_code=invitation.code)
    assert response.status_code == 200
    invitation.refresh_from_db()
    assert invitation.use_count == 0


# --- Profile photo ------------------------------------------------------------------------


@pytest.fixture
def resident_with_photo(resident) -> User:
    services.profile_photo_set(user=resident, upload=upload("alt.jpg", jpeg_bytes((100, 100))))
    resident.refresh_from_db()
    assert resident.photo
    return resident


def stored_photo(user: User) -> Image.Image:
    with user.photo.open("rb") as handle:
        image = Image.open(io.BytesIO(handle.read()))
        image.load()
    return image


def test_valid_photo_is_stored_square_small_and_without_exif(resident):
    original = jpeg_bytes((1200, 800), exif=gps_exif())
    # The upload really carries a position, or this test proves nothing.
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(0x8825)

    response = client_for(resident).put(
        ME_PHOTO, {"photo": upload("urlaub.jpg", original)}, format="multipart"
    )

    assert response.status_code == 200
    assert response.json()["photo"]
    resident.refresh_from_db()
    assert resident.photo
    image = stored_photo(resident)
    assert image.format == "JPEG"
    assert not image.getexif()
    assert not image.getexif().get_ifd(0x8825)
    assert b"Dorfkamera" not in resident.photo.open("rb").read()
    assert image.width == image.height
    assert image.width <= 512


def test_small_photo_is_stored_square_within_512(resident):
    response = client_for(resident).put(
        ME_PHOTO, {"photo": upload("klein.jpg", jpeg_bytes((80, 60)))}, format="multipart"
    )
    assert response.status_code == 200
    resident.refresh_from_db()
    image = stored_photo(resident)
    assert image.width == image.height <= 512


def test_new_photo_replaces_the_old_one(resident_with_photo):
    old_name = resident_with_photo.photo.name
    response = client_for(resident_with_photo).put(
        ME_PHOTO, {"photo": upload("neu.jpg", jpeg_bytes((300, 300)))}, format="multipart"
    )
    assert response.status_code == 200
    resident_with_photo.refresh_from_db()
    assert resident_with_photo.photo.name != old_name
    assert not resident_with_photo.photo.storage.exists(old_name)


def _truncated_jpeg() -> bytes:
    data = jpeg_bytes((400, 300), noise=True)
    return data[: len(data) // 2]


def _oversized_jpeg() -> bytes:
    # A sound image, padded past the limit: only its size is wrong.
    data = jpeg_bytes((64, 64))
    return data + b"\x00" * (settings.PROFILE_PHOTO_MAX_BYTES + 1 - len(data))


def _bomb_within_pillow_limit() -> bytes:
    side = int(settings.IMAGE_MAX_PIXELS**0.5) + 100
    return png_declaring(side, side)


NOT_AN_IMAGE = "kein gültiges Bild"
TOO_LARGE = "zu groß"
TOO_MANY_PIXELS = "zu viele Bildpunkte"


@pytest.mark.parametrize(
    ("name", "make_content", "content_type", "reason"),
    [
        ("brief.txt", lambda: b"Liebe Nachbarn, das ist kein Bild.", "text/plain", NOT_AN_IMAGE),
        ("fake.jpg", lambda: b"\xff\xd8\xff\xe0 not really a jpeg", "image/jpeg", NOT_AN_IMAGE),
        ("leer.jpg", lambda: b"", "image/jpeg", "leer"),
        ("halb.jpg", _truncated_jpeg, "image/jpeg", NOT_AN_IMAGE),
        ("riesig.jpg", _oversized_jpeg, "image/jpeg", TOO_LARGE),
        ("bombe.png", _bomb_within_pillow_limit, "image/png", TOO_MANY_PIXELS),
        ("grossbombe.png", lambda: png_declaring(100_000, 100_000), "image/png", TOO_MANY_PIXELS),
        ("bild.svg", lambda: b'<svg xmlns="http://www.w3.org/2000/svg"/>', "image/svg+xml", ""),
    ],
    ids=["text", "fake-jpeg", "empty", "truncated-jpeg", "oversized", "bomb", "huge-bomb", "svg"],
)
def test_bad_photo_is_400_and_keeps_the_old_photo(
    resident_with_photo, name, make_content, content_type, reason
):
    before = snapshot(resident_with_photo)
    response = client_for(resident_with_photo).put(
        ME_PHOTO, {"photo": upload(name, make_content(), content_type)}, format="multipart"
    )
    assert response.status_code == 400
    assert any(reason in message for message in field_messages(response, "photo"))
    assert snapshot(resident_with_photo) == before
    assert resident_with_photo.photo.storage.exists(before["photo"])


def test_oversized_photo_exceeds_the_configured_limit():
    # Guards the oversized case above against a limit that grows past what it sends.
    assert len(_oversized_jpeg()) == settings.PROFILE_PHOTO_MAX_BYTES + 1


def test_photo_upload_without_a_file_is_400(resident_with_photo):
    before = snapshot(resident_with_photo)
    response = client_for(resident_with_photo).put(ME_PHOTO, {}, format="multipart")
    assert response.status_code == 400
    assert field_messages(response, "photo")
    assert snapshot(resident_with_photo) == before


def test_photo_upload_as_json_is_refused(resident_with_photo):
    before = snapshot(resident_with_photo)
    response = client_for(resident_with_photo).put(ME_PHOTO, {"photo": "abc"}, format="json")
    assert response.status_code == 415
    assert snapshot(resident_with_photo) == before


def test_photo_can_be_removed(resident_with_photo):
    name = resident_with_photo.photo.name
    response = client_for(resident_with_photo).delete(ME_PHOTO)
    assert response.status_code == 200
    assert response.json()["photo"] is None
    resident_with_photo.refresh_from_db()
    assert not resident_with_photo.photo
    assert not User.photo.field.storage.exists(name)


# --- Whose full name is shown -------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("resident", "Anna Zimmermann"),  # the person themself
        ("other_resident", "Anna Z."),
        ("moderator", "Anna Z."),
        ("editor", "Anna Zimmermann"),
        ("other_editor", "Anna Z."),
        ("staff", "Anna Zimmermann"),
    ],
)
def test_full_name_only_for_the_person_and_their_town_hall(people, role, expected):
    response = client_for(people[role]).get(user_url(people["resident"].pk))
    assert response.status_code == 200
    body = response.json()
    assert body["name"] == expected
    assert body["municipality"] == "Ried"
    assert "email" not in body
    assert "last_name" not in body


def test_neighbour_in_the_same_village_sees_only_the_public_name(resident, village):
    neighbour = UserFactory(home_municipality=village)
    response = client_for(neighbour).get(user_url(resident.pk))
    assert response.json()["name"] == "Anna Z."
    assert "Zimmermann" not in response.content.decode()


def test_profile_shows_the_photo_link(resident_with_photo, village):
    neighbour = UserFactory(home_municipality=village)
    response = client_for(neighbour).get(user_url(resident_with_photo.pk))
    assert response.status_code == 200
    assert resident_with_photo.photo.url in response.json()["photo"]


def test_profile_of_person_without_home_has_no_municipality(resident):
    homeless = UserFactory(home_municipality=None, first_name="Otto", last_name="Meier")
    response = client_for(resident).get(user_url(homeless.pk))
    assert response.status_code == 200
    assert response.json()["municipality"] is None
    assert response.json()["name"] == "Otto M."


@pytest.mark.parametrize("user_id", [0, 987654, 99_999_999_999_999_999_999])
def test_unknown_person_is_404(resident, user_id):
    response = client_for(resident).get(user_url(user_id))
    assert response.status_code == 404


def test_deactivated_person_looks_unknown(resident, village):
    gone = UserFactory(home_municipality=village, is_active=False)
    response = client_for(resident).get(user_url(gone.pk))
    assert response.status_code == 404
    assert response.json() == client_for(resident).get(user_url(987654)).json()
