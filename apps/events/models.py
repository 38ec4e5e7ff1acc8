import datetime as dt

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

TITLE_MAX = 120
DESCRIPTION_MAX = 5000
PLACE_MAX = 200
CAPACITY_MAX = 100_000


class Event(models.Model):
    """A Veranstaltung in one municipality.

    Times are stored as instants (UTC in the database) and entered and shown in
    Europe/Berlin. An all-day event starts at local midnight of its first day and ends at
    local midnight after its last day (exclusive, as DTEND in iCalendar).

    The organiser is `organiser_kind` plus what that kind needs: the town hall of the
    municipality, or the resident who created it. Volunteer groups will add a kind "group"
    and a nullable foreign key to the group; `organiser_name` and the permission helpers are
    the only places that have to learn about it."""

    class Audience(models.TextChoices):
        PUBLIC = "public", _("Öffentlich: alle, auch ohne Anmeldung")
        MEMBERS = "members", _("Nur Einwohner und Nachbarn")

    class OrganiserKind(models.TextChoices):
        TOWN_HALL = "town_hall", _("Rathaus")
        RESIDENT = "resident", _("Einwohner")

    municipality = models.ForeignKey(
        "places.Municipality", on_delete=models.CASCADE, related_name="events"
    )
    organiser_kind = models.CharField(
        _("Veranstalter"), max_length=16, choices=OrganiserKind.choices
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="created_events",
    )
    title = models.CharField(_("Titel"), max_length=TITLE_MAX)
    description = models.TextField(_("Beschreibung"), max_length=DESCRIPTION_MAX, blank=True)
    starts_at = models.DateTimeField(_("Beginn"))
    ends_at = models.DateTimeField(_("Ende"))
    all_day = models.BooleanField(_("Ganztägig"), default=False)
    place_name = models.CharField(_("Ort"), max_length=PLACE_MAX, blank=True)
    latitude = models.FloatField(_("Breitengrad"), null=True, blank=True)
    longitude = models.FloatField(_("Längengrad"), null=True, blank=True)
    capacity = models.PositiveIntegerField(_("Plätze"), null=True, blank=True)
    audience = models.CharField(
        _("Sichtbar für"), max_length=10, choices=Audience.choices, default=Audience.PUBLIC
    )
    # Kept by the services under a conditional update, so a full event never takes one more.
    attendee_count = models.PositiveIntegerField(default=0)
    # Raised on every change, so calendar apps replace their copy (SEQUENCE in iCalendar).
    sequence = models.PositiveIntegerField(default=0)
    cancelled_at = models.DateTimeField(_("Abgesagt am"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    edited_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("Veranstaltung")
        verbose_name_plural = _("Veranstaltungen")
        indexes = [
            models.Index(
                fields=["municipality", "starts_at", "id"],
                name="event_calendar",
            ),
            models.Index(fields=["ends_at"], name="event_end"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")),
                name="event_ends_after_start",
            ),
            models.CheckConstraint(
                condition=models.Q(latitude__isnull=True, longitude__isnull=True)
                | models.Q(latitude__isnull=False, longitude__isnull=False),
                name="event_point_complete",
            ),
            models.CheckConstraint(
                condition=models.Q(capacity__isnull=True)
                | models.Q(attendee_count__lte=models.F("capacity")),
                name="event_not_overbooked",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_cancelled(self) -> bool:
        return self.cancelled_at is not None

    @property
    def is_over(self) -> bool:
        return self.ends_at <= timezone.now()

    @property
    def is_full(self) -> bool:
        return self.capacity is not None and self.attendee_count >= self.capacity

    @property
    def seats_left(self) -> int | None:
        return None if self.capacity is None else max(self.capacity - self.attendee_count, 0)

    @property
    def has_point(self) -> bool:
        return self.latitude is not None and self.longitude is not None

    @property
    def local_start(self):
        return timezone.localtime(self.starts_at)

    @property
    def local_end(self):
        return timezone.localtime(self.ends_at)

    @property
    def start_date(self):
        return self.local_start.date()

    @property
    def end_date(self):
        """The last day (inclusive): for all-day events the day before the exclusive end."""
        end = self.local_end
        if self.all_day:
            return (end - dt.timedelta(days=1)).date()
        return end.date()

    @property
    def organiser_name(self) -> str:
        if self.organiser_kind == self.OrganiserKind.TOWN_HALL:
            return _("Rathaus %(name)s") % {"name": self.municipality.name}
        if self.created_by is not None:
            return self.created_by.public_name
        return str(_("Unbekannt"))


class Attendance(models.Model):
    """ "Ich komme": one per person and event."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="attendances")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="event_attendances"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("Zusage")
        verbose_name_plural = _("Zusagen")
        constraints = [
            models.UniqueConstraint(fields=["event", "user"], name="one_attendance_per_event")
        ]
        indexes = [models.Index(fields=["user", "event"], name="attendance_user")]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.event_id}"
