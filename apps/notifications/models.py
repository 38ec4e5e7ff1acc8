import datetime as dt

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
    # False when the recipient wants this kind only by push or email: the row is their
    # source, but the centre and the bell leave it out.
    in_app = models.BooleanField(default=True)
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


# What each kind does when nobody chose otherwise: (in-app, push, email). Email is the
# daily digest and always opt-in; thanks are nice but not worth buzzing a phone.
CHANNELS = ("in_app", "push", "email")
DEFAULT_CHANNELS: dict[str, tuple[bool, bool, bool]] = {
    Notification.Kind.COMMENT: (True, True, False),
    Notification.Kind.COMMENT_REPLY: (True, True, False),
    Notification.Kind.THANKS: (True, False, False),
    Notification.Kind.MESSAGE: (True, True, False),
    Notification.Kind.NEWS: (True, True, False),
    Notification.Kind.URGENT_WARNING: (True, True, False),
    Notification.Kind.CONCERN_STATUS: (True, True, False),
    Notification.Kind.CONCERN_MESSAGE: (True, True, False),
    Notification.Kind.EVENT_CANCELLED: (True, True, False),
    Notification.Kind.EVENT_CHANGED: (True, True, False),
}


class NotificationPreference(models.Model):
    """Someone's choice for one kind; a kind without a row follows DEFAULT_CHANNELS."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    kind = models.CharField(max_length=20, choices=Notification.Kind.choices)
    in_app = models.BooleanField()
    push = models.BooleanField()
    email = models.BooleanField()

    class Meta:
        verbose_name = _("Benachrichtigungs-Einstellung")
        verbose_name_plural = _("Benachrichtigungs-Einstellungen")
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="one_preference_per_kind")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind}"


QUIET_START = dt.time(22, 0)
QUIET_END = dt.time(7, 0)


class NotificationSettings(models.Model):
    """Quiet hours and the digest's bookkeeping; nobody has a row until they change something
    or get a digest, and no row means the defaults."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="notification_settings",
    )
    quiet_hours = models.BooleanField(_("Ruhezeit"), default=True)
    quiet_start = models.TimeField(_("Ruhezeit von"), default=QUIET_START)
    quiet_end = models.TimeField(_("Ruhezeit bis"), default=QUIET_END)
    last_digest_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("Benachrichtigungs-Einstellungen")
        verbose_name_plural = _("Benachrichtigungs-Einstellungen")

    def __str__(self) -> str:
        return f"{self.user_id}"


class MutedTarget(models.Model):
    """Someone does not want to hear about this post (or other target) any more."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    target_type = models.CharField(max_length=20, choices=Notification.TargetType.choices)
    target_id = models.BigIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("Stummgeschaltet")
        verbose_name_plural = _("Stummgeschaltet")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "target_type", "target_id"], name="one_mute_per_target"
            )
        ]
        indexes = [models.Index(fields=["target_type", "target_id"], name="muted_target")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.target_type}:{self.target_id}"


# Checked in order: Edge and Samsung Internet also say Chrome, Chrome also says Safari.
_BROWSERS = [
    ("Edg", "Edge"),
    ("SamsungBrowser", "Samsung Internet"),
    ("OPR", "Opera"),
    ("Firefox", "Firefox"),
    ("FxiOS", "Firefox"),
    ("CriOS", "Chrome"),
    ("Chrome", "Chrome"),
    ("Safari", "Safari"),
]
_SYSTEMS = [
    ("Android", "Android"),
    ("iPhone", "iPhone"),
    ("iPad", "iPad"),
    ("Windows", "Windows"),
    ("Mac OS X", "macOS"),
    ("CrOS", "ChromeOS"),
    ("Linux", "Linux"),
]


def device_name(user_agent: str) -> str:
    browser = next((name for key, name in _BROWSERS if key in user_agent), None)
    system = next((name for key, name in _SYSTEMS if key in user_agent), None)
    if browser and system:
        return _("%(browser)s auf %(system)s") % {"browser": browser, "system": system}
    return browser or system or _("Unbekannter Browser")


class PushSubscription(models.Model):
    """One device (one browser on one phone or computer) that accepts Web Push for a user.
    The endpoint belongs to the push service of the browser's maker; the keys encrypt for
    that browser alone (RFC 8291)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="push_subscriptions"
    )
    endpoint = models.URLField(max_length=2000, unique=True)
    p256dh = models.CharField(max_length=200)
    auth = models.CharField(max_length=100)
    user_agent = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    # Pushes given up on since the last success (after their retries).
    failures = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("Gerät für Push-Nachrichten")
        verbose_name_plural = _("Geräte für Push-Nachrichten")

    def __str__(self) -> str:
        return f"{self.user_id} {self.endpoint[:60]}"

    @property
    def device_name(self) -> str:
        """ "Firefox auf Android" from the user agent, for the list of one's devices."""
        return device_name(self.user_agent)

    @property
    def info(self) -> dict:
        """The subscription as the browser's PushSubscription.toJSON() gives it."""
        return {"endpoint": self.endpoint, "keys": {"p256dh": self.p256dh, "auth": self.auth}}


class PushDelivery(models.Model):
    """One push of one notification (at one count) to one device. The unique key makes a
    redelivered task find its work done instead of pushing twice."""

    class State(models.IntegerChoices):
        PENDING = 0, _("wartet")
        SENT = 1, _("zugestellt")
        FAILED = 2, _("aufgegeben")

    subscription = models.ForeignKey(PushSubscription, on_delete=models.CASCADE, related_name="+")
    notification = models.ForeignKey(Notification, on_delete=models.CASCADE, related_name="+")
    # The notification's count when pushed: a collapsed notification pushes again per event.
    count = models.PositiveIntegerField()
    state = models.PositiveSmallIntegerField(choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    # The task sending it right now; a claim older than PUSH_CLAIM_SECONDS is free again
    # (its worker died), so two tasks never push the same delivery at once.
    claim = models.UUIDField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("Push-Zustellung")
        verbose_name_plural = _("Push-Zustellungen")
        constraints = [
            models.UniqueConstraint(
                fields=["subscription", "notification", "count"], name="one_push_per_event"
            )
        ]
        indexes = [models.Index(fields=["created_at"], name="push_delivery_prune")]

    def __str__(self) -> str:
        return f"{self.notification_id}#{self.count} → {self.subscription_id}"
