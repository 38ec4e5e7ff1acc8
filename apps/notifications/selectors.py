"""Reads of notifications: always the requesting person's own, newest first, cut by a
keyset cursor (never OFFSET)."""

import base64
import datetime as dt
import json
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.translation import gettext as _

from apps.core.ids import ID_LIMIT, parse_id

from .models import Notification

PAGE_SIZE = 30
PAGE_SIZE_MAX = 100


def notification_get(*, user, notification_id) -> Notification:
    """One's own notification; anyone else's, or a number out of range, is not found."""
    if user is None or not user.is_authenticated:
        raise Http404
    number = parse_id(notification_id)
    notification = Notification.objects.filter(pk=number, recipient=user).first()
    if notification is None:
        raise Http404
    return notification


def unread_count(*, user) -> int:
    return Notification.objects.filter(recipient=user, read_at=None).count()


def _encode_cursor(updated_at: dt.datetime, pk: int) -> str:
    raw = json.dumps([updated_at.isoformat(), pk]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[dt.datetime, int]:
    invalid = ValidationError({"cursor": _("Ungültiger Cursor.")})
    if not isinstance(cursor, str) or len(cursor) > 200:
        raise invalid
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        stamp, pk = json.loads(raw)
        updated_at = dt.datetime.fromisoformat(stamp)
    except (ValueError, TypeError) as exc:
        raise invalid from exc
    if (
        updated_at.tzinfo is None
        or isinstance(pk, bool)
        or not isinstance(pk, int)
        or not 0 < pk < ID_LIMIT
    ):
        raise invalid
    return updated_at, pk


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
    qs = Notification.objects.filter(recipient=user).select_related("actor")
    if unread_only:
        qs = qs.filter(read_at=None)
    if cursor:
        updated_at, pk = _decode_cursor(cursor)
        qs = qs.filter(updated_at__lte=updated_at).exclude(updated_at=updated_at, id__gte=pk)
    rows = list(qs.order_by("-updated_at", "-id")[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = _encode_cursor(rows[-1].updated_at, rows[-1].pk) if more else None
    return NotificationPage(notifications=rows, next_cursor=next_cursor)
