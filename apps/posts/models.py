import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from apps.core.storage import private_storage

TITLE_MAX = 120
BODY_MAX = 5000
COMMENT_MAX = 2000
PHOTOS_MAX = 4
EXPIRY_CHOICES_DAYS = (7, 14, 30, 90)
DEFAULT_EXPIRY_DAYS = 30


class Post(models.Model):
    """A post in the village feed: Plausch, Biete or Suche."""

    class Kind(models.TextChoices):
        CHAT = "chat", _("Plausch")
        OFFER = "offer", _("Biete")
        REQUEST = "request", _("Suche")

    class Category(models.TextChoices):
        EVERYDAY_HELP = "everyday_help", _("Alltagshilfe")
        RIDES = "rides", _("Mitfahren")
        GIVEAWAY = "giveaway", _("Verschenken")
        LENDING = "lending", _("Verleihen")
        CRAFT_GARDEN = "craft_garden", _("Handwerk & Garten")
        ANIMALS = "animals", _("Tiere")
        LOST_FOUND = "lost_found", _("Fundsachen")
        OTHER = "other", _("Sonstiges")

    class Status(models.TextChoices):
        OPEN = "open", _("offen")
        RESERVED = "reserved", _("reserviert")
        DONE = "done", _("erledigt")

    class Scope(models.TextChoices):
        NEARBY = "nearby", _("Mein Dorf und Umgebung")
        VILLAGE = "village", _("Nur mein Dorf")

    municipality = models.ForeignKey(
        "places.Municipality", on_delete=models.CASCADE, related_name="posts"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="posts"
    )
    kind = models.CharField(_("Art"), max_length=10, choices=Kind.choices)
    category = models.CharField(_("Kategorie"), max_length=20, choices=Category.choices, blank=True)
    status = models.CharField(
        _("Status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    scope = models.CharField(
        _("Sichtbar für"), max_length=10, choices=Scope.choices, default=Scope.NEARBY
    )
    title = models.CharField(_("Titel"), max_length=TITLE_MAX, blank=True)
    body = models.TextField(_("Text"), max_length=BODY_MAX)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    edited_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(_("Läuft ab am"), null=True, blank=True)
    archived_at = models.DateTimeField(null=True, blank=True)
    # Kept by the services, so a feed page needs no counting queries.
    comment_count = models.PositiveIntegerField(default=0)
    thanks_count = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("Beitrag")
        verbose_name_plural = _("Beiträge")
        indexes = [
            # The feed: newest first within the municipalities a reader reads.
            models.Index(
                fields=["municipality", "-created_at", "-id"],
                name="post_feed",
                condition=models.Q(archived_at__isnull=True) & ~models.Q(status="done"),
            ),
            models.Index(fields=["author", "-created_at"], name="post_author"),
            models.Index(
                fields=["expires_at"],
                name="post_expiry",
                condition=models.Q(archived_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return self.title or self.body[:60]

    @property
    def has_status(self) -> bool:
        return self.kind != self.Kind.CHAT


def photo_path(instance, filename: str) -> str:
    return f"posts/{instance.post_id}/{uuid.uuid4().hex}.jpg"


class PostPhoto(models.Model):
    """A photo of a post, re-encoded without metadata. Stored privately and served only
    to those who may read the post."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(upload_to=photo_path, storage=private_storage)
    thumbnail = models.ImageField(upload_to=photo_path, storage=private_storage)
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    position = models.PositiveSmallIntegerField(default=0)
    alt_text = models.CharField(_("Bildbeschreibung"), max_length=200, blank=True)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return f"{self.post_id}/{self.position}"


class Comment(models.Model):
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="post_comments"
    )
    body = models.TextField(_("Kommentar"), max_length=COMMENT_MAX)
    created_at = models.DateTimeField(auto_now_add=True)
    thanks_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["post", "created_at"], name="comment_post")]

    def __str__(self) -> str:
        return self.body[:60]


class Thanks(models.Model):
    """ "Danke": one per person per post or comment."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="thanks_given"
    )
    post = models.ForeignKey(Post, on_delete=models.CASCADE, null=True, related_name="thanks")
    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, null=True, related_name="thanks")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "post"],
                name="one_thanks_per_post",
                condition=models.Q(post__isnull=False),
            ),
            models.UniqueConstraint(
                fields=["user", "comment"],
                name="one_thanks_per_comment",
                condition=models.Q(comment__isnull=False),
            ),
            models.CheckConstraint(
                condition=models.Q(post__isnull=False, comment__isnull=True)
                | models.Q(post__isnull=True, comment__isnull=False),
                name="thanks_has_one_target",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.post_id or self.comment_id}"
