"""Every change to the feed goes through here: check, write in a transaction, then act
after commit."""

import datetime as dt
from collections.abc import Sequence

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.core.files import delete_files_on_commit, photo_files
from apps.core.images import process_photos, save_photo
from apps.core.text import clean_line, clean_text
from apps.notifications import triggers as notifications

from . import live
from .models import (
    BODY_MAX,
    COMMENT_MAX,
    DEFAULT_EXPIRY_DAYS,
    EXPIRY_CHOICES_DAYS,
    PHOTOS_MAX,
    TITLE_MAX,
    Comment,
    Post,
    PostPhoto,
    Thanks,
)
from .permissions import (
    can_comment,
    can_delete_comment,
    can_edit_post,
    can_read_post,
    can_write,
)


def _check_text(title: str, body: str, kind: str, errors: dict) -> tuple[str, str]:
    title = clean_line(title)
    body = clean_text(body)
    if kind != Post.Kind.CHAT and not title:
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


def _check_category(kind: str, category: str, errors: dict) -> str:
    category = category or ""
    if kind == Post.Kind.CHAT:
        return ""
    if category not in Post.Category.values:
        errors["category"] = _("Bitte wähle eine Kategorie.")
    return category


def _check_expiry(days: int | None, errors: dict) -> int:
    if days is None:
        return DEFAULT_EXPIRY_DAYS
    if isinstance(days, bool) or days not in EXPIRY_CHOICES_DAYS:
        errors["expiry_days"] = _("Bitte wähle 7, 14, 30 oder 90 Tage.")
    return days


def _process_photos(uploads: Sequence, already: int, errors: dict) -> list:
    if already + len(uploads) > PHOTOS_MAX:
        errors["photos"] = _("Höchstens %(max)s Fotos pro Beitrag.") % {"max": PHOTOS_MAX}
        return []
    return process_photos(uploads, max_bytes=settings.POST_PHOTO_MAX_BYTES, errors=errors)


def _store_photos(post: Post, processed: list, start: int) -> None:
    for offset, (image, thumbnail) in enumerate(processed):
        save_photo(PostPhoto(post=post, position=start + offset), image, thumbnail)


def post_create(
    *,
    author,
    kind: str,
    body: str,
    title: str = "",
    category: str = "",
    scope: str = Post.Scope.NEARBY,
    expiry_days: int | None = None,
    photos: Sequence = (),
) -> Post:
    if not can_write(author):
        raise PermissionDenied(_("Bitte bestätige deine E-Mail-Adresse und wähle deine Gemeinde."))
    errors: dict = {}
    if kind not in Post.Kind.values:
        errors["kind"] = _("Bitte wähle Plausch, Biete oder Suche.")
    title, body = _check_text(title, body, kind, errors)
    category = _check_category(kind, category, errors)
    if scope not in Post.Scope.values:
        errors["scope"] = _("Unbekannte Sichtbarkeit.")
    days = _check_expiry(expiry_days, errors) if kind != Post.Kind.CHAT else None
    processed = _process_photos(list(photos), 0, errors)
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    with transaction.atomic():
        post = Post.objects.create(
            municipality_id=author.home_municipality_id,
            author=author,
            kind=kind,
            category=category,
            scope=scope,
            title=title,
            body=body,
            expires_at=now + dt.timedelta(days=days) if days else None,
        )
        _store_photos(post, processed, 0)
        live.publish_new_post(post)
    return post


def post_update(
    *,
    actor,
    post: Post,
    body: str,
    title: str = "",
    category: str = "",
    scope: str | None = None,
    add_photos: Sequence = (),
    remove_photo_ids: Sequence[int] = (),
) -> Post:
    if not can_edit_post(actor, post):
        raise PermissionDenied(_("Nur wer den Beitrag geschrieben hat, kann ihn ändern."))
    errors: dict = {}
    title, body = _check_text(title, body, post.kind, errors)
    category = _check_category(post.kind, category, errors)
    if scope is not None and scope not in Post.Scope.values:
        errors["scope"] = _("Unbekannte Sichtbarkeit.")
    removing = list(post.photos.filter(pk__in=list(remove_photo_ids)))
    remaining = post.photos.count() - len(removing)
    processed = _process_photos(list(add_photos), remaining, errors)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        post.title, post.body, post.category = title, body, category
        if scope is not None:
            post.scope = scope
        post.edited_at = timezone.now()
        post.save(update_fields=["title", "body", "category", "scope", "edited_at"])
        if removing:
            delete_files_on_commit(photo_files(removing))
            PostPhoto.objects.filter(pk__in=[p.pk for p in removing]).delete()
        last = post.photos.order_by("-position").values_list("position", flat=True).first()
        _store_photos(post, processed, (last + 1) if last is not None else 0)
    return post


