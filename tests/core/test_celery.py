"""Tasks really travel through the broker when Redis is configured."""

import time
import uuid

import pytest
from celery.contrib.testing.worker import start_worker
from django.core import mail

from apps.core.tasks import send_email
from dorffunk.celery import app as celery_app

pytestmark = pytest.mark.redis


@pytest.fixture
def broker_worker(redis_url):
    """A real worker thread consuming from a queue of this test's own on Redis."""
    queue = f"test-{uuid.uuid4().hex[:8]}"
    previous = {
        "task_always_eager": celery_app.conf.task_always_eager,
        "broker_url": celery_app.conf.broker_url,
        "task_default_queue": celery_app.conf.task_default_queue,
    }
    celery_app.conf.update(task_always_eager=False, broker_url=redis_url, task_default_queue=queue)
    try:
        with start_worker(
            celery_app, pool="solo", perform_ping_check=False, queues=[queue], loglevel="WARNING"
        ):
            yield queue
    finally:
        celery_app.conf.update(previous)


def test_email_task_is_delivered_by_a_worker_through_redis(broker_worker):
    send_email.apply_async(
        kwargs={"to": "anna@example.org", "subject": "Hallo", "text": "Grüß Gott"},
        queue=broker_worker,
    )
    deadline = time.monotonic() + 20
    while not mail.outbox and time.monotonic() < deadline:
        time.sleep(0.05)
    assert [m.subject for m in mail.outbox] == ["Hallo"]
    assert mail.outbox[0].to == ["anna@example.org"]
