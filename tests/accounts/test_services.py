"""The account and municipality services, called directly."""

import datetime as dt

import pytest
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from apps.accounts import services
from apps.accounts.models import User
from apps.accounts.tokens import email_confirmation_token, encode_uid, password_reset_token
from apps.places.services import (
    invitation_code_create,
    invitation_code_redeem,
    invitation_code_revoke,
)
from tests.factories import (
    PASSWORD,
    InvitationCodeFactory,
    MunicipalityFactory,
    UserFactory,
    editor_of,
    moderator_of,
)

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Kirschbaum-Leiter-77"


@pytest.fixture
def closed_village():
    return MunicipalityFactory(name="Zuort", signup_policy="invitation")


@pytest.fixture
def open_village():
    return MunicipalityFactory(name="Offenbach")


def _sign_up(**overrides) -> User:
    data = {
        "email": "anna@example.org",
        "password": PASSWORD,
        "first_name": "Anna",
        "last_name": "Zettelmeier",
        **overrides,
    }
    return services.user_sign_up(**data)


def _errors(exc_info) -> dict:
    return exc_info.value.message_dict


# --- Invitation codes ----------------------------------------------------------------------


def test_redeeming_a_code_counts_each_use(closed_village):
    code = InvitationCodeFactory(municipality=closed_village, max_uses=3)
    invitation_code_redeem(municipality=closed_village, code=code.code)
    used = invitation_code_redeem(municipality=closed_village, code=code.code)
    assert used.pk == code.pk
    assert used.use_count == 2
    code.refresh_from_db()
    assert code.use_count == 2


def test_code_is_read_without_case_and_spaces(closed_village):
    code = InvitationCodeFactory(municipality=closed_village, code="ABCDE23456")
    invitation_code_redeem(municipality=closed_village, code=" abcde 23456\n")
    code.refresh_from_db()
    assert code.use_count == 1


@pytest.mark.parametrize(
    "make_code",
    [
        lambda village: InvitationCodeFactory(municipality=village, revoked_at=timezone.now()),
        lambda village: InvitationCodeFactory(
            municipality=village, expires_at=timezone.now() - dt.timedelta(minutes=1)
        ),
        lambda village: InvitationCodeFactory(municipality=village, max_uses=2, use_count=2),
        lambda village: InvitationCodeFactory(municipality=MunicipalityFactory()),
    ],
    ids=["revoked", "expired", "used_up", "other_village"],
)
def test_unusable_code_is_refused_and_not_counted(closed_village, make_code):
    code = make_code(closed_village)
    before = code.use_count
    with pytest.raises(ValidationError) as exc_info:
        invitation_code_redeem(municipality=closed_village, code=code.code)
    assert "invitation_code" in _errors(exc_info)
    code.refresh_from_db()
    assert code.use_count == before


def test_unknown_code_is_refused(closed_village):
    with pytest.raises(ValidationError):
        invitation_code_redeem(municipality=closed_village, code="NICHTDA234")


def test_last_use_of_a_code_works_then_it_is_used_up(closed_village):
    code = InvitationCodeFactory(municipality=closed_village, max_uses=1)
    invitation_code_redeem(municipality=closed_village, code=code.code)
    with pytest.raises(ValidationError):
        invitation_code_redeem(municipality=closed_village, code=code.code)


def test_code_valid_until_later_is_accepted(closed_village):
    code = InvitationCodeFactory(
        municipality=closed_village, expires_at=timezone.now() + dt.timedelta(days=1)
    )
    assert invitation_code_redeem(municipality=closed_village, code=code.code).use_count == 1


def test_town_hall_creates_code(closed_village):
    editor = editor_of(closed_village)
    code = invitation_code_create(
        actor=editor, municipality=closed_village, max_uses=10, note="  Blatt  "
    )
    assert code.municipality == closed_village
    assert code.created_by == editor
    assert code.note == "Blatt"
    assert code.is_usable()


@pytest.mark.parametrize("role", ["moderator", "resident", "other_editor", "anonymous"])
def test_only_town_hall_of_that_village_creates_codes(closed_village, role):
    actor = {
        "moderator": lambda: moderator_of(closed_village),
        "resident": lambda: UserFactory(home_municipality=closed_village),
        "other_editor": lambda: editor_of(MunicipalityFactory()),
        "anonymous": AnonymousUser,
    }[role]()
    with pytest.raises(PermissionDenied):
        invitation_code_create(actor=actor, municipality=closed_village)
    assert not closed_village.invitation_codes.exists()


