"""Every change to town-hall news goes through here: check, write in a transaction, then act
after commit (live frames now; pushes to residents are the notifications' part)."""

import datetime as dt
from collections.abc import Sequence

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.core.files import delete_files_on_commit, photo_files
from apps.core.images import process_photos, save_photo
from apps.core.text import clean_line, clean_text
from apps.notifications import triggers as notifications
from apps.places.models import Municipality

from . import live
from .files import attachment_display_name, check_pdf
from .models import BODY_MAX, PHOTOS_MAX, TITLE_MAX, News, NewsPhoto
from .permissions import can_manage_news

# A publication time a little in the past is a form filled in slowly, not a mistake.
SCHEDULE_GRACE = dt.timedelta(minutes=10)
SCHEDULE_AHEAD_MAX = dt.timedelta(days=365)
URGENT_DEFAULT = dt.timedelta(hours=24)
URGENT_MAX = dt.timedelta(days=14)
PIN_MAX = dt.timedelta(days=365)

NOT_ALLOWED = gettext_lazy(
    "Nur die Rathaus-Redaktion dieser Gemeinde kann hier Meldungen verwalten."
)


# --- Checks -------------------------------------------------------------------------------


def _check_text(title: str, body: str, errors: dict) -> tuple[str, str]:
    title, body = clean_line(title), clean_text(body)
    if not title:
        errors["title"] = _("Bitte gib einen Titel an.")
    elif len(title) > TITLE_MAX:
        errors["title"] = _("Der Titel darf höchstens %(max)s Zeichen lang sein.") % {
            "max": TITLE_MAX
        }
    if not body:
        errors["body"] = _("Bitte schreib einen Text.")
    elif len(body) > BODY_MAX:
        errors["body"] = _("Der Text darf höchstens %(max)s Zeichen lang sein.") % {"max": BODY_MAX}
    return title, body


def _is_time(value) -> bool:
    """An aware time the database can store: year 1 at +05:00 has no UTC form."""
    if not isinstance(value, dt.datetime) or not timezone.is_aware(value):
        return False
    try:
        value.astimezone(dt.UTC)
    except OverflowError:
        return False
    return (
        dt.datetime.min.replace(tzinfo=dt.UTC) + SCHEDULE_AHEAD_MAX
        < value
        < (dt.datetime.max.replace(tzinfo=dt.UTC) - SCHEDULE_AHEAD_MAX - URGENT_MAX)
    )


def _check_flag(value, name: str, errors: dict) -> bool:
    if not isinstance(value, bool):
        errors[name] = _("Bitte ja oder nein angeben.")
        return False
    return value


def _check_publish_at(value, now: dt.datetime, errors: dict) -> dt.datetime:
    """Now when not given; otherwise not more than a few minutes in the past and at most a
    year ahead."""
    if value is None:
        return now
    if not _is_time(value):
        errors["publish_at"] = _("Bitte gib einen gültigen Zeitpunkt an.")
        return now
    if value < now - SCHEDULE_GRACE:
        errors["publish_at"] = _("Der Zeitpunkt der Veröffentlichung liegt in der Vergangenheit.")
    elif value > now + SCHEDULE_AHEAD_MAX:
        errors["publish_at"] = _("Eine Meldung lässt sich höchstens ein Jahr im Voraus planen.")
    else:
        return max(value, now)
    # Checks that build on the time (the end of a warning) go on from now.
    return now


def _check_urgent_until(
    urgent: bool, value, start: dt.datetime, now: dt.datetime, errors: dict, *, keep=None
) -> dt.datetime | None:
    """An urgent warning needs an end: 24 hours after its start unless given, at most 14
    days. An end left as it was is accepted even if it has passed (editing an old one)."""
    if not urgent:
        return None
    if value is None:
        return start + URGENT_DEFAULT
    if not _is_time(value):
        errors["urgent_until"] = _("Bitte gib einen gültigen Zeitpunkt an.")
        return None
    if keep is not None and value == keep:
        return value
    if value <= max(start, now):
        errors["urgent_until"] = _("Die Warnung muss nach ihrer Veröffentlichung enden.")
    elif value > start + URGENT_MAX:
        errors["urgent_until"] = _("Eine Warnung gilt höchstens 14 Tage.")
    return value


