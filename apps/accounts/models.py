from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

MAX_READING_RADIUS_KM = 30
DEFAULT_READING_RADIUS_KM = 5


def public_name_of(first_name: str, last_name: str) -> str:
    """First name and the initial of the surname, as every other resident sees it."""
    first = first_name.strip()
    initial = last_name.strip()[:1]
    if first and initial:
        return f"{first} {initial}."
    return first or str(_("Unbekannt"))


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create(self, email: str, password: str | None, **fields):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **fields):
        fields.setdefault("is_staff", False)
        fields.setdefault("is_superuser", False)
        return self._create(email, password, **fields)

    def create_superuser(self, email: str, password: str | None = None, **fields):
        fields.setdefault("is_staff", True)
        fields.setdefault("is_superuser", True)
        fields.setdefault("email_confirmed_at", timezone.now())
        return self._create(email, password, **fields)

    def get_by_natural_key(self, username):
        return self.get(email__iexact=username)


def profile_photo_path(instance, filename: str) -> str:
    return f"profiles/{instance.pk}/{filename}"


class User(AbstractBaseUser, PermissionsMixin):
    """A person, identified by email. Others see only the public name ("Anna M.")."""

    class Language(models.TextChoices):
        GERMAN = "de", _("Deutsch")
        ENGLISH = "en", _("Englisch")

    email = models.EmailField(_("E-Mail-Adresse"), max_length=254, unique=True)
    first_name = models.CharField(_("Vorname"), max_length=60)
    last_name = models.CharField(_("Nachname"), max_length=60)
    bio = models.TextField(_("Über mich"), max_length=500, blank=True)
    photo = models.ImageField(_("Foto"), upload_to=profile_photo_path, blank=True)
    language = models.CharField(
        _("Sprache"), max_length=5, choices=Language.choices, default=Language.GERMAN
    )
    home_municipality = models.ForeignKey(
        "places.Municipality",
        verbose_name=_("Heimatgemeinde"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="residents",
    )
    reading_radius_km = models.PositiveSmallIntegerField(
        _("Umkreis in km"),
        default=DEFAULT_READING_RADIUS_KM,
        validators=[MinValueValidator(0), MaxValueValidator(MAX_READING_RADIUS_KM)],
    )
    email_confirmed_at = models.DateTimeField(_("E-Mail bestätigt am"), null=True, blank=True)
    is_active = models.BooleanField(_("aktiv"), default=True)
    is_staff = models.BooleanField(_("Betreiber-Team"), default=False)
    date_joined = models.DateTimeField(_("registriert am"), default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["first_name", "last_name"]

    class Meta:
        verbose_name = _("Person")
        verbose_name_plural = _("Personen")
        constraints = [
            models.UniqueConstraint(Lower("email"), name="unique_user_email_ci"),
            models.CheckConstraint(
                condition=models.Q(reading_radius_km__lte=MAX_READING_RADIUS_KM),
                name="reading_radius_at_most_30_km",
            ),
        ]

    def __str__(self) -> str:
        return self.public_name

    @property
    def public_name(self) -> str:
        return public_name_of(self.first_name, self.last_name)

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def email_confirmed(self) -> bool:
        return self.email_confirmed_at is not None

    def get_full_name(self) -> str:
        return self.full_name

    def get_short_name(self) -> str:
        return self.public_name

    @property
    def language_code(self) -> str:
        return self.language or settings.LANGUAGE_CODE


class Block(models.Model):
    """One person has blocked another: the two cannot start a conversation with each other.
    Setting and lifting blocks belongs to moderation; the check is asked everywhere."""

    blocker = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="blocks_made"
    )
    blocked = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="blocks_received"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("Blockierung")
        verbose_name_plural = _("Blockierungen")
        constraints = [
            models.UniqueConstraint(fields=["blocker", "blocked"], name="one_block_per_pair"),
            models.CheckConstraint(
                condition=~models.Q(blocker=models.F("blocked")), name="block_not_self"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.blocker_id} ⊘ {self.blocked_id}"