@pytest.mark.parametrize(
    "kwargs, field",
    [
        ({"max_uses": 0}, "max_uses"),
        ({"max_uses": 100_001}, "max_uses"),
        ({"expires_at": timezone.now() - dt.timedelta(seconds=1)}, "expires_at"),
        ({"note": "x" * 201}, "note"),
    ],
)
def test_bad_code_settings_are_refused(closed_village, kwargs, field):
    with pytest.raises(ValidationError) as exc_info:
        invitation_code_create(
            actor=editor_of(closed_village), municipality=closed_village, **kwargs
        )
    assert field in _errors(exc_info)
    assert not closed_village.invitation_codes.exists()


def test_only_town_hall_of_that_village_revokes_codes(closed_village):
    code = InvitationCodeFactory(municipality=closed_village)
    with pytest.raises(PermissionDenied):
        invitation_code_revoke(actor=editor_of(MunicipalityFactory()), invitation=code)
    code.refresh_from_db()
    assert code.revoked_at is None
    invitation_code_revoke(actor=editor_of(closed_village), invitation=code)
    code.refresh_from_db()
    assert code.revoked_at is not None
    assert not code.is_usable()


# --- Home municipality ---------------------------------------------------------------------


def test_moving_into_invitation_only_village_needs_a_code(open_village, closed_village):
    user = UserFactory(home_municipality=open_village)
    with pytest.raises(ValidationError) as exc_info:
        services.home_set(user=user, municipality=closed_village, reading_radius_km=5)
    assert "invitation_code" in _errors(exc_info)
    user.refresh_from_db()
    assert user.home_municipality == open_village


def test_moving_into_invitation_only_village_uses_the_code(open_village, closed_village):
    code = InvitationCodeFactory(municipality=closed_village)
    user = UserFactory(home_municipality=open_village)
    services.home_set(
        user=user, municipality=closed_village, reading_radius_km=10, invitation_code=code.code
    )
    user.refresh_from_db()
    assert (user.home_municipality, user.reading_radius_km) == (closed_village, 10)
    code.refresh_from_db()
    assert code.use_count == 1


def test_staying_in_invitation_only_village_does_not_use_a_code(closed_village):
    code = InvitationCodeFactory(municipality=closed_village)
    user = UserFactory(home_municipality=closed_village, reading_radius_km=5)
    services.home_set(
        user=user, municipality=closed_village, reading_radius_km=20, invitation_code=code.code
    )
    services.home_set(user=user, municipality=closed_village, reading_radius_km=0)
    user.refresh_from_db()
    assert user.reading_radius_km == 0
    code.refresh_from_db()
    assert code.use_count == 0


def test_moving_into_open_village_needs_no_code(open_village, closed_village):
    user = UserFactory(home_municipality=closed_village)
    services.home_set(user=user, municipality=open_village, reading_radius_km=5)
    user.refresh_from_db()
    assert user.home_municipality == open_village


@pytest.mark.parametrize("radius", [-1, 31, 1000, "5", 5.0, None, True])
def test_reading_radius_outside_0_to_30_km_is_refused(open_village, radius):
    user = UserFactory(home_municipality=None, reading_radius_km=5)
    with pytest.raises(ValidationError) as exc_info:
        services.home_set(user=user, municipality=open_village, reading_radius_km=radius)
    assert "reading_radius_km" in _errors(exc_info)
    user.refresh_from_db()
    assert user.home_municipality is None


@pytest.mark.parametrize("radius", [0, 30])
def test_reading_radius_limits_are_allowed(open_village, radius):
    user = UserFactory(home_municipality=None)
    services.home_set(user=user, municipality=open_village, reading_radius_km=radius)
    user.refresh_from_db()
    assert user.reading_radius_km == radius


def test_anonymous_cannot_set_a_home(open_village):
    with pytest.raises(PermissionDenied):
        services.home_set(user=AnonymousUser(), municipality=open_village, reading_radius_km=5)


# --- Sign-up, login and confirmation ------------------------------------------------------


def test_sign_up_normalises_the_email_address():
    user = _sign_up(email="  Anna.Zettel@Example.ORG ")
    assert user.email == "anna.zettel@example.org"
    assert user.email_confirmed_at is None
    assert user.check_password(PASSWORD)


