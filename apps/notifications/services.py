"""Every change to notifications goes through here. Other apps' services call `notify`
inside their own transaction (no signals): the rows commit or roll back with the change
they are about, and the new unread count goes to the recipients' sockets after commit."""

import datetime as dt
import logging
from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Count, F, Q
from django.utils import timezone

from apps.core.events import send_events_now

from .models import TITLE_MAX, Notification, PushDelivery
from .preferences import channels_for, muted_among
from .selectors import notification_get

logger = logging.getLogger(__name__)

FRAME_UNREAD = "notifications.unread"
BATCH_SIZE = 1000


def _short(title: str) -> str:
    title = " ".join((title or "").split())
    return title if len(title) <= TITLE_MAX else title[: TITLE_MAX - 1] + "…"


def _id(person) -> int | None:
    if person is None:
        return None
    return person if isinstance(person, int) else person.pk


def unread_frames(user_ids: Iterable[int]) -> list[tuple[int, dict]]:
    """The unread count of each of these people as a live frame, in one query."""
    ids = list(set(user_ids))
    counts = dict(
        Notification.objects.filter(recipient_id__in=ids, read_at=None, in_app=True)
        .values("recipient_id")
        .annotate(n=Count("id"))
        .values_list("recipient_id", "n")
    )
    return [(user_id, {"type": FRAME_UNREAD, "unread": counts.get(user_id, 0)}) for user_id in ids]


def _publish_unread_on_commit(user_ids: Iterable[int]) -> None:
    ids = list(user_ids)
    if ids:
        # Counted after commit, so a frame never shows a count that was rolled back.
        transaction.on_commit(lambda: send_events_now(unread_frames(ids)))


def _push_on_commit(notification_ids: list[int]) -> None:
    """Hand these notifications to the push task once they are committed."""
    if not notification_ids:
        return

    def enqueue():
        from .tasks import push_notifications

        try:
            push_notifications.delay(notification_ids=notification_ids)
        except Exception:
            # The in-app notification stands; a broker hiccup costs the push only.
            logger.exception("could not enqueue pushes for %s", notification_ids[:10])

    transaction.on_commit(enqueue)


def notify(
    *,
    recipients: Iterable,
    kind: str,
    target_type: str,
    target_id: int,
    title: str = "",
    actor=None,
    municipality_id: int | None = None,
) -> int:
    """Tell these people (users or ids) about something, on the channels each chose for this
    kind. Never the actor themselves, nobody who muted the target. An unread notification of
    the same kind about the same target collapses: its count goes up instead of a new line.
    Those who want a push get it after commit. Returns how many people were notified."""
    actor_id = _id(actor)
    ids = {_id(person) for person in recipients} - {None, actor_id}
    ids -= muted_among(ids, target_type=target_type, target_id=target_id)
    channels = channels_for(ids, kind)
    ids = {user_id for user_id in ids if channels[user_id].any}
    if not ids:
        return 0
    now = timezone.now()
    title = _short(title)
    with transaction.atomic():
        same = Notification.objects.filter(
            recipient_id__in=ids,
            kind=kind,
            target_type=target_type,
            target_id=target_id,
            read_at=None,
        )
        collapsed = set(same.values_list("recipient_id", flat=True))
        if collapsed:
            same.update(count=F("count") + 1, updated_at=now, actor_id=actor_id, title=title)
        fresh = [
            Notification(
                recipient_id=user_id,
                kind=kind,
                target_type=target_type,
                target_id=target_id,
                title=title,
                actor_id=actor_id,
                municipality_id=municipality_id,
                in_app=channels[user_id].in_app,
                created_at=now,
                updated_at=now,
            )
            for user_id in sorted(ids - collapsed)
        ]
        # A concurrent notify may have created the same unread row meanwhile: that one
        # stands (one lost "+1" in a race beats failing the comment or message behind it).
        Notification.objects.bulk_create(fresh, ignore_conflicts=True)
        _publish_unread_on_commit(user_id for user_id in ids if channels[user_id].in_app)
        pushing = [user_id for user_id in ids if channels[user_id].push]
        if pushing:
            _push_on_commit(
                list(same.filter(recipient_id__in=pushing).values_list("pk", flat=True))
            )
    return len(ids)


def notify_residents(
    *,
    municipality_id: int,
    kind: str,
    target_type: str,
    target_id: int,
    title: str = "",
    actor_id: int | None = None,
    batch_size: int = BATCH_SIZE,
) -> int:
    """Tell every active resident of a municipality, in batches, on the channels each chose;
    run from a task. Running it again (a redelivered task) adds nobody twice: whoever
    already has a notification about this target, read or not, is skipped. Returns how many
    rows were created. The push task finds them by their target (push_target)."""
    User = get_user_model()
    title = _short(title)
    residents = (
        User.objects.filter(home_municipality_id=municipality_id, is_active=True)
        .exclude(pk=actor_id)
        .order_by("pk")
    )
    created = 0
    after = 0
    while True:
        batch = list(residents.filter(pk__gt=after).values_list("pk", flat=True)[:batch_size])
        if not batch:
            break
        after = batch[-1]
        full = len(batch) == batch_size
        channels = channels_for(batch, kind)
        batch = [user_id for user_id in batch if channels[user_id].any]
        with transaction.atomic():
            have = set(
                Notification.objects.filter(
                    recipient_id__in=batch, kind=kind, target_type=target_type, target_id=target_id
                ).values_list("recipient_id", flat=True)
            )
            now = timezone.now()
            rows = [
                Notification(
                    recipient_id=user_id,
                    kind=kind,
                    target_type=target_type,
                    target_id=target_id,
                    title=title,
                    actor_id=actor_id,
                    municipality_id=municipality_id,
                    in_app=channels[user_id].in_app,
                    created_at=now,
                    updated_at=now,
                )
                for user_id in batch
                if user_id not in have
            ]
            Notification.objects.bulk_create(rows, ignore_conflicts=True)
            created += len(rows)
            _publish_unread_on_commit([row.recipient_id for row in rows if row.in_app])
        if not full:
            break
    return created


def notification_mark_read(*, user, notification_id) -> Notification:
    """Mark one of one's own notifications read; someone else's does not exist (404)."""
    notification = notification_get(user=user, notification_id=notification_id)
    if notification.read_at is None:
        with transaction.atomic():
            notification.read_at = timezone.now()
            Notification.objects.filter(pk=notification.pk, read_at=None).update(
                read_at=notification.read_at
            )
            _publish_unread_on_commit([user.pk])
    return notification


def notifications_mark_all_read(*, user) -> int:
    with transaction.atomic():
        changed = Notification.objects.filter(recipient=user, read_at=None, in_app=True).update(
            read_at=timezone.now()
        )
        if changed:
            _publish_unread_on_commit([user.pk])
    return changed


def prune_read_notifications(*, now=None) -> int:
    """Delete notifications read more than NOTIFICATIONS_KEEP_READ_DAYS ago, and those only
    meant for push or email once as old; unread ones in the centre stay. Push deliveries
    are kept a week, long enough for every retry."""
    now = now or timezone.now()
    days = getattr(settings, "NOTIFICATIONS_KEEP_READ_DAYS", 90)
    cutoff = now - dt.timedelta(days=days)
    PushDelivery.objects.filter(created_at__lt=now - dt.timedelta(days=7)).delete()
    deleted, _counts = Notification.objects.filter(
        Q(read_at__lt=cutoff) | Q(in_app=False, updated_at__lt=cutoff)
    ).delete()
    return deleted
