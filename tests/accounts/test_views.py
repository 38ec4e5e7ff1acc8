"""The account pages as a visitor uses them: sign-up, login, settings, profile, language."""

import io
import random
import re

import pytest
from django.conf import settings
from django.contrib.messages import get_messages
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings
from PIL import Image
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects

from apps.accounts.models import User
from apps.accounts.tokens import encode_uid
from tests.factories import (
    PASSWORD,
    InvitationCodeFactory,
    MunicipalityFactory,
    UserFactory,
    editor_of,
)

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Kirschbaum-Leiter-77"
LOGIN_URL = "/konto/anmelden/"
EVERYONE = ["anonymous", "other_resident", "resident", "moderator", "editor"]
SIGNED_IN = EVERYONE[1:]
CONFIRM_LINK = re.compile(r"https?://[^/\s]+(/konto/bestaetigen/[^/\s]+/[^/\s]+/)")
RESET_LINK = re.compile(r"https?://[^/\s]+(/konto/passwort-neu/[^/\s]+/[^/\s]+/)")


@pytest.fixture
def anna(village):
    return UserFactory(
        first_name="Anna",
        last_name="Zettelmeier",
        email="anna@example.org",
        home_municipality=village,
    )


def _signed_in_id(client) -> str | None:
    return client.session.get("_auth_user_id")


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def _image_bytes(fmt: str = "PNG", size=(600, 400), noise: bool = False) -> bytes:
    if noise:
        # Noise does not compress: the file is about as large as its pixels.
        pixels = random.Random(7).randbytes(size[0] * size[1] * 3)
        image = Image.frombytes("RGB", size, pixels)
    else:
        image = Image.new("RGB", size, (30, 120, 60))
    out = io.BytesIO()
    image.save(out, format=fmt)
    return out.getvalue()


def _upload(name: str, data: bytes, content_type: str = "image/png"):
    return SimpleUploadedFile(name, data, content_type=content_type)


# --- Who may open what ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "method, path",
    [
        ("get", "/konto/passwort/"),
        ("get", "/konto/profil/"),
        ("post", "/konto/profil/foto/"),
        ("get", "/konto/profil/foto/"),
        ("get", "/konto/einstellungen/"),
        ("post", "/konto/einstellungen/"),
    ],
)
def test_anonymous_visitor_is_sent_to_login_with_next(client, method, path):
    response = getattr(client, method)(path)
    assertRedirects(response, f"{LOGIN_URL}?next={path}", fetch_redirect_response=False)


def test_anonymous_visitor_cannot_open_a_profile(client, anna):
    path = f"/leute/{anna.pk}/"
    assertRedirects(client.get(path), f"{LOGIN_URL}?next={path}", fetch_redirect_response=False)


@pytest.mark.parametrize("role", SIGNED_IN)
@pytest.mark.parametrize("path", ["/konto/passwort/", "/konto/profil/", "/konto/einstellungen/"])
def test_signed_in_user_can_open_own_account_pages(visit, role, path):
    assert visit(role).get(path).status_code == 200


@pytest.mark.parametrize("role", SIGNED_IN)
def test_signed_in_user_can_open_profile_of_anyone_active(visit, role, anna):
    assertContains(visit(role).get(f"/leute/{anna.pk}/"), "Anna")


@pytest.mark.parametrize("role", SIGNED_IN)
def test_profile_of_deactivated_or_unknown_person_is_not_found(visit, role, anna):
    anna.is_active = False
    anna.save()
    client = visit(role)
    assert client.get(f"/leute/{anna.pk}/").status_code == 404
    assert client.get("/leute/987654/").status_code == 404


@pytest.mark.parametrize("role", EVERYONE)
@pytest.mark.parametrize(
    "path",
    ["/konto/registriert/", "/konto/passwort-vergessen/", "/konto/bestaetigen/eA/abc-def/"],
)
def test_public_account_pages_open_for_everyone(visit, role, path):
    assert visit(role).get(path).status_code == 200


@pytest.mark.parametrize("role", EVERYONE)
def test_broken_password_reset_link_is_a_bad_request_for_everyone(visit, role):
    response = visit(role).get("/konto/passwort-neu/eA/abc-def/")
    assertContains(response, "ungültig oder abgelaufen", status_code=400)