@pytest.mark.parametrize("again", ["anna@example.org", "ANNA@Example.org", " Anna@example.ORG"])
def test_sign_up_refuses_the_same_address_in_any_case(again):
    _sign_up()
    with pytest.raises(ValidationError) as exc_info:
        _sign_up(email=again)
    assert "email" in _errors(exc_info)
    assert User.objects.count() == 1


def test_sign_up_strips_invisible_characters_from_names():
    user = _sign_up(first_name="\u200bAn\u200dna\ufeff", last_name=" Zettel\u202emeier\u2060 ")
    assert (user.first_name, user.last_name) == ("Anna", "Zettelmeier")
    assert user.public_name == "Anna Z."


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"first_name": "\u200b\u200c"}, "first_name"),
        ({"last_name": "   "}, "last_name"),
        ({"first_name": "x" * 61}, "first_name"),
        ({"email": "anna@"}, "email"),
        ({"email": "a" * 250 + "@example.org"}, "email"),
        ({"password": "12345678901"}, "password"),
        ({"password": "Zettelmeier"}, "password"),
        ({"language": "fr"}, "language"),
    ],
)
def test_bad_sign_up_is_refused_and_creates_nobody(overrides, field):
    with pytest.raises(ValidationError) as exc_info:
        _sign_up(**overrides)
    assert field in _errors(exc_info)
    assert not User.objects.exists()


