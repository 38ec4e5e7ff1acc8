"""Celery tasks of notifications. All are idempotent and acknowledged late: a task that a
dead worker leaves behind runs again and finds its finished work done."""

from celery import shared_task
from django.conf import settings
from django.core.cache import cache

from .digest import send_digests
from .models import Notification
from .push import plan_pushes, push_deliveries
from .selectors import unread_about
from .services import notify_residents, prune_read_notifications


def batched(items: list, size: int):
    for start in range(0, len(items), size):
        yield items[start : start + size]


@shared_task(acks_late=True)
def notify_residents_of_news(*, news_id: int) -> int:
    """Town-hall news (or an urgent warning) to every resident, and to their phones: each
    batch of residents goes to the push workers as soon as its notifications are written,
    so the first phones ring while the rest of the village is still being written."""
    from apps.townhall.models import News

    news = News.objects.filter(pk=news_id).first()
    if news is None:
        return 0
    kind = Notification.Kind.URGENT_WARNING if news.urgent else Notification.Kind.NEWS
    target = {"kind": kind, "target_type": Notification.TargetType.NEWS, "target_id": news.pk}
    return notify_residents(
        municipality_id=news.municipality_id,
        title=news.title,
        actor_id=news.author_id,
        after_batch=lambda recipients: push_to(recipients, **target),
        **target,
    )


@shared_task(acks_late=True)
def tell_absent_participants(*, conversation_id: int) -> None:
    """Chat messages to the participants who are not looking (see triggers.message_sent)."""
    from .triggers import absent_participants_told

    absent_participants_told(conversation_id=conversation_id)


def _send(delivery_ids: list[int]) -> int:
    """Up to one batch is sent right here; more go out as one task per batch, which the
    workers share."""
    if len(delivery_ids) <= settings.PUSH_BATCH_SIZE:
        push_batch(delivery_ids=delivery_ids)
        return 1
    batches = 0
    for batch in batched(delivery_ids, settings.PUSH_BATCH_SIZE):
        push_batch.delay(delivery_ids=batch)
        batches += 1
    return batches


def push_to(recipient_ids: list[int], *, kind: str, target_type: str, target_id: int) -> int:
    """Plan the pushes of these people's unread notification about one target and hand them
    to batch tasks. Idempotent: a second call finds the same pending deliveries, and a
    delivery already claimed or sent is not pushed again. Returns how many are pending."""
    ids = unread_about(
        recipient_ids, kind=kind, target_type=target_type, target_id=target_id
    ).values_list("pk", flat=True)
    planned = plan_pushes(list(ids))
    for batch in batched(planned, settings.PUSH_BATCH_SIZE):
        push_batch.delay(delivery_ids=batch)
    return len(planned)


@shared_task(acks_late=True)
def push_notifications(*, notification_ids: list[int]) -> int:
    """Push these fresh notifications to their recipients' devices."""
    planned = plan_pushes(notification_ids)
    if planned:
        _send(planned)
    return len(planned)


@shared_task(acks_late=True)
def push_batch(*, delivery_ids: list[int]) -> dict:
    """Send one batch; what the push services asked to retry comes back as a later task,
    grouped by when."""
    report = push_deliveries(delivery_ids)
    later: dict[float, list[int]] = {}
    for delivery_id, wait in report.retry:
        later.setdefault(round(wait), []).append(delivery_id)
    for wait, ids in sorted(later.items()):
        push_batch.apply_async(kwargs={"delivery_ids": ids}, countdown=wait)
    return {
        "sent": report.sent,
        "gone": report.gone,
        "failed": report.failed,
        "retry": len(report.retry),
    }


@shared_task
def prune_notifications() -> int:
    return prune_read_notifications()


DIGEST_LOCK = "notifications:digest-running"


@shared_task(acks_late=True)
def send_email_digests() -> int:
    """The daily digest. One run at a time (a second beat, a redelivery): whoever got their
    digest is skipped by its last_digest_at anyway, the lock keeps two runs from racing."""
    if not cache.add(DIGEST_LOCK, 1, timeout=3600):
        return 0
    try:
        return send_digests()
    finally:
        cache.delete(DIGEST_LOCK)
