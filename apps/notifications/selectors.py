"""Reads of notifications: always the requesting person's own, newest first, cut by a
keyset cursor (never OFFSET)."""

from dataclasses import dataclass

from django.http import Http404

from apps.core.cursors import decode_time_cursor, encode_time_cursor
from apps.core.ids import parse_id

from .models import Notification, PushSubscription

PAGE_SIZE = 30
PAGE_SIZE_MAX = 100


def notification_get(*, user, notification_id) -> Notification:
    """One's own notification; anyone else's, or a number out of range, is not found."""
    if user is None or not user.is_authenticated:
        raise Http404
    number = parse_id(notification_id)
    notification = (
        Notification.objects.filter(pk=number, recipient=user)
        .select_related("municipality")
        .first()
    )
    if notification is None:
        raise Http404
    return notification


def unread_count(*, user) -> int:
    return Notification.objects.filter(recipient=user, read_at=None, in_app=True).count()


@dataclass
class NotificationPage:
    notifications: list[Notification]
    next_cursor: str | None


def notifications_page(
    *, user, cursor: str | None = None, unread_only: bool = False, limit: int = PAGE_SIZE
) -> NotificationPage:
    """A page of one's notifications, the most recently updated first. Two queries at most
    whatever the page size: the rows (with their actor) and nothing else."""
    limit = max(1, min(int(limit), PAGE_SIZE_MAX))
    qs = Notification.objects.filter(recipient=user, in_app=True).select_related(
        "actor", "municipality"
    )
    if unread_only:
        qs = qs.filter(read_at=None)
    if cursor:
        updated_at, pk = decode_time_cursor(cursor)
        qs = qs.filter(updated_at__lte=updated_at).exclude(updated_at=updated_at, id__gte=pk)
    rows = list(qs.order_by("-updated_at", "-id")[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = encode_time_cursor(rows[-1].updated_at, rows[-1].pk) if more else None
    return NotificationPage(notifications=rows, next_cursor=next_cursor)


def unread_about(recipient_ids, *, kind: str, target_type: str, target_id: int):
    """These people's unread notifications of one kind about one target: at most one each,
    the row that collapses."""
    return Notification.objects.filter(
        recipient_id__in=recipient_ids,
        kind=kind,
        target_type=target_type,
        target_id=target_id,
        read_at=None,
    )


def push_devices(*, user):
    """One's devices that receive pushes, the newest first."""
    return PushSubscription.objects.filter(user=user).order_by("-created_at")