def test_sign_up_mails_a_confirmation_link_after_commit(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        user = _sign_up(language="en")
    assert len(callbacks) == 1
    assert [m.to for m in mail.outbox] == [[user.email]]
    assert f"/konto/bestaetigen/{encode_uid(user)}/" in mail.outbox[0].body


def test_email_confirmation_works_once():
    user = UserFactory(email_confirmed_at=None)
    uid, token = encode_uid(user), email_confirmation_token.make_token(user)
    confirmed = services.email_confirm(uidb64=uid, token=token)
    assert confirmed.email_confirmed_at is not None
    with pytest.raises(ValidationError):
        services.email_confirm(uidb64=uid, token=token)


def test_email_confirmation_token_of_another_person_fails():
    anna, berta = UserFactory(email_confirmed_at=None), UserFactory(email_confirmed_at=None)
    with pytest.raises(ValidationError):
        services.email_confirm(
            uidb64=encode_uid(anna), token=email_confirmation_token.make_token(berta)
        )
    anna.refresh_from_db()
    assert anna.email_confirmed_at is None


def test_email_confirmation_for_deactivated_account_fails():
    user = UserFactory(email_confirmed_at=None, is_active=False)
    with pytest.raises(ValidationError):
        services.email_confirm(
            uidb64=encode_uid(user), token=email_confirmation_token.make_token(user)
        )


def test_resend_confirmation_mails_only_unconfirmed_accounts(django_capture_on_commit_callbacks):
    waiting = UserFactory(email_confirmed_at=None, email="wartet@example.org")
    UserFactory(email="fertig@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        for email in ["WARTET@example.org", "fertig@example.org", "niemand@example.org", ""]:
            services.email_confirmation_resend(email=email)
    assert [m.to for m in mail.outbox] == [[waiting.email]]


def test_authenticate_ignores_case_of_the_address():
    user = UserFactory(email="anna@example.org")
    found = services.user_authenticate(email=" ANNA@example.org", password=PASSWORD, address="a")
    assert found == user


def test_authenticate_refuses_unconfirmed_account_with_its_own_code():
    user = UserFactory(email_confirmed_at=None)
    with pytest.raises(ValidationError) as exc_info:
        services.user_authenticate(email=user.email, password=PASSWORD, address="a")
    assert exc_info.value.code == "email_unconfirmed"


def test_authenticate_pauses_after_too_many_failures():
    user = UserFactory()
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        with pytest.raises(ValidationError):
            services.user_authenticate(email=user.email, password="falsch", address="a")
    with pytest.raises(services.LoginPaused):
        services.user_authenticate(email=user.email, password=PASSWORD, address="b")


def test_authenticate_pauses_one_address_after_many_failures_against_many_accounts():
    limit = settings.LOGIN_FAILURE_LIMIT * 4
    for n in range(limit):
        with pytest.raises(ValidationError):
            services.user_authenticate(email=f"x{n}@example.org", password="falsch", address="a")
    user = UserFactory()
    with pytest.raises(services.LoginPaused):
        services.user_authenticate(email=user.email, password=PASSWORD, address="a")
    assert services.user_authenticate(email=user.email, password=PASSWORD, address="b") == user


def test_successful_login_clears_the_failures_of_the_account():
    user = UserFactory()
    for _ in range(settings.LOGIN_FAILURE_LIMIT - 1):
        with pytest.raises(ValidationError):
            services.user_authenticate(email=user.email, password="falsch", address="a")
    services.user_authenticate(email=user.email, password=PASSWORD, address="a")
    for _ in range(settings.LOGIN_FAILURE_LIMIT - 1):
        with pytest.raises(ValidationError):
            services.user_authenticate(email=user.email, password="falsch", address="a")
    assert services.user_authenticate(email=user.email, password=PASSWORD, address="a") == user


# --- Profile and passwords -----------------------------------------------------------------


def test_profile_update_cleans_names_and_bio():
    user = UserFactory()
    services.profile_update(
        user=user,
        first_name="\u200bBerta ",
        last_name="  Bauer\u200f",
        bio="Hallo\u200b!\r\n\r\n\r\n\r\nTschüss",
        language="en",
    )
    user.refresh_from_db()
    assert (user.first_name, user.last_name, user.language) == ("Berta", "Bauer", "en")
    assert user.bio == "Hallo!\n\nTschüss"


def test_profile_update_refuses_bio_over_500_characters():
    user = UserFactory(bio="alt")
    with pytest.raises(ValidationError) as exc_info:
        services.profile_update(user=user, first_name="Anna", last_name="Z", bio="x" * 501)
    assert "bio" in _errors(exc_info)
    user.refresh_from_db()
    assert user.bio == "alt"


def test_language_set_refuses_unknown_language():
    user = UserFactory()
    with pytest.raises(ValidationError):
        services.language_set(user=user, language="xx")
    services.language_set(user=user, language="en")
    user.refresh_from_db()
    assert user.language == "en"


def test_password_change_needs_the_old_password():
    user = UserFactory()
    with pytest.raises(ValidationError) as exc_info:
        services.password_change(user=user, old_password="falsch", new_password=NEW_PASSWORD)
    assert "old_password" in _errors(exc_info)
    services.password_change(user=user, old_password=PASSWORD, new_password=NEW_PASSWORD)
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)


def _reset_link(user) -> dict:
    return {"uidb64": encode_uid(user), "token": password_reset_token.make_token(user)}


def test_password_reset_token_works_only_once():
    user = UserFactory()
    link = _reset_link(user)
    services.password_reset_confirm(**link, new_password=NEW_PASSWORD)
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    with pytest.raises(ValidationError):
        services.password_reset_user(**link)
    with pytest.raises(ValidationError):
        services.password_reset_confirm(**link, new_password="Noch-ein-Passwort-9")
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)


def test_password_reset_with_weak_password_keeps_the_link_usable():
    user = UserFactory()
    link = _reset_link(user)
    with pytest.raises(ValidationError) as exc_info:
        services.password_reset_confirm(**link, new_password="1234567890")
    assert "new_password" in _errors(exc_info)
    assert services.password_reset_user(**link) == user


def test_password_reset_confirms_the_email_address():
    user = UserFactory(email_confirmed_at=None)
    services.password_reset_confirm(**_reset_link(user), new_password=NEW_PASSWORD)
    user.refresh_from_db()
    assert user.email_confirmed


def test_password_reset_link_of_a_deactivated_account_fails():
    user = UserFactory(is_active=False)
    with pytest.raises(ValidationError):
        services.password_reset_user(**_reset_link(user))


def test_password_reset_mails_only_existing_accounts_with_a_password(
    django_capture_on_commit_callbacks,
):
    user = UserFactory(email="anna@example.org")
    no_password = UserFactory(email="ohne@example.org")
    no_password.set_unusable_password()
    no_password.save()
    with django_capture_on_commit_callbacks(execute=True):
        for email in ["Anna@Example.org", "ohne@example.org", "niemand@example.org", ""]:
            services.password_reset_request(email=email)
    assert [m.to for m in mail.outbox] == [[user.email]]
    assert f"/konto/passwort-neu/{encode_uid(user)}/" in mail.outbox[0].body