def _check_pinned_until(value, now: dt.datetime, errors: dict, *, keep=None) -> dt.datetime | None:
    if value is None:
        return None
    if not _is_time(value):
        errors["pinned_until"] = _("Bitte gib einen gültigen Zeitpunkt an.")
        return None
    if keep is not None and value == keep:
        return value
    if value <= now:
        errors["pinned_until"] = _("Das Datum zum Anheften muss in der Zukunft liegen.")
    elif value > now + PIN_MAX:
        errors["pinned_until"] = _("Eine Meldung lässt sich höchstens ein Jahr lang anheften.")
    return value


def _process_photos(uploads: Sequence, already: int, errors: dict) -> list:
    if already + len(uploads) > PHOTOS_MAX:
        errors["photos"] = _("Höchstens %(max)s Fotos pro Meldung.") % {"max": PHOTOS_MAX}
        return []
    return process_photos(uploads, max_bytes=settings.POST_PHOTO_MAX_BYTES, errors=errors)


def _check_attachment(upload, errors: dict) -> tuple[bytes, str] | None:
    if upload is None:
        return None
    try:
        return check_pdf(upload), attachment_display_name(getattr(upload, "name", ""))
    except ValidationError as exc:
        errors["attachment"] = exc.messages
        return None


# --- Storing ------------------------------------------------------------------------------


def _store_photos(news: News, processed: list, start: int) -> None:
    for offset, (image, thumbnail) in enumerate(processed):
        save_photo(NewsPhoto(news=news, position=start + offset), image, thumbnail)


def _store_attachment(news: News, pdf: tuple[bytes, str]) -> None:
    data, name = pdf
    news.attachment.save("attachment.pdf", ContentFile(data), save=False)
    news.attachment_name, news.attachment_size = name, len(data)


def _after_publish(news: News) -> None:
    """Run once per news, after the commit that published it (at once or when its time
    came). Now: the notice board updates live. The notifications issue adds here the push of
    an urgent warning to every resident, regardless of quiet hours."""
    live.board_changed_now(news.municipality_id)
    notifications.news_published(news=news)


def _announce_on_commit(news: News) -> None:
    transaction.on_commit(lambda: _after_publish(news))


# --- Services -----------------------------------------------------------------------------


def news_create(
    *,
    actor,
    municipality: Municipality,
    title: str,
    body: str,
    public: bool = True,
    urgent: bool = False,
    urgent_until: dt.datetime | None = None,
    pinned_until: dt.datetime | None = None,
    publish_at: dt.datetime | None = None,
    photos: Sequence = (),
    attachment=None,
    now: dt.datetime | None = None,
) -> News:
    if not can_manage_news(actor, municipality):
        raise PermissionDenied(NOT_ALLOWED)
    now = now or timezone.now()
    errors: dict = {}
    title, body = _check_text(title, body, errors)
    public = _check_flag(public, "public", errors)
    urgent = _check_flag(urgent, "urgent", errors)
    publish_at = _check_publish_at(publish_at, now, errors)
    urgent_until = _check_urgent_until(urgent, urgent_until, publish_at, now, errors)
    pinned_until = _check_pinned_until(pinned_until, now, errors)
    pdf = _check_attachment(attachment, errors)
    processed = _process_photos(list(photos), 0, errors)
    if errors:
        raise ValidationError(errors)
    due = publish_at <= now
    with transaction.atomic():
        news = News(
            municipality=municipality,
            author=actor,
            title=title,
            body=body,
            public=public,
            urgent=urgent,
            urgent_until=urgent_until,
            pinned_until=pinned_until,
            publish_at=publish_at,
            announced_at=now if due else None,
        )
        if pdf is not None:
            _store_attachment(news, pdf)
        news.save()
        _store_photos(news, processed, 0)
        if due:
            _announce_on_commit(news)
    return news


