"""Every change to an account goes through here; views and the API only translate."""

from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.core.images import process_image
from apps.core.text import clean_line, clean_text
from apps.places.models import Municipality
from apps.places.services import invitation_code_redeem

from . import emails, throttling
from .models import MAX_READING_RADIUS_KM, User
from .tokens import decode_uid, email_confirmation_token, password_reset_token

NAME_MAX = 60
BIO_MAX = 500


class LoginPaused(Exception):
    """Too many failed attempts; the caller answers 429 or shows a pause message."""


def _normalise_email(email: str) -> str:
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError as exc:
        raise ValidationError({"email": _("Bitte eine gültige E-Mail-Adresse angeben.")}) from exc
    if len(email) > 254:
        raise ValidationError({"email": _("Die E-Mail-Adresse ist zu lang.")})
    return email


def _clean_name(value: str, field: str, errors: dict) -> str:
    value = clean_line(value)
    if not value:
        errors[field] = _("Bitte ausfüllen.")
    elif len(value) > NAME_MAX:
        errors[field] = _("Höchstens 60 Zeichen.")
    return value


def user_sign_up(
    *, email: str, password: str, first_name: str, last_name: str, language: str = "de"
) -> User:
    """Create an account that can log in once its email address is confirmed."""
    errors: dict = {}
    try:
        email = _normalise_email(email)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    first_name = _clean_name(first_name, "first_name", errors)
    last_name = _clean_name(last_name, "last_name", errors)
    if language not in User.Language.values:
        errors["language"] = _("Unbekannte Sprache.")
    if "email" not in errors and User.objects.filter(email__iexact=email).exists():
        errors["email"] = _("Mit dieser E-Mail-Adresse gibt es schon ein Konto.")
    candidate = User(email=email, first_name=first_name, last_name=last_name)
    try:
        password_validation.validate_password(password or "", user=candidate)
    except ValidationError as exc:
        errors["password"] = exc.messages
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        user = User.objects.create_user(
            email=email,
            password=password,
            first_name=first_name,
            last_name=last_name,
            language=language,
        )
        emails.send_email_confirmation(user)
    return user


def email_confirm(*, uidb64: str, token: str) -> User:
    pk = decode_uid(uidb64)
    user = User.objects.filter(pk=pk, is_active=True).first() if pk else None
    if user is None or not email_confirmation_token.check_token(user, token):
        raise ValidationError(
            {
                "token": _(
                    "Der Bestätigungslink ist ungültig oder abgelaufen. Fordere einen neuen an."
                )
            }
        )
    user.email_confirmed_at = timezone.now()
    user.save(update_fields=["email_confirmed_at"])
    return user


def email_confirmation_resend(*, email: str) -> None:
    """Send a new link if such an unconfirmed account exists; says nothing either way."""
    email = (email or "").strip().lower()
    user = User.objects.filter(
        email__iexact=email, is_active=True, email_confirmed_at__isnull=True
    ).first()
    if user is not None:
        with transaction.atomic():
            emails.send_email_confirmation(user)


def user_authenticate(*, email: str, password: str, address: str) -> User:
    """Check credentials, counting failures. Raises LoginPaused or ValidationError."""
    email = (email or "").strip().lower()[:254]
    if throttling.login_paused(email=email, address=address):
        raise LoginPaused(_("Zu viele Fehlversuche. Bitte warte eine Viertelstunde."))
    user = User.objects.filter(email__iexact=email).first() if email else None
    if user is None or not user.check_password(password or "") or not user.is_active:
        throttling.login_failed(email=email, address=address)
        raise ValidationError(_("E-Mail-Adresse oder Passwort stimmt nicht."), code="invalid_login")
    if not user.email_confirmed:
        raise ValidationError(
            _("Bitte bestätige zuerst deine E-Mail-Adresse. Wir haben dir einen Link geschickt."),
            code="email_unconfirmed",
        )
    throttling.login_succeeded(email=email)
    return user


def profile_update(
    *, user: User, first_name: str, last_name: str, bio: str = "", language: str | None = None
) -> User:
    errors: dict = {}
    first_name = _clean_name(first_name, "first_name", errors)
    last_name = _clean_name(last_name, "last_name", errors)
    bio = clean_text(bio)
    if len(bio) > BIO_MAX:
        errors["bio"] = _("Höchstens 500 Zeichen.")
    if language is not None and language not in User.Language.values:
        errors["language"] = _("Unbekannte Sprache.")
    if errors:
        raise ValidationError(errors)
    user.first_name, user.last_name, user.bio = first_name, last_name, bio
    fields = ["first_name", "last_name", "bio"]
    if language is not None:
        user.language = language
        fields.append("language")
    user.save(update_fields=fields)
    return user


