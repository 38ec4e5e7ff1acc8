"""Every change to notifications goes through here. Other apps' services call `notify`
inside their own transaction (no signals): the rows commit or roll back with the change
they are about, and the new unread count goes to the recipients' sockets after commit."""

import base64
import binascii
import datetime as dt
import hmac
import logging
from collections.abc import Callable, Iterable, Mapping
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, F, Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.core.events import send_events_now
from apps.core.ids import parse_id

from .models import TITLE_MAX, Notification, PushDelivery, PushSubscription
from .preferences import channels_for, muted_among
from .selectors import notification_get, unread_about

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


def _grouped(counts: Mapping[int, int], user_ids: set[int]) -> dict[int, list[int]]:
    """These people by their count: one update per different count."""
    grouped: dict[int, list[int]] = {}
    for user_id in user_ids:
        grouped.setdefault(counts[user_id], []).append(user_id)
    return grouped


def notify(
    *,
    recipients: Iterable,
    kind: str,
    target_type: str,
    target_id: int,
    title: str = "",
    actor=None,
    municipality_id: int | None = None,
    counts: Mapping[int, int] | None = None,
) -> int:
    """Tell these people (users or ids) about something, on the channels each chose for this
    kind. Never the actor themselves, nobody who muted the target. An unread notification of
    the same kind about the same target collapses: its count goes up instead of a new line,
    or becomes the person's number in `counts` (by user id) when that is given, for things
    counted elsewhere (unread chat messages). Those who want a push get it after commit.
    Returns how many people were notified."""
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
        same = unread_about(ids, kind=kind, target_type=target_type, target_id=target_id)
        collapsed = set(same.values_list("recipient_id", flat=True))
        changes = {"updated_at": now, "actor_id": actor_id, "title": title}
        if collapsed and counts is None:
            same.update(count=F("count") + 1, **changes)
        elif collapsed:
            for count, people in _grouped(counts, collapsed).items():
                same.filter(recipient_id__in=people).update(count=count, **changes)
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
                count=1 if counts is None else counts[user_id],
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
            # Most people have no device registered: then one query and nothing to enqueue.
            devices = PushSubscription.objects.filter(user_id__in=pushing).values("user_id")
            _push_on_commit(
                list(same.filter(recipient_id__in=devices).values_list("pk", flat=True))
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
    after_batch: Callable[[list[int]], None] | None = None,
) -> int:
    """Tell every active resident of a municipality, in batches, on the channels each chose;
    run from a task. Running it again (a redelivered task) adds nobody twice: whoever
    already has a notification about this target, read or not, is skipped. Returns how many
    rows were created. `after_batch` gets each batch's recipients once it is committed (the
    task starts their pushes while the next batch is written)."""
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
        if after_batch is not None and batch:
            after_batch(batch)
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


# --- Devices for Web Push -----------------------------------------------------------------

MAX_DEVICES = 20
_LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def _b64_bytes(value, field: str, length: int) -> bytes:
    if not isinstance(value, str) or not 0 < len(value) <= 200:
        raise ValidationError({field: _("Fehlt oder ist ungültig.")})
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (binascii.Error, ValueError):
        raise ValidationError({field: _("Ist kein gültiges Base64url.")}) from None
    if len(raw) != length:
        raise ValidationError({field: _("Hat die falsche Länge.")})
    return raw


def _host_allowed(host: str) -> bool:
    for pattern in settings.PUSH_ENDPOINT_HOSTS:
        if pattern.startswith("*.") and host.endswith(pattern[1:]):
            return True
        if host == pattern:
            return True
    return False


def check_subscription(info) -> dict:
    """A browser's PushSubscription as JSON, checked: an https endpoint at a known push
    service (never an address of ours to make the server post to), a P-256 public key and a
    16-byte auth secret."""
    if not isinstance(info, dict):
        raise ValidationError({"subscription": _("Fehlt oder ist ungültig.")})
    endpoint = info.get("endpoint")
    if not isinstance(endpoint, str) or not 0 < len(endpoint) <= 2000:
        raise ValidationError({"endpoint": _("Fehlt oder ist ungültig.")})
    parts = urlsplit(endpoint)
    host = (parts.hostname or "").lower()
    secure = parts.scheme == "https" or (parts.scheme == "http" and host in _LOOPBACK)
    if not secure or not _host_allowed(host):
        raise ValidationError({"endpoint": _("Dieser Push-Dienst wird nicht unterstützt.")})
    keys = info.get("keys")
    if not isinstance(keys, dict):
        raise ValidationError({"keys": _("Fehlt oder ist ungültig.")})
    point = _b64_bytes(keys.get("p256dh"), "p256dh", 65)
    try:
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point)
    except ValueError:
        raise ValidationError({"p256dh": _("Ist kein gültiger Schlüssel.")}) from None
    _b64_bytes(keys.get("auth"), "auth", 16)
    return {"endpoint": endpoint, "p256dh": keys["p256dh"], "auth": keys["auth"]}


def push_subscribe(*, user, info, user_agent: str = "") -> PushSubscription:
    """Register this browser for pushes to `user`. The same browser again updates its row;
    a browser someone else had registered (a shared device) now belongs to `user`."""
    fields = check_subscription(info)
    with transaction.atomic():
        existing = (
            PushSubscription.objects.select_for_update().filter(endpoint=fields["endpoint"]).first()
        )
        if existing is None or existing.user_id != user.pk:
            mine = PushSubscription.objects.filter(user=user).count()
            if mine >= MAX_DEVICES:
                raise ValidationError(
                    _("Höchstens %(n)s Geräte. Entferne zuerst ein altes.") % {"n": MAX_DEVICES}
                )
        subscription, _created = PushSubscription.objects.update_or_create(
            endpoint=fields["endpoint"],
            defaults={
                "user": user,
                "p256dh": fields["p256dh"],
                "auth": fields["auth"],
                "user_agent": (user_agent or "")[:300],
                "failures": 0,
            },
        )
    return subscription


def push_resubscribe(*, old_endpoint, old_auth, info, user_agent: str = "") -> PushSubscription:
    """The service worker's `pushsubscriptionchange`: the browser replaced its subscription.
    It proves the old one by its auth secret (only that browser and we know it), since a
    service worker has no session form to post from."""
    if not isinstance(old_endpoint, str) or not isinstance(old_auth, str):
        raise ValidationError({"old_endpoint": _("Fehlt oder ist ungültig.")})
    old = PushSubscription.objects.filter(endpoint=old_endpoint).select_related("user").first()
    if old is None or not hmac.compare_digest(old.auth, old_auth):
        raise PermissionDenied(_("Dieses Gerät ist nicht bekannt."))
    with transaction.atomic():
        PushSubscription.objects.filter(pk=old.pk).delete()
        return push_subscribe(user=old.user, info=info, user_agent=user_agent)


def push_unsubscribe(*, user, subscription_id) -> None:
    """Remove one of one's devices; anyone else's does not exist (404)."""
    deleted, _counts = PushSubscription.objects.filter(
        pk=parse_id(subscription_id), user=user
    ).delete()
    if not deleted:
        raise Http404


def push_unsubscribe_endpoint(*, user, endpoint: str) -> int:
    """This browser turned push off: forget its subscription, if it is one's own."""
    deleted, _counts = PushSubscription.objects.filter(user=user, endpoint=endpoint).delete()
    return deleted
