import secrets

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

official_key_validator = RegexValidator(
    r"^\d{8}$", _("Der Amtliche Gemeindeschlüssel hat genau 8 Ziffern.")
)


class Municipality(models.Model):
    """A municipality (Gemeinde): the tenant every village-scoped row belongs to."""

    class SignupPolicy(models.TextChoices):
        OPEN = "open", _("Offen für alle")
        INVITATION = "invitation", _("Nur mit Einladungscode")

    name = models.CharField(_("Name"), max_length=120)
    slug = models.SlugField(_("Kurzname"), max_length=140, unique=True)
    official_key = models.CharField(
        _("Amtlicher Gemeindeschlüssel"),
        max_length=8,
        unique=True,
        validators=[official_key_validator],
    )
    district = models.CharField(_("Landkreis"), max_length=120, blank=True)
    latitude = models.FloatField(
        _("Breitengrad"), validators=[MinValueValidator(-90), MaxValueValidator(90)]
    )
    longitude = models.FloatField(
        _("Längengrad"), validators=[MinValueValidator(-180), MaxValueValidator(180)]
    )
    signup_policy = models.CharField(
        _("Registrierung"), max_length=16, choices=SignupPolicy.choices, default=SignupPolicy.OPEN
    )
    netiquette = models.TextField(_("Netiquette"), blank=True, max_length=5000)
    residents_may_create_events = models.BooleanField(
        _("Bewohner dürfen Veranstaltungen anlegen"), default=False
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("Gemeinde")
        verbose_name_plural = _("Gemeinden")
        ordering = ["name"]
        indexes = [models.Index(fields=["latitude", "longitude"], name="municipality_point")]

    def __str__(self) -> str:
        return self.name

    @property
    def requires_invitation(self) -> bool:
        return self.signup_policy == self.SignupPolicy.INVITATION


class MunicipalityRole(models.Model):
    """A duty someone holds in one municipality. Living there (resident) is not a role here:
    it is the user's home municipality."""

    class Kind(models.TextChoices):
        MODERATOR = "moderator", _("Moderation")
        EDITOR = "editor", _("Rathaus-Redaktion")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="municipality_roles"
    )
    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="roles")
    kind = models.CharField(_("Rolle"), max_length=16, choices=Kind.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("Rolle")
        verbose_name_plural = _("Rollen")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "municipality", "kind"], name="unique_municipality_role"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_kind_display()} · {self.municipality}"


def new_invitation_code() -> str:
    # No 0/O or 1/I/L: the code is read off paper and typed by hand.
    alphabet = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
    return "".join(secrets.choice(alphabet) for _ in range(10))


class InvitationCode(models.Model):
    """Lets people register in a municipality whose sign-up needs an invitation."""

    municipality = models.ForeignKey(
        Municipality, on_delete=models.CASCADE, related_name="invitation_codes"
    )
    code = models.CharField(_("Code"), max_length=20, unique=True, default=new_invitation_code)
    note = models.CharField(_("Notiz"), max_length=200, blank=True)
    max_uses = models.PositiveIntegerField(
        _("Wie oft einlösbar"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(100_000)],
        help_text=_("Leer lassen, wenn der Code beliebig oft gelten soll."),
    )
    use_count = models.PositiveIntegerField(_("Einlösungen"), default=0)
    expires_at = models.DateTimeField(_("Gültig bis"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("Zurückgezogen am"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("Einladungscode")
        verbose_name_plural = _("Einladungscodes")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.code} ({self.municipality})"

    def is_usable(self, now=None) -> bool:
        now = now or timezone.now()
        if self.revoked_at is not None:
            return False
        if self.expires_at is not None and self.expires_at <= now:
            return False
        return self.max_uses is None or self.use_count < self.max_uses
