"""Concern reports ("Sag's uns"): a resident tells the town hall about a problem in the
village, follows its status and talks with the town hall about it in private."""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from apps.core.storage import private_storage

DESCRIPTION_MAX = 3000
ADDRESS_MAX = 200
MESSAGE_MAX = 2000
NOTE_MAX = 1000
PHOTOS_MAX = 3

# Germany with a little margin: a point outside this box is a slip of the finger.
LATITUDE_RANGE = (47.2, 55.1)
LONGITUDE_RANGE = (5.8, 15.1)


class Concern(models.Model):
    """One report to the town hall of the reporter's home municipality."""

    class Category(models.TextChoices):
        ROAD = "road", _("Schlagloch/Straßenschaden")
        STREET_LIGHT = "street_light", _("Straßenbeleuchtung")
        DUMPING = "dumping", _("Illegale Müllablagerung")
        GREEN = "green", _("Grünanlagen")
        PLAYGROUND = "playground", _("Spielplatz")
        TRAFFIC_SIGN = "traffic_sign", _("Verkehrszeichen")
        OTHER = "other", _("Sonstiges")

    class Status(models.TextChoices):
        RECEIVED = "received", _("eingegangen")
        IN_PROGRESS = "in_progress", _("in Bearbeitung")
        DONE = "done", _("erledigt")
        REJECTED = "rejected", _("abgelehnt")

    municipality = models.ForeignKey(
        "places.Municipality", on_delete=models.CASCADE, related_name="concerns"
    )
    # Kept when the account goes: the town hall still has a pothole to fill.
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="concerns",
    )
    category = models.CharField(_("Kategorie"), max_length=20, choices=Category.choices)
    description = models.TextField(_("Beschreibung"), max_length=DESCRIPTION_MAX)
    address = models.CharField(_("Ort oder Adresse"), max_length=ADDRESS_MAX, blank=True)
    latitude = models.DecimalField(
        _("Breitengrad"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("Längengrad"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    status = models.CharField(
        _("Status"), max_length=12, choices=Status.choices, default=Status.RECEIVED
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_concerns",
        verbose_name=_("Zuständig"),
    )
    # "Schon gemeldet": shown to everyone without the reporter's name.
    published_at = models.DateTimeField(null=True, blank=True)
    public_text = models.TextField(_("Öffentlicher Text"), max_length=DESCRIPTION_MAX, blank=True)
    photos_public = models.BooleanField(_("Fotos öffentlich zeigen"), default=False)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("Meldung an das Rathaus")
        verbose_name_plural = _("Meldungen an das Rathaus")
        indexes = [
            models.Index(fields=["municipality", "status", "created_at"], name="concern_inbox"),
            models.Index(fields=["reporter", "-created_at"], name="concern_reporter"),
            models.Index(
                fields=["municipality", "category", "-published_at"],
                name="concern_published",
                condition=models.Q(published_at__isnull=False),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(latitude__isnull=True, longitude__isnull=True)
                | models.Q(latitude__isnull=False, longitude__isnull=False),
                name="concern_point_complete",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_category_display()}: {self.description[:60]}"

    @property
    def is_public(self) -> bool:
        return self.published_at is not None

    @property
    def is_closed(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.REJECTED)

    @property
    def has_point(self) -> bool:
        return self.latitude is not None and self.longitude is not None

    @property
    def shown_text(self) -> str:
        """What the public sees: the town hall's wording, or the report itself."""
        return self.public_text or self.description


def photo_path(instance, filename: str) -> str:
    return f"concerns/{instance.concern_id}/{uuid.uuid4().hex}.jpg"


class ConcernPhoto(models.Model):
    """A photo of the problem, re-encoded without metadata; stored privately."""

    concern = models.ForeignKey(Concern, on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(upload_to=photo_path, storage=private_storage)
    thumbnail = models.ImageField(upload_to=photo_path, storage=private_storage)
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return f"{self.concern_id}/{self.position}"


class ConcernUpdate(models.Model):
    """A status change by the town hall, with its optional public note."""

    concern = models.ForeignKey(Concern, on_delete=models.CASCADE, related_name="updates")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    old_status = models.CharField(max_length=12, choices=Concern.Status.choices)
    new_status = models.CharField(max_length=12, choices=Concern.Status.choices)
    public_note = models.TextField(_("Öffentliche Notiz"), max_length=NOTE_MAX, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.concern_id}: {self.old_status} → {self.new_status}"


class ConcernMessage(models.Model):
    """The private exchange between the reporter and the town hall."""

    concern = models.ForeignKey(Concern, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    from_town_hall = models.BooleanField(default=False)
    body = models.TextField(_("Nachricht"), max_length=MESSAGE_MAX)
    # The status change this message came with, if any.
    update = models.ForeignKey(
        ConcernUpdate, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["concern", "created_at"], name="concern_message")]

    def __str__(self) -> str:
        return self.body[:60]
