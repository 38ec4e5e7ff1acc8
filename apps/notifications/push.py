"""Web Push: from notifications to pending deliveries, and from deliveries to the push
services of the recipients' browsers.

`plan_pushes` decides who gets a push (push wanted for the kind, not in quiet hours unless
it is urgent, a device subscribed) and records one delivery per device. `push_deliveries`
claims pending deliveries, encrypts each payload for its device (aes128gcm, RFC 8291),
signs with the cached VAPID token of the push service (RFC 8292) and posts them
concurrently over one connection pool, then records what each service answered:

- 201: delivered; the device's last success is noted.
- 404 / 410: the subscription is gone; the device is deleted.
- 429 / 5xx / timeout / no connection: tried again later (the task schedules it, honouring
  Retry-After); nothing is deleted.
- anything else (400, 401, 403, 413): given up; the device's failures go up.

One failing device never stops the rest of a batch."""

import asyncio
import datetime as dt
import email.utils
import json
import logging
import uuid
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cache

import aiohttp
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import F, Q
from django.templatetags.static import static
from django.utils import timezone, translation
from pywebpush import WebPusher

from apps.places.models import Municipality

from .models import Notification, PushDelivery, PushSubscription
from .preferences import URGENT_KINDS, channels_for, quiet_among
from .rendering import notification_text, target_url
from .vapid import vapid_headers

logger = logging.getLogger(__name__)

State = PushDelivery.State
SENT, GONE, RETRY, FAILED = "sent", "gone", "retry", "failed"


# --- Planning -----------------------------------------------------------------------------


def plan_pushes(notification_ids: Iterable[int], *, at: dt.datetime | None = None) -> list[int]:
    """Record a pending delivery per device for each of these notifications whose recipient
    wants a push now; return the ids of their pending deliveries. Running it twice adds
    nothing: a delivery is unique per device, notification and count."""
    rows = list(
        Notification.objects.filter(pk__in=list(notification_ids)).values_list(
            "pk", "recipient_id", "kind", "count"
        )
    )
    if not rows:
        return []
    wanted: dict[int, tuple[int, int]] = {}  # notification id -> (recipient, count)
    for kind in {row[2] for row in rows}:
        of_kind = [row for row in rows if row[2] == kind]
        channels = channels_for({row[1] for row in of_kind}, kind)
        pushing = {user_id for user_id, chosen in channels.items() if chosen.push}
        if kind not in URGENT_KINDS:
            pushing -= quiet_among(pushing, at=at)
        wanted.update({row[0]: (row[1], row[3]) for row in of_kind if row[1] in pushing})
    if not wanted:
        return []
    devices: dict[int, list[int]] = {}
    for sub_id, user_id in PushSubscription.objects.filter(
        user_id__in={recipient for recipient, _count in wanted.values()}
    ).values_list("pk", "user_id"):
        devices.setdefault(user_id, []).append(sub_id)
    deliveries = [
        PushDelivery(subscription_id=sub_id, notification_id=notification_id, count=count)
        for notification_id, (recipient, count) in wanted.items()
        for sub_id in devices.get(recipient, ())
    ]
    if not deliveries:
        return []
    PushDelivery.objects.bulk_create(deliveries, ignore_conflicts=True, batch_size=1000)
    pending = PushDelivery.objects.filter(notification_id__in=list(wanted), state=State.PENDING)
    return [
        pk
        for pk, notification_id, count in pending.order_by("pk").values_list(
            "pk", "notification_id", "count"
        )
        if wanted[notification_id][1] == count
    ]


# --- Payloads -----------------------------------------------------------------------------


def topic_of(notification: Notification) -> str:
    """Same target, same topic: a newer push replaces an older one still waiting at the push
    service, and the same tag replaces it on the phone (RFC 8030: at most 32 URL-safe
    base64 characters)."""
    return f"{notification.target_type}-{notification.target_id}"[:32]


@cache
def _icon_url() -> str:
    try:
        return static("icons/icon-192.png")
    except ValueError:
        # Static files not collected (a worker started without collectstatic): the plain
        # path still names the icon; a push must not fail over its icon.
        return f"{settings.STATIC_URL}icons/icon-192.png"


def _shown(notification: Notification, language: str) -> dict:
    """What the service worker shows, apart from the notification's own id: the same for
    everyone told about one thing in one language, so a warning renders once, not per
    resident."""
    with translation.override(language):
        return {
            "title": str(Notification.Kind(notification.kind).label),
            "body": notification_text(notification),
            "target": target_url(notification),
            "tag": topic_of(notification),
            "urgent": notification.kind in URGENT_KINDS,
            "icon": _icon_url(),
        }