def post_set_status(*, actor, post: Post, status: str) -> Post:
    if not can_edit_post(actor, post):
        raise PermissionDenied(_("Nur wer den Beitrag geschrieben hat, kann den Status ändern."))
    if not post.has_status:
        raise ValidationError({"status": _("Ein Plausch hat keinen Status.")})
    if status not in Post.Status.values:
        raise ValidationError({"status": _("Unbekannter Status.")})
    post.status = status
    post.save(update_fields=["status"])
    return post


def post_extend(*, actor, post: Post, days: int) -> Post:
    """Run again for `days` from now; brings an expired post back into the feed."""
    if not can_edit_post(actor, post):
        raise PermissionDenied(_("Nur wer den Beitrag geschrieben hat, kann ihn verlängern."))
    if not post.has_status:
        raise ValidationError({"expiry_days": _("Ein Plausch läuft nicht ab.")})
    errors: dict = {}
    days = _check_expiry(days, errors)
    if errors:
        raise ValidationError(errors)
    post.expires_at = timezone.now() + dt.timedelta(days=days)
    post.archived_at = None
    post.save(update_fields=["expires_at", "archived_at"])
    return post


def post_delete(*, actor, post: Post) -> None:
    """Gone everywhere, with its comments, thanks and photo files."""
    if not can_edit_post(actor, post):
        raise PermissionDenied(_("Nur wer den Beitrag geschrieben hat, kann ihn löschen."))
    with transaction.atomic():
        delete_files_on_commit(photo_files(post.photos.all()))
        live.publish_post_deleted(post.pk)
        post.delete()


def comment_create(*, author, post: Post, body: str) -> Comment:
    if not can_comment(author, post):
        raise PermissionDenied(_("Du kannst diesen Beitrag nicht kommentieren."))
    body = clean_text(body)
    if not body:
        raise ValidationError({"body": _("Bitte schreib einen Kommentar.")})
    if len(body) > COMMENT_MAX:
        raise ValidationError(
            {
                "body": _("Ein Kommentar darf höchstens %(max)s Zeichen lang sein.")
                % {"max": COMMENT_MAX}
            }
        )
    with transaction.atomic():
        # Locking the post makes a concurrent delete wait, so no comment outlives its post.
        if not Post.objects.select_for_update().filter(pk=post.pk).exists():
            raise ValidationError({"post": _("Diesen Beitrag gibt es nicht mehr.")})
        comment = Comment.objects.create(post=post, author=author, body=body)
        Post.objects.filter(pk=post.pk).update(comment_count=F("comment_count") + 1)
        live.publish_comment_added(comment)
        notifications.comment_created(comment=comment)
    post.comment_count += 1
    return comment


def comment_delete(*, actor, comment: Comment) -> None:
    if not can_delete_comment(actor, comment):
        raise PermissionDenied(_("Du kannst diesen Kommentar nicht löschen."))
    with transaction.atomic():
        deleted, _counts = Comment.objects.filter(pk=comment.pk).delete()
        if deleted:
            Post.objects.filter(pk=comment.post_id, comment_count__gt=0).update(
                comment_count=F("comment_count") - 1
            )
            live.publish_comment_deleted(comment.post_id, comment.pk)


def thanks_toggle(
    *, user, post: Post | None = None, comment: Comment | None = None
) -> tuple[bool, int]:
    """Say "Danke" or take it back. Returns whether the user now thanks, and the count."""
    if (post is None) == (comment is None):
        raise ValueError("Thank either a post or a comment.")
    target_post = post or comment.post
    if not can_read_post(user, target_post) or not can_write(user):
        raise PermissionDenied(_("Du kannst hier nicht Danke sagen."))
    model = Post if post is not None else Comment
    target = post or comment
    lookup = {"post": post} if post is not None else {"comment": comment}
    with transaction.atomic():
        # Lock the target so two quick taps cannot both count.
        model.objects.select_for_update().filter(pk=target.pk).first()
        existing = Thanks.objects.filter(user=user, **lookup).first()
        if existing is None:
            Thanks.objects.create(user=user, **lookup)
            model.objects.filter(pk=target.pk).update(thanks_count=F("thanks_count") + 1)
            if post is not None:
                notifications.post_thanked(post=post, user=user)
        else:
            existing.delete()
            model.objects.filter(pk=target.pk, thanks_count__gt=0).update(
                thanks_count=F("thanks_count") - 1
            )
        target.thanks_count = (
            model.objects.filter(pk=target.pk).values_list("thanks_count", flat=True).first() or 0
        )
    return existing is None, target.thanks_count


def archive_expired_posts(*, now: dt.datetime | None = None) -> int:
    """Take expired Biete and Suche posts out of the feed. Running it twice changes nothing
    the second time."""
    now = now or timezone.now()
    return Post.objects.filter(archived_at__isnull=True, expires_at__lte=now).update(
        archived_at=now
    )