@pytest.mark.parametrize("path", ["/konto/registrieren/", "/konto/anmelden/"])
def test_anonymous_visitor_can_open_signup_and_login(client, path):
    assert client.get(path).status_code == 200


@pytest.mark.parametrize("role", SIGNED_IN)
@pytest.mark.parametrize("path", ["/konto/registrieren/", "/konto/anmelden/"])
def test_signed_in_user_is_sent_from_signup_and_login_to_village_home(visit, role, path):
    assertRedirects(visit(role).get(path), "/dorf/", fetch_redirect_response=False)


@pytest.mark.parametrize("role", SIGNED_IN)
def test_photo_upload_only_by_post(visit, role):
    assert visit(role).get("/konto/profil/foto/").status_code == 405


@pytest.mark.parametrize("role", EVERYONE)
def test_language_switch_only_by_post(visit, role):
    assert visit(role).get("/sprache/").status_code == 405


@pytest.mark.parametrize("role", SIGNED_IN)
def test_logout_by_get_is_refused_and_keeps_the_session(visit, role, people):
    client = visit(role)
    assert client.get("/konto/abmelden/").status_code == 405
    assert _signed_in_id(client) == str(people[role].pk)


@pytest.mark.parametrize("role", SIGNED_IN)
def test_logout_by_post_ends_the_session(visit, role):
    client = visit(role)
    assertRedirects(client.post("/konto/abmelden/"), "/", fetch_redirect_response=False)
    assert _signed_in_id(client) is None
    assert client.get("/dorf/").status_code == 302


# --- Sign-up and email confirmation --------------------------------------------------------


def _sign_up(client, django_capture_on_commit_callbacks, **overrides):
    data = {
        "first_name": "Anna",
        "last_name": "Zettelmeier",
        "email": "Anna.Z@Example.org",
        "password": PASSWORD,
        **overrides,
    }
    with django_capture_on_commit_callbacks(execute=True):
        return client.post("/konto/registrieren/", data)


def test_sign_up_creates_unconfirmed_user_and_sends_one_link(
    client, django_capture_on_commit_callbacks
):
    response = _sign_up(client, django_capture_on_commit_callbacks)
    assertRedirects(response, "/konto/registriert/", fetch_redirect_response=False)
    user = User.objects.get()
    assert user.email == "anna.z@example.org"
    assert user.email_confirmed_at is None
    assert user.home_municipality is None
    assert _signed_in_id(client) is None
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["anna.z@example.org"]
    assert CONFIRM_LINK.search(message.body)


def test_sign_up_done_page_prefills_the_address(client, django_capture_on_commit_callbacks):
    _sign_up(client, django_capture_on_commit_callbacks)
    assertContains(client.get("/konto/registriert/"), 'value="anna.z@example.org"')


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"email": "keine-adresse"}, "email"),
        ({"email": "ANNA@example.org"}, "email"),
        ({"password": "1234567890"}, "password"),
        ({"password": "kurz"}, "password"),
        ({"first_name": "\u200b\u200b"}, "first_name"),
        ({"last_name": "x" * 61}, "last_name"),
    ],
)
def test_bad_sign_up_is_a_form_error_and_creates_nobody(
    client, anna, django_capture_on_commit_callbacks, overrides, field
):
    response = _sign_up(client, django_capture_on_commit_callbacks, **overrides)
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert User.objects.count() == 1
    assert mail.outbox == []


def _confirm_path() -> str:
    assert len(mail.outbox) == 1
    match = CONFIRM_LINK.search(mail.outbox[0].body)
    assert match, mail.outbox[0].body
    return match.group(1)


def test_opening_the_confirmation_link_does_not_confirm(client, django_capture_on_commit_callbacks):
    # Mail scanners open links; only the button on the page confirms.
    _sign_up(client, django_capture_on_commit_callbacks)
    scanner = Client()
    response = scanner.get(_confirm_path())
    assertContains(response, "Jetzt bestätigen")
    assert User.objects.get().email_confirmed_at is None
    assert _signed_in_id(scanner) is None