def _encode(shown: dict, notification_id: int) -> bytes:
    # The url opens the notification: that marks it read and leads to the target.
    data = {
        **shown,
        "url": f"/benachrichtigungen/{notification_id}/",
        "notification": notification_id,
    }
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()


def payload_of(notification: Notification, language: str) -> bytes:
    """What the service worker shows: title, body, the page a tap opens, tag and icon."""
    return _encode(_shown(notification, language), notification.pk)


# --- Sending ------------------------------------------------------------------------------


@dataclass
class Job:
    delivery_id: int
    subscription_id: int
    info: dict
    data: bytes
    headers: dict[str, str]
    ttl: int


@dataclass
class Outcome:
    delivery_id: int
    subscription_id: int
    result: str
    status: int | None = None
    retry_after: float | None = None


def retry_after_seconds(value: str | None, *, now: dt.datetime | None = None) -> float | None:
    """Retry-After as seconds: either a number of seconds or an HTTP date (RFC 9110)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return max(0.0, (when - (now or timezone.now())).total_seconds())


def classify(job: Job, status: int, retry_after: str | None) -> Outcome:
    if status in (200, 201, 202):
        result = SENT
    elif status in (404, 410):
        result = GONE
    elif status == 429 or status >= 500:
        result = RETRY
    else:
        result = FAILED
    return Outcome(
        job.delivery_id,
        job.subscription_id,
        result,
        status=status,
        retry_after=retry_after_seconds(retry_after) if result == RETRY else None,
    )


async def _send_one(session, limit: asyncio.Semaphore, job: Job) -> Outcome:
    async with limit:
        try:
            pusher = WebPusher(job.info, aiohttp_session=session)
            response = await pusher.send_async(
                data=job.data,
                headers=job.headers,
                ttl=job.ttl,
                content_encoding="aes128gcm",
                timeout=aiohttp.ClientTimeout(total=settings.PUSH_TIMEOUT),
            )
            return classify(job, response.status, response.headers.get("Retry-After"))
        except (aiohttp.ClientError, TimeoutError, OSError) as error:
            logger.info("push to device %s failed for now: %r", job.subscription_id, error)
            return Outcome(job.delivery_id, job.subscription_id, RETRY)
        except Exception:
            # A subscription with broken keys, or anything else: this device only.
            logger.exception("push to device %s failed", job.subscription_id)
            return Outcome(job.delivery_id, job.subscription_id, FAILED)


async def send_jobs(jobs: list[Job]) -> list[Outcome]:
    """Post all jobs, PUSH_CONCURRENCY at a time, over one pool that keeps connections to
    each push service open for the whole batch."""
    limit = asyncio.Semaphore(settings.PUSH_CONCURRENCY)
    connector = aiohttp.TCPConnector(limit=settings.PUSH_CONCURRENCY)
    async with aiohttp.ClientSession(connector=connector) as session:
        return list(await asyncio.gather(*(_send_one(session, limit, job) for job in jobs)))


def _run(coroutine):
    """Run a coroutine to the end from sync code, also from a thread that has a loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


# --- Deliveries ---------------------------------------------------------------------------


@dataclass
class PushReport:
    sent: int = 0
    gone: int = 0
    failed: int = 0
    # (delivery id, seconds to wait) for those to try again.
    retry: list[tuple[int, float]] = field(default_factory=list)


def _claim(delivery_ids: list[int]) -> uuid.UUID:
    token = uuid.uuid4()
    now = timezone.now()
    stale = now - dt.timedelta(seconds=settings.PUSH_CLAIM_SECONDS)
    PushDelivery.objects.filter(pk__in=delivery_ids, state=State.PENDING).filter(
        Q(claim=None) | Q(claimed_at__lt=stale)
    ).update(claim=token, claimed_at=now)
    return token


_JOB_FIELDS = (
    "pk",
    "attempts",
    "subscription_id",
    "subscription__endpoint",
    "subscription__p256dh",
    "subscription__auth",
    "notification_id",
    "notification__kind",
    "notification__target_type",
    "notification__target_id",
    "notification__title",
    "notification__count",
    "notification__actor_id",
    "notification__municipality_id",
    "notification__municipality__slug",
    "notification__recipient__language",
)