def news_update(
    *,
    actor,
    news: News,
    title: str,
    body: str,
    public: bool,
    urgent: bool,
    urgent_until: dt.datetime | None = None,
    pinned_until: dt.datetime | None = None,
    publish_at: dt.datetime | None = None,
    add_photos: Sequence = (),
    remove_photo_ids: Sequence[int] = (),
    attachment=None,
    remove_attachment: bool = False,
    now: dt.datetime | None = None,
) -> News:
    """publish_at None keeps the time of published news and publishes scheduled news now;
    published news cannot be scheduled again."""
    if not can_manage_news(actor, news.municipality):
        raise PermissionDenied(NOT_ALLOWED)
    now = now or timezone.now()
    errors: dict = {}
    title, body = _check_text(title, body, errors)
    public = _check_flag(public, "public", errors)
    urgent = _check_flag(urgent, "urgent", errors)
    was_published = news.publish_at <= now
    if publish_at is None or publish_at == news.publish_at:
        publish_at = news.publish_at if was_published or publish_at else now
    elif was_published:
        errors["publish_at"] = _("Eine veröffentlichte Meldung lässt sich nicht neu planen.")
        publish_at = news.publish_at
    else:
        publish_at = _check_publish_at(publish_at, now, errors)
    urgent_until = _check_urgent_until(
        urgent, urgent_until, publish_at, now, errors, keep=news.urgent_until
    )
    pinned_until = _check_pinned_until(pinned_until, now, errors, keep=news.pinned_until)
    pdf = _check_attachment(attachment, errors)
    removing = list(news.photos.filter(pk__in=[int(pk) for pk in remove_photo_ids]))
    remaining = news.photos.count() - len(removing)
    processed = _process_photos(list(add_photos), remaining, errors)
    if errors:
        raise ValidationError(errors)
    announce = publish_at <= now and news.announced_at is None
    with transaction.atomic():
        if pdf is not None or remove_attachment:
            delete_files_on_commit([news.attachment])
            news.attachment, news.attachment_name, news.attachment_size = None, "", 0
        if pdf is not None:
            _store_attachment(news, pdf)
        news.title, news.body, news.public, news.urgent = title, body, public, urgent
        news.urgent_until, news.pinned_until, news.publish_at = (
            urgent_until,
            pinned_until,
            publish_at,
        )
        news.edited_at = now
        if announce:
            news.announced_at = now
        news.save()
        if removing:
            delete_files_on_commit(photo_files(removing))
            NewsPhoto.objects.filter(pk__in=[p.pk for p in removing]).delete()
        last = news.photos.order_by("-position").values_list("position", flat=True).first()
        _store_photos(news, processed, (last + 1) if last is not None else 0)
        if announce:
            _announce_on_commit(news)
        elif publish_at <= now:
            live.board_changed_on_commit(news.municipality_id)
    return news


def news_delete(*, actor, news: News) -> None:
    """Gone everywhere, with its photo and attachment files."""
    if not can_manage_news(actor, news.municipality):
        raise PermissionDenied(NOT_ALLOWED)
    with transaction.atomic():
        delete_files_on_commit([*photo_files(news.photos.all()), news.attachment])
        live.board_changed_on_commit(news.municipality_id)
        news.delete()


def announce_due_news(*, now: dt.datetime | None = None) -> int:
    """Announce scheduled news whose time has come. Each news is claimed by setting
    announced_at in the same statement that finds it unannounced, so two workers (or a
    run repeated after a crash) never announce one twice."""
    now = now or timezone.now()
    count = 0
    due = News.objects.filter(announced_at__isnull=True, publish_at__lte=now).order_by(
        "publish_at", "id"
    )
    for news in due.select_related("municipality")[:500]:
        with transaction.atomic():
            claimed = News.objects.filter(pk=news.pk, announced_at__isnull=True).update(
                announced_at=now
            )
            if claimed:
                news.announced_at = now
                _announce_on_commit(news)
                count += 1
    return count