def test_confirming_signs_in_and_leads_to_settings(client, django_capture_on_commit_callbacks):
    _sign_up(client, django_capture_on_commit_callbacks)
    browser = Client()
    response = browser.post(_confirm_path())
    assertRedirects(response, "/konto/einstellungen/", fetch_redirect_response=False)
    user = User.objects.get()
    assert user.email_confirmed_at is not None
    assert _signed_in_id(browser) == str(user.pk)


def test_confirmation_link_works_only_once(client, django_capture_on_commit_callbacks):
    _sign_up(client, django_capture_on_commit_callbacks)
    path = _confirm_path()
    assert Client().post(path).status_code == 302
    second = Client()
    response = second.post(path)
    assertContains(response, "ungültig oder abgelaufen", status_code=400)
    assert _signed_in_id(second) is None


@pytest.mark.parametrize("token", ["abc-def", "x" * 300])
@pytest.mark.parametrize("uid", ["forged", "%00", "MTIzNDU2Nzg5MDEyMzQ1Njc4OTA"])
def test_forged_confirmation_link_fails(client, anna, uid, token):
    response = client.post(f"/konto/bestaetigen/{uid}/{token}/")
    assert response.status_code == 400
    assert _signed_in_id(client) is None


def test_confirmation_token_of_one_person_does_not_confirm_another(
    client, anna, django_capture_on_commit_callbacks
):
    _sign_up(client, django_capture_on_commit_callbacks)
    token = _confirm_path().rstrip("/").rsplit("/", 1)[1]
    anna.email_confirmed_at = None
    anna.save()
    response = Client().post(f"/konto/bestaetigen/{encode_uid(anna)}/{token}/")
    assert response.status_code == 400
    anna.refresh_from_db()
    assert anna.email_confirmed_at is None


def test_login_before_confirming_asks_to_confirm_and_starts_no_session(
    client, django_capture_on_commit_callbacks
):
    _sign_up(client, django_capture_on_commit_callbacks)
    response = client.post(LOGIN_URL, {"email": "anna.z@example.org", "password": PASSWORD})
    assert response.status_code == 200
    assertContains(response, "Bitte bestätige zuerst deine E-Mail-Adresse")
    assert _signed_in_id(client) is None


def test_resend_confirmation_says_the_same_for_known_and_unknown_addresses(
    client, django_capture_on_commit_callbacks
):
    _sign_up(client, django_capture_on_commit_callbacks)
    mail.outbox = []
    answers = []
    for email in ["anna.z@example.org", "niemand@example.org"]:
        with django_capture_on_commit_callbacks(execute=True):
            response = Client().post("/konto/registriert/", {"email": email}, follow=True)
        assertRedirects(response, "/konto/registriert/")
        answers.append(_messages(response))
    assert answers[0] == answers[1]
    assert len(answers[0]) == 1
    assert [m.to for m in mail.outbox] == [["anna.z@example.org"]]
    assert CONFIRM_LINK.search(mail.outbox[0].body)