def _jobs(token: uuid.UUID, delivery_ids: list[int]) -> list[tuple[Job, int]]:
    """The claimed deliveries as ready-to-send jobs, from plain rows: one query for them and
    one for the people named in the texts; each distinct text is rendered once."""
    rows = list(
        PushDelivery.objects.filter(pk__in=delivery_ids, claim=token, state=State.PENDING)
        .order_by("pk")
        .values_list(*_JOB_FIELDS)
    )
    actor_ids = {row[12] for row in rows if row[12] is not None}
    actors = {person.pk: person for person in get_user_model().objects.filter(pk__in=actor_ids)}
    shown: dict[tuple, dict] = {}
    jobs = []
    for (
        delivery_id,
        attempts,
        subscription_id,
        endpoint,
        p256dh,
        auth,
        notification_id,
        kind,
        target_type,
        target_id,
        title,
        count,
        actor_id,
        municipality_id,
        slug,
        language,
    ) in rows:
        language = language or settings.LANGUAGE_CODE
        # The count may have grown since planning: push what the notification says now.
        key = (kind, target_type, target_id, title, count, actor_id, municipality_id, language)
        if key not in shown:
            notification = Notification(
                kind=kind,
                target_type=target_type,
                target_id=target_id,
                title=title,
                count=count,
                municipality_id=municipality_id,
            )
            notification.actor = actors.get(actor_id)
            if municipality_id is not None:
                notification.municipality = Municipality(pk=municipality_id, slug=slug)
            shown[key] = _shown(notification, language)
        headers = dict(vapid_headers(endpoint))
        headers["Topic"] = shown[key]["tag"]
        headers["Urgency"] = "high" if kind in URGENT_KINDS else "normal"
        job = Job(
            delivery_id=delivery_id,
            subscription_id=subscription_id,
            info={"endpoint": endpoint, "keys": {"p256dh": p256dh, "auth": auth}},
            data=_encode(shown[key], notification_id),
            headers=headers,
            ttl=settings.PUSH_TTL,
        )
        jobs.append((job, attempts))
    return jobs


def backoff_seconds(attempt: int, retry_after: float | None) -> float:
    """When the push service said when (Retry-After), then; otherwise exponential backoff:
    PUSH_RETRY_BASE, doubling per attempt, at most PUSH_RETRY_MAX."""
    if retry_after is not None:
        return min(retry_after, 24 * 3600)
    return min(settings.PUSH_RETRY_BASE * 2 ** max(attempt - 1, 0), settings.PUSH_RETRY_MAX)


def push_deliveries(delivery_ids: Iterable[int]) -> PushReport:
    """Send these pending deliveries (those not claimed by another task right now) and record
    the answers. Returns what happened and which to try again when."""
    ids = list(delivery_ids)
    report = PushReport()
    if not ids:
        return report
    token = _claim(ids)
    claimed = _jobs(token, ids)
    if not claimed:
        return report
    attempts = {job.delivery_id: attempt for job, attempt in claimed}
    outcomes = _run(send_jobs([job for job, _attempt in claimed]))
    by_result: dict[str, list[Outcome]] = {}
    for outcome in outcomes:
        by_result.setdefault(outcome.result, []).append(outcome)
    now = timezone.now()
    with transaction.atomic():
        sent = by_result.get(SENT, [])
        if sent:
            PushDelivery.objects.filter(pk__in=[o.delivery_id for o in sent]).update(
                state=State.SENT, attempts=F("attempts") + 1, claim=None
            )
            PushSubscription.objects.filter(pk__in={o.subscription_id for o in sent}).update(
                last_success_at=now, failures=0
            )
        gone = by_result.get(GONE, [])
        if gone:
            # Its deliveries go with it.
            PushSubscription.objects.filter(pk__in={o.subscription_id for o in gone}).delete()
        retry, given_up = [], list(by_result.get(FAILED, []))
        for outcome in by_result.get(RETRY, []):
            attempt = attempts[outcome.delivery_id] + 1
            if attempt >= settings.PUSH_MAX_ATTEMPTS:
                given_up.append(outcome)
            else:
                retry.append((outcome, backoff_seconds(attempt, outcome.retry_after)))
        if retry:
            PushDelivery.objects.filter(pk__in=[o.delivery_id for o, _wait in retry]).update(
                attempts=F("attempts") + 1, claim=None
            )
        if given_up:
            PushDelivery.objects.filter(pk__in=[o.delivery_id for o in given_up]).update(
                state=State.FAILED, attempts=F("attempts") + 1, claim=None
            )
            PushSubscription.objects.filter(pk__in={o.subscription_id for o in given_up}).update(
                failures=F("failures") + 1
            )
    report.sent = len(by_result.get(SENT, []))
    report.gone = len(gone)
    report.failed = len(given_up)
    report.retry = [(outcome.delivery_id, wait) for outcome, wait in retry]
    return report
