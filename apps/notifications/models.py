from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

TITLE_MAX = 120


class Notification(models.Model):
    """One line in someone's notification centre.

    The target is generic (type + id) so other apps need no foreign key here and a deleted
    target leaves a harmless dead link instead of a cascade through every app. The target's
    short title is stored with the row, so the centre renders without reading other apps'
    tables (no N+1, no permission lookups per row); it is what the recipient could read when
    the notification was made."""

    class Kind(models.TextChoices):
        COMMENT = "comment", _("Neuer Kommentar zu deinem Beitrag")
        COMMENT_REPLY = "comment_reply", _("Antwort auf deinen Kommentar")
        THANKS = "thanks", _("Danke für deinen Beitrag")
        MESSAGE = "message", _("Neue Nachricht")
        NEWS = "news", _("Neues vom Rathaus")
        URGENT_WARNING = "urgent_warning", _("Dringende Warnung")
        CONCERN_STATUS = "concern_status", _("Neuer Status deiner Meldung")
        CONCERN_MESSAGE = "concern_message", _("Antwort des Rathauses")
        EVENT_CANCELLED = "event_cancelled", _("Veranstaltung abgesagt")
        EVENT_CHANGED = "event_changed", _("Veranstaltung geändert")

    class TargetType(models.TextChoices):
        POST = "post", _("Beitrag")
        CONVERSATION = "conversation", _("Unterhaltung")
        NEWS = "news", _("Rathaus-Meldung")
        EVENT = "event", _("Veranstaltung")
        CONCERN = "concern", _("Meldung an das Rathaus")

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    target_type = models.CharField(max_length=20, choices=TargetType.choices)
    target_id = models.BigIntegerField()
    municipality = models.ForeignKey(
        "places.Municipality", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    title = models.CharField(max_length=TITLE_MAX, blank=True)
    # The latest person behind it; "Anna und 2 weitere" needs only the count besides.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # How many events were collapsed into this unread row.
    count = models.PositiveIntegerField(default=1)
    read_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("Benachrichtigung")
        verbose_name_plural = _("Benachrichtigungen")
        constraints = [
            # At most one unread row per recipient, kind and target: the one that collapses.
            models.UniqueConstraint(
                fields=["recipient", "kind", "target_type", "target_id"],
                condition=models.Q(read_at__isnull=True),
                name="one_unread_notification_per_target",
            )
        ]
        indexes = [
            models.Index(fields=["recipient", "-updated_at", "-id"], name="notification_list"),
            models.Index(
                fields=["recipient"],
                name="notification_unread",
                condition=models.Q(read_at__isnull=True),
            ),
            models.Index(fields=["kind", "target_type", "target_id"], name="notification_target"),
            models.Index(
                fields=["read_at"],
                name="notification_prune",
                condition=models.Q(read_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.target_type}:{self.target_id} → {self.recipient_id}"

    @property
    def is_unread(self) -> bool:
        return self.read_at is None
