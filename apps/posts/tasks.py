from celery import shared_task

from . import services


@shared_task
def archive_expired_posts() -> int:
    return services.archive_expired_posts()