def language_set(*, user: User, language: str) -> User:
    if language not in User.Language.values:
        raise ValidationError({"language": _("Unbekannte Sprache.")})
    user.language = language
    user.save(update_fields=["language"])
    return user


def profile_photo_set(*, user: User, upload) -> User:
    try:
        image = process_image(
            upload, max_bytes=settings.PROFILE_PHOTO_MAX_BYTES, max_side=512, square=True
        )
    except ValidationError as exc:
        raise ValidationError({"photo": exc.messages}) from exc
    old_name = user.photo.name if user.photo else ""
    with transaction.atomic():
        user.photo.save("photo.jpg", image.content, save=False)
        user.save(update_fields=["photo"])
    if old_name and old_name != user.photo.name:
        user.photo.storage.delete(old_name)
    return user


def profile_photo_remove(*, user: User) -> User:
    if user.photo:
        name = user.photo.name
        user.photo = ""
        user.save(update_fields=["photo"])
        User.photo.field.storage.delete(name)
    return user


def home_set(
    *,
    user: User,
    municipality: Municipality,
    reading_radius_km: int,
    invitation_code: str = "",
) -> User:
    """Choose the home municipality and reading radius. Moving into a municipality whose
    sign-up needs an invitation uses up one use of a valid code."""
    if not user.is_authenticated:
        raise PermissionDenied
    if (
        not isinstance(reading_radius_km, int)
        or isinstance(reading_radius_km, bool)
        or not 0 <= reading_radius_km <= MAX_READING_RADIUS_KM
    ):
        raise ValidationError(
            {"reading_radius_km": _("Der Umkreis muss zwischen 0 und 30 km liegen.")}
        )
    moving = user.home_municipality_id != municipality.pk
    with transaction.atomic():
        if moving and municipality.requires_invitation:
            if not (invitation_code or "").strip():
                raise ValidationError(
                    {
                        "invitation_code": _(
                            "Für diese Gemeinde brauchst du einen Einladungscode vom Rathaus."
                        )
                    }
                )
            invitation_code_redeem(municipality=municipality, code=invitation_code)
        user.home_municipality = municipality
        user.reading_radius_km = reading_radius_km
        user.save(update_fields=["home_municipality", "reading_radius_km"])
    return user


def password_change(*, user: User, old_password: str, new_password: str) -> User:
    if not user.check_password(old_password or ""):
        raise ValidationError({"old_password": _("Das bisherige Passwort stimmt nicht.")})
    try:
        password_validation.validate_password(new_password or "", user=user)
    except ValidationError as exc:
        raise ValidationError({"new_password": exc.messages}) from exc
    user.set_password(new_password)
    user.save(update_fields=["password"])
    return user


def password_reset_request(*, email: str) -> None:
    """Mail a reset link if the account exists; the answer is the same either way."""
    email = (email or "").strip().lower()
    user = User.objects.filter(email__iexact=email, is_active=True).first() if email else None
    if user is not None and user.has_usable_password():
        with transaction.atomic():
            emails.send_password_reset(user)


def password_reset_user(*, uidb64: str, token: str) -> User:
    pk = decode_uid(uidb64)
    user = User.objects.filter(pk=pk, is_active=True).first() if pk else None
    if user is None or not password_reset_token.check_token(user, token):
        raise ValidationError(
            {"token": _("Der Link zum Zurücksetzen ist ungültig oder abgelaufen.")}
        )
    return user


def password_reset_confirm(*, uidb64: str, token: str, new_password: str) -> User:
    user = password_reset_user(uidb64=uidb64, token=token)
    try:
        password_validation.validate_password(new_password or "", user=user)
    except ValidationError as exc:
        raise ValidationError({"new_password": exc.messages}) from exc
    user.set_password(new_password)
    # A reset proves the mailbox, so it confirms the address too.
    user.email_confirmed_at = user.email_confirmed_at or timezone.now()
    user.save(update_fields=["password", "email_confirmed_at"])
    return user
