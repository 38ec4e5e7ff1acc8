import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from apps.core.storage import private_storage

TITLE_MAX = 150
BODY_MAX = 10_000
PHOTOS_MAX = 4
ATTACHMENT_NAME_MAX = 100


def attachment_path(instance, filename: str) -> str:
    return f"townhall/{instance.municipality_id}/{uuid.uuid4().hex}.pdf"


class News(models.Model):
    """A message of the town hall (Rathaus) to its municipality. Urgent news is a warning
    (water pipe burst, road closed) shown on top of every feed until `urgent_until`."""

    municipality = models.ForeignKey(
        "places.Municipality", on_delete=models.CASCADE, related_name="news"
    )
    # Kept for the town hall's own records; never shown on public pages or the board.
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="townhall_news",
    )
    title = models.CharField(_("Titel"), max_length=TITLE_MAX)
    body = models.TextField(_("Text"), max_length=BODY_MAX)
    public = models.BooleanField(_("Öffentlich"), default=True)
    urgent = models.BooleanField(_("Dringende Warnung"), default=False)
    urgent_until = models.DateTimeField(_("Warnung gilt bis"), null=True, blank=True)
    pinned_until = models.DateTimeField(_("Angeheftet bis"), null=True, blank=True)
    publish_at = models.DateTimeField(_("Veröffentlichen am"))
    # Set once the news has been announced (live frames, later pushes): never twice.
    announced_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    edited_at = models.DateTimeField(null=True, blank=True)
    attachment = models.FileField(
        upload_to=attachment_path, storage=private_storage, blank=True, max_length=200
    )
    attachment_name = models.CharField(max_length=ATTACHMENT_NAME_MAX, blank=True)
    attachment_size = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("Rathaus-Meldung")
        verbose_name_plural = _("Rathaus-Meldungen")
        indexes = [
            models.Index(fields=["municipality", "-publish_at", "-id"], name="news_page"),
            models.Index(
                fields=["urgent_until"], name="news_urgent", condition=models.Q(urgent=True)
            ),
            models.Index(
                fields=["publish_at"], name="news_due", condition=models.Q(announced_at=None)
            ),
        ]

    def __str__(self) -> str:
        return self.title


def photo_path(instance, filename: str) -> str:
    return f"townhall/photos/{instance.news_id}/{uuid.uuid4().hex}.jpg"


class NewsPhoto(models.Model):
    """A photo of a news item, re-encoded without metadata, served by a view that checks
    who may read the news."""

    news = models.ForeignKey(News, on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(upload_to=photo_path, storage=private_storage)
    thumbnail = models.ImageField(upload_to=photo_path, storage=private_storage)
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return f"{self.news_id}/{self.position}"