def test_resend_confirmation_sends_nothing_to_confirmed_account(
    client, anna, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/konto/registriert/", {"email": anna.email}, follow=True)
    assert len(_messages(response)) == 1
    assert mail.outbox == []


# --- Login ---------------------------------------------------------------------------------


def test_login_with_right_password_leads_to_village_home(client, anna):
    response = client.post(LOGIN_URL, {"email": "ANNA@example.org ", "password": PASSWORD})
    assertRedirects(response, "/dorf/", fetch_redirect_response=False)
    assert _signed_in_id(client) == str(anna.pk)


def test_login_without_home_municipality_leads_to_settings(client):
    user = UserFactory(home_municipality=None)
    response = client.post(LOGIN_URL, {"email": user.email, "password": PASSWORD})
    assertRedirects(response, "/konto/einstellungen/", fetch_redirect_response=False)


def test_login_with_wrong_password_shows_form_error(client, anna):
    response = client.post(LOGIN_URL, {"email": anna.email, "password": "falsch-falsch-falsch"})
    assert response.status_code == 200
    assertContains(response, "E-Mail-Adresse oder Passwort stimmt nicht.")
    assert _signed_in_id(client) is None


def test_login_of_unknown_address_looks_like_wrong_password(client, anna):
    response = client.post(LOGIN_URL, {"email": "wer@example.org", "password": PASSWORD})
    assertContains(response, "E-Mail-Adresse oder Passwort stimmt nicht.")


def test_login_of_deactivated_account_fails(client, anna):
    anna.is_active = False
    anna.save()
    response = client.post(LOGIN_URL, {"email": anna.email, "password": PASSWORD})
    assertContains(response, "E-Mail-Adresse oder Passwort stimmt nicht.")
    assert _signed_in_id(client) is None


def test_login_pauses_after_too_many_failures_even_with_right_password(client, anna):
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        response = client.post(LOGIN_URL, {"email": anna.email, "password": "falsch-1234567"})
        assert response.status_code == 200
    response = client.post(LOGIN_URL, {"email": anna.email, "password": PASSWORD})
    assertContains(response, "Zu viele Fehlversuche", status_code=429)
    assert _signed_in_id(client) is None


def test_login_works_after_fewer_failures_than_the_limit(client, anna):
    for _ in range(settings.LOGIN_FAILURE_LIMIT - 1):
        client.post(LOGIN_URL, {"email": anna.email, "password": "falsch-1234567"})
    response = client.post(LOGIN_URL, {"email": anna.email, "password": PASSWORD})
    assert response.status_code == 302
    assert _signed_in_id(client) == str(anna.pk)


def test_login_follows_next_within_the_site(client, anna):
    response = client.post(
        f"{LOGIN_URL}?next=/gemeinden/fernau/", {"email": anna.email, "password": PASSWORD}
    )
    assertRedirects(response, "/gemeinden/fernau/", fetch_redirect_response=False)


@pytest.mark.parametrize(
    "target", ["https://evil.example", "//evil.example/dorf/", "https:/evil.example", "\\\\evil"]
)
def test_login_ignores_next_to_another_site(client, anna, target):
    login_page = client.get(LOGIN_URL, {"next": target})
    assert login_page.context["next"] == ""
    response = client.post(
        f"{LOGIN_URL}?next={target}", {"email": anna.email, "password": PASSWORD, "next": target}
    )
    assertRedirects(response, "/dorf/", fetch_redirect_response=False)


def test_signed_in_user_on_login_page_ignores_next_to_another_site(client, anna):
    client.force_login(anna)
    response = client.get(LOGIN_URL, {"next": "https://evil.example"})
    assertRedirects(response, "/dorf/", fetch_redirect_response=False)


# --- Settings: home municipality and reading radius ----------------------------------------


def test_choosing_home_municipality_saves_it(client, other_village):
    user = UserFactory(home_municipality=None)
    client.force_login(user)
    response = client.post(
        "/konto/einstellungen/", {"municipality": "fernau", "reading_radius_km": "10"}
    )
    assertRedirects(response, "/dorf/", fetch_redirect_response=False)
    user.refresh_from_db()
    assert user.home_municipality == other_village
    assert user.reading_radius_km == 10


def test_settings_search_lists_matching_municipalities_as_radio_inputs(
    client, village, other_village
):
    client.force_login(UserFactory(home_municipality=None))
    response = client.get("/konto/einstellungen/", {"q": "fern"})
    assertContains(response, 'type="radio" name="municipality" id="municipality-fernau"')
    assertNotContains(response, 'value="heimdorf"')


def test_settings_keep_the_current_home_checked_while_searching(client, village, other_village):
    client.force_login(UserFactory(home_municipality=village))
    content = client.get("/konto/einstellungen/", {"q": "fern"}).content.decode()
    assert 'value="heimdorf" checked' in content
    assert 'value="fernau"' in content


def test_settings_offer_a_radius_outside_the_usual_steps(client, village):
    client.force_login(UserFactory(home_municipality=village, reading_radius_km=7))
    assertContains(client.get("/konto/einstellungen/"), '<option value="7" selected>')


def test_settings_show_the_language_choice(client, village):
    client.force_login(UserFactory(home_municipality=village, language="en"))
    response = client.get("/konto/einstellungen/")
    assertContains(response, '<option value="en" selected>')
    assertContains(response, '<option value="de">')


@pytest.fixture
def closed_village():
    return MunicipalityFactory(
        name="Zuort", slug="zuort", signup_policy="invitation", latitude=48.9, longitude=10.7
    )


@pytest.mark.parametrize(
    "data, field",
    [
        ({"municipality": "gibt-es-nicht", "reading_radius_km": "5"}, "municipality"),
        ({"municipality": "", "reading_radius_km": "5"}, "municipality"),
        ({"municipality": "fernau", "reading_radius_km": "31"}, "reading_radius_km"),
        ({"municipality": "fernau", "reading_radius_km": "-1"}, "reading_radius_km"),
        ({"municipality": "fernau", "reading_radius_km": "abc"}, "reading_radius_km"),
        ({"municipality": "fernau"}, "reading_radius_km"),
        ({"municipality": "zuort", "reading_radius_km": "5"}, "invitation_code"),
        (
            {"municipality": "zuort", "reading_radius_km": "5", "invitation_code": "FALSCH2345"},
            "invitation_code",
        ),
        ({"municipality": "x" * 141, "reading_radius_km": "5"}, "municipality"),
    ],
)
def test_bad_settings_are_a_form_error_and_change_nothing(
    client, village, other_village, closed_village, data, field
):
    code = InvitationCodeFactory(municipality=closed_village)
    user = UserFactory(home_municipality=village, reading_radius_km=5)
    client.force_login(user)
    response = client.post("/konto/einstellungen/", data)
    assert response.status_code == 400
    assert field in response.context["form"].errors
    user.refresh_from_db()
    assert user.home_municipality == village
    assert user.reading_radius_km == 5
    code.refresh_from_db()
    assert code.use_count == 0


def test_moving_into_invitation_only_village_with_code_uses_it(client, village, closed_village):
    code = InvitationCodeFactory(municipality=closed_village)
    user = UserFactory(home_municipality=village)
    client.force_login(user)
    response = client.post(
        "/konto/einstellungen/",
        {"municipality": "zuort", "reading_radius_km": "0", "invitation_code": code.code.lower()},
    )
    assertRedirects(response, "/dorf/", fetch_redirect_response=False)
    user.refresh_from_db()
    assert user.home_municipality == closed_village
    code.refresh_from_db()
    assert code.use_count == 1


def test_resident_of_invitation_only_village_changes_radius_without_code(client, closed_village):
    user = UserFactory(home_municipality=closed_village, reading_radius_km=5)
    client.force_login(user)
    response = client.post(
        "/konto/einstellungen/", {"municipality": "zuort", "reading_radius_km": "20"}
    )
    assertRedirects(response, "/dorf/", fetch_redirect_response=False)
    user.refresh_from_db()
    assert user.reading_radius_km == 20


def test_settings_page_needs_few_queries(client, village, django_assert_max_num_queries):
    for n in range(10):
        MunicipalityFactory(name=f"Heimbach {n}")
    client.force_login(UserFactory(home_municipality=village))
    # Session, user, home municipality, search, the two unread badges (messages and
    # notifications); the count must not grow with the results.
    with django_assert_max_num_queries(6):
        response = client.get("/konto/einstellungen/", {"q": "heim"})
    assert len(response.context["choices"]) == 11


# --- Profile -------------------------------------------------------------------------------


def test_profile_edit_saves_names_bio_and_language(client, anna):
    client.force_login(anna)
    response = client.post(
        "/konto/profil/",
        {
            "first_name": " Anna\u200b ",
            "last_name": "Zettel\u200dmeier-Berg",
            "bio": "Ich backe gern.\r\nUnd helfe im Garten.",
            "language": "en",
        },
    )
    assertRedirects(response, "/konto/profil/", fetch_redirect_response=False)
    anna.refresh_from_db()
    assert (anna.first_name, anna.last_name) == ("Anna", "Zettelmeier-Berg")
    assert anna.bio == "Ich backe gern.\nUnd helfe im Garten."
    assert anna.language == "en"


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"bio": "x" * 501}, "bio"),
        ({"first_name": ""}, "first_name"),
        ({"first_name": "\u200b"}, "first_name"),
        ({"last_name": "y" * 61}, "last_name"),
        ({"language": "fr"}, "language"),
    ],
)
def test_bad_profile_input_is_an_error_and_changes_nothing(client, anna, changes, field):
    client.force_login(anna)
    data = {"first_name": "Berta", "last_name": "Bauer", "bio": "neu", "language": "de", **changes}
    response = client.post("/konto/profil/", data)
    assert response.status_code in (200, 400)
    assert field in response.context["form"].errors
    anna.refresh_from_db()
    assert (anna.first_name, anna.last_name, anna.bio) == ("Anna", "Zettelmeier", "")


