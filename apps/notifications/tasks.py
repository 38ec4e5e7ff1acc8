from celery import shared_task

from .models import Notification
from .services import notify_residents, prune_read_notifications


@shared_task(acks_late=True)
def notify_residents_of_news(*, news_id: int) -> int:
    """Town-hall news (or an urgent warning) to every resident. Safe to run twice."""
    from apps.townhall.models import News

    news = News.objects.filter(pk=news_id).first()
    if news is None:
        return 0
    kind = Notification.Kind.URGENT_WARNING if news.urgent else Notification.Kind.NEWS
    return notify_residents(
        municipality_id=news.municipality_id,
        kind=kind,
        target_type=Notification.TargetType.NEWS,
        target_id=news.pk,
        title=news.title,
        actor_id=news.author_id,
    )


@shared_task
def prune_notifications() -> int:
    return prune_read_notifications()
