from celery import shared_task

from . import services


@shared_task
def announce_due_news() -> int:
    """Scheduled news whose time has come: announce it (live board, later pushes)."""
    return services.announce_due_news()