def test_bio_of_exactly_500_characters_is_fine(client, anna):
    client.force_login(anna)
    data = {"first_name": "Anna", "last_name": "Z", "bio": "x" * 500, "language": "de"}
    assert client.post("/konto/profil/", data).status_code == 302


def _photo_data(anna) -> bytes:
    anna.refresh_from_db()
    with anna.photo.open("rb") as handle:
        return handle.read()


def test_valid_photo_is_stored_as_clean_square_jpeg(client, anna):
    client.force_login(anna)
    response = client.post("/konto/profil/foto/", {"photo": _upload("me.png", _image_bytes())})
    assertRedirects(response, "/konto/profil/", fetch_redirect_response=False)
    anna.refresh_from_db()
    assert anna.photo.name.startswith(f"profiles/{anna.pk}/")
    with Image.open(io.BytesIO(_photo_data(anna))) as stored:
        assert stored.format == "JPEG"
        assert stored.size == (512, 512)
    assertContains(client.get(f"/leute/{anna.pk}/"), anna.photo.url)


def test_new_photo_replaces_the_old_file(client, anna):
    client.force_login(anna)
    client.post("/konto/profil/foto/", {"photo": _upload("a.png", _image_bytes())})
    anna.refresh_from_db()
    old = anna.photo.name
    client.post("/konto/profil/foto/", {"photo": _upload("b.jpg", _image_bytes("JPEG"))})
    anna.refresh_from_db()
    assert anna.photo.name != old
    assert not anna.photo.storage.exists(old)
    assert anna.photo.storage.exists(anna.photo.name)


def _truncated_png() -> bytes:
    data = _image_bytes(noise=True)
    return data[: len(data) // 2]


def _truncated_jpeg() -> bytes:
    data = _image_bytes("JPEG", noise=True)
    return data[: len(data) // 2]


@pytest.mark.parametrize(
    "name, make_data",
    [
        ("brief.pdf", lambda: b"%PDF-1.4 nicht wirklich ein Bild"),
        ("script.png", lambda: b"<script>alert(1)</script>"),
        ("half.png", _truncated_png),
        ("half.jpg", _truncated_jpeg),
        ("empty.png", lambda: b""),
    ],
)
def test_bad_photo_is_a_form_error_and_keeps_the_old_photo(client, anna, name, make_data):
    client.force_login(anna)
    client.post("/konto/profil/foto/", {"photo": _upload("old.png", _image_bytes())})
    before = _photo_data(anna)
    old_name = anna.photo.name
    response = client.post("/konto/profil/foto/", {"photo": _upload(name, make_data())})
    assert response.status_code == 400
    assert response.context["photo_form"].errors
    anna.refresh_from_db()
    assert anna.photo.name == old_name
    assert _photo_data(anna) == before


def test_oversized_photo_is_a_form_error_and_keeps_the_old_photo(client, anna):
    client.force_login(anna)
    client.post("/konto/profil/foto/", {"photo": _upload("old.png", _image_bytes())})
    old_name = User.objects.get(pk=anna.pk).photo.name
    big = _image_bytes(size=(200, 200), noise=True)
    with override_settings(PROFILE_PHOTO_MAX_BYTES=len(big) - 1):
        response = client.post("/konto/profil/foto/", {"photo": _upload("big.png", big)})
    assertContains(response, "Das Bild ist zu groß", status_code=400)
    anna.refresh_from_db()
    assert anna.photo.name == old_name


def test_photo_post_without_file_is_a_form_error(client, anna):
    client.force_login(anna)
    response = client.post("/konto/profil/foto/", {})
    assert response.status_code == 400
    assert "photo" in response.context["photo_form"].errors


def test_remove_photo_deletes_it(client, anna):
    client.force_login(anna)
    client.post("/konto/profil/foto/", {"photo": _upload("me.png", _image_bytes())})
    anna.refresh_from_db()
    name = anna.photo.name
    response = client.post("/konto/profil/foto/", {"remove": "1"})
    assertRedirects(response, "/konto/profil/", fetch_redirect_response=False)
    anna.refresh_from_db()
    assert not anna.photo
    assert not User.photo.field.storage.exists(name)
    assertContains(client.get("/konto/profil/"), "Du hast noch kein Foto.")


# --- Passwords -----------------------------------------------------------------------------


def test_password_change_with_wrong_old_password_is_an_error(client, anna):
    client.force_login(anna)
    response = client.post(
        "/konto/passwort/", {"old_password": "falsch-falsch", "new_password": NEW_PASSWORD}
    )
    assert "old_password" in response.context["form"].errors
    anna.refresh_from_db()
    assert anna.check_password(PASSWORD)


def test_password_change_with_weak_new_password_is_an_error(client, anna):
    client.force_login(anna)
    response = client.post(
        "/konto/passwort/", {"old_password": PASSWORD, "new_password": "12345678901"}
    )
    assert "new_password" in response.context["form"].errors
    anna.refresh_from_db()
    assert anna.check_password(PASSWORD)


def test_password_change_keeps_the_session(client, anna):
    client.force_login(anna)
    response = client.post(
        "/konto/passwort/", {"old_password": PASSWORD, "new_password": NEW_PASSWORD}
    )
    assertRedirects(response, "/konto/profil/", fetch_redirect_response=False)
    assert client.get("/konto/profil/").status_code == 200
    anna.refresh_from_db()
    assert anna.check_password(NEW_PASSWORD)


def test_password_change_ends_other_sessions(client, anna):
    other_device = Client()
    other_device.force_login(anna)
    client.force_login(anna)
    client.post("/konto/passwort/", {"old_password": PASSWORD, "new_password": NEW_PASSWORD})
    assert other_device.get("/konto/profil/").status_code == 302


def test_password_reset_through_pages(client, anna, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/konto/passwort-vergessen/", {"email": "Anna@Example.org"})
    assertContains(response, "Schau in dein Postfach")
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [anna.email]
    path = RESET_LINK.search(mail.outbox[0].body).group(1)

    assert client.get(path).status_code == 200
    response = client.post(path, {"new_password": "1234567890"})
    assert "new_password" in response.context["form"].errors
    response = client.post(path, {"new_password": NEW_PASSWORD})
    assertRedirects(response, LOGIN_URL, fetch_redirect_response=False)

    anna.refresh_from_db()
    assert anna.check_password(NEW_PASSWORD)
    assertContains(
        client.post(path, {"new_password": "Noch-ein-Passwort-9"}), "ungültig", status_code=400
    )
    login = client.post(LOGIN_URL, {"email": anna.email, "password": NEW_PASSWORD})
    assert login.status_code == 302


def test_password_reset_says_the_same_for_unknown_address(
    client, anna, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/konto/passwort-vergessen/", {"email": "wer@example.org"})
    assertContains(response, "Schau in dein Postfach")
    assert mail.outbox == []


# --- Names on the profile page -------------------------------------------------------------


@pytest.mark.parametrize("role", ["resident", "other_resident", "moderator"])
def test_residents_see_only_the_public_name(visit, role, anna):
    response = visit(role).get(f"/leute/{anna.pk}/")
    assertContains(response, "Anna Z.")
    assertNotContains(response, "Zettelmeier")


def test_town_hall_of_the_home_village_sees_the_full_name(visit, anna):
    assertContains(visit("editor").get(f"/leute/{anna.pk}/"), "Anna Zettelmeier")


def test_town_hall_of_another_village_sees_only_the_public_name(client, anna, other_village):
    client.force_login(editor_of(other_village))
    response = client.get(f"/leute/{anna.pk}/")
    assertContains(response, "Anna Z.")
    assertNotContains(response, "Zettelmeier")


def test_person_sees_own_full_name(client, anna):
    client.force_login(anna)
    assertContains(client.get(f"/leute/{anna.pk}/"), "Anna Zettelmeier")


# --- Language ------------------------------------------------------------------------------


def test_german_is_the_default_language(client):
    response = client.get("/")
    assertContains(response, '<html lang="de">')
    assertContains(response, "Dein Dorf im Netz")


def test_anonymous_visitor_switches_to_english_by_cookie(client):
    response = client.post("/sprache/", {"language": "en", "next": "/gemeinden/"})
    assertRedirects(response, "/gemeinden/", fetch_redirect_response=False)
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    assertContains(client.get("/"), '<html lang="en">')


def test_unknown_language_changes_nothing(client, anna):
    client.force_login(anna)
    response = client.post("/sprache/", {"language": "fr"})
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies
    anna.refresh_from_db()
    assert anna.language == "de"
    assertContains(client.get("/dorf/"), '<html lang="de">')


def test_language_switch_ignores_next_to_another_site(client):
    response = client.post("/sprache/", {"language": "en", "next": "https://evil.example/"})
    assertRedirects(response, "/", fetch_redirect_response=False)


def test_signed_in_user_keeps_english_on_a_fresh_login(client, anna):
    client.force_login(anna)
    client.post("/sprache/", {"language": "en"})
    anna.refresh_from_db()
    assert anna.language == "en"

    fresh = Client()
    assertContains(fresh.get("/"), '<html lang="de">')
    fresh.post(LOGIN_URL, {"email": anna.email, "password": PASSWORD})
    assertContains(fresh.get("/dorf/"), '<html lang="en">')


def test_profile_language_wins_over_the_cookie(client, anna):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(anna)
    assertContains(client.get("/dorf/"), '<html lang="de">')


def test_sign_up_stores_the_language_of_the_visitor(client, django_capture_on_commit_callbacks):
    client.post("/sprache/", {"language": "en"})
    _sign_up(client, django_capture_on_commit_callbacks)
    assert User.objects.get().language == "en"


# --- Hostile input -------------------------------------------------------------------------

HOSTILE = ["\x00", "a\x00b@example.org", "\u202egnp.exe", "x" * 5000, "<script>alert(1)</script>"]


@pytest.mark.parametrize("value", HOSTILE)
@pytest.mark.parametrize(
    "path, fields",
    [
        ("/konto/registrieren/", ["first_name", "last_name", "email", "password"]),
        ("/konto/anmelden/", ["email", "password", "next"]),
        ("/konto/registriert/", ["email"]),
        ("/konto/passwort-vergessen/", ["email"]),
        ("/sprache/", ["language", "next"]),
    ],
)
def test_hostile_input_to_public_forms_is_no_server_error(client, anna, path, fields, value):
    response = client.post(path, dict.fromkeys(fields, value))
    assert response.status_code in (200, 302, 400)
    assertNotContains(response, "<script>alert", status_code=response.status_code)
    assert _signed_in_id(client) is None


@pytest.mark.parametrize("value", HOSTILE)
@pytest.mark.parametrize(
    "path, fields",
    [
        ("/konto/profil/", ["first_name", "last_name", "bio", "language"]),
        ("/konto/passwort/", ["old_password", "new_password"]),
        ("/konto/einstellungen/", ["municipality", "reading_radius_km", "invitation_code"]),
    ],
)
def test_hostile_input_to_account_forms_changes_nothing(client, anna, path, fields, value):
    client.force_login(anna)
    response = client.post(path, dict.fromkeys(fields, value))
    assert response.status_code in (200, 400)
    assertNotContains(response, "<script>alert", status_code=response.status_code)
    anna.refresh_from_db()
    assert (anna.first_name, anna.bio, anna.reading_radius_km) == ("Anna", "", 5)
    assert anna.check_password(PASSWORD)


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_search_on_settings_page_is_no_server_error(client, anna, value):
    client.force_login(anna)
    response = client.get("/konto/einstellungen/", {"q": value, "municipality": value})
    assert response.status_code == (400 if "\x00" in value else 200)
