"""Publishing live events to the people whose sockets should show them.

Services call send_event_on_commit (or send_events_on_commit when each person gets a frame of
their own); nothing is sent unless and until the transaction commits. The realtime consumer
listens on the groups named here."""

import asyncio
import contextvars
import functools
import logging
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor

from asgiref.sync import SyncToAsync, async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import close_old_connections, transaction

logger = logging.getLogger(__name__)

# Set while a consumer runs a service in the database thread: what the service publishes is
# collected here and sent from the event loop once the service returns (see run_service).
_collected: contextvars.ContextVar[list | None] = contextvars.ContextVar(
    "collected_publishes", default=None
)


def user_group(user_id: int) -> str:
    return f"user.{user_id}"


async def _publish(layer, pairs: list[tuple[str, dict]]) -> None:
    """Every message at once: a fan-out to hundreds of people is one round of concurrent
    publishes, not hundreds of round trips one after another."""
    results = await asyncio.gather(
        *(layer.group_send(group, message) for group, message in pairs),
        return_exceptions=True,
    )
    for (group, message), result in zip(pairs, results, strict=True):
        if isinstance(result, BaseException):
            # Live delivery is best effort; what matters is in the database and is
            # fetched again when the client resyncs.
            kind = message.get("frame", message).get("type")
            logger.error("could not publish %s to %s", kind, group, exc_info=result)


def publish_to_groups(pairs: Iterable[tuple[str, dict]]) -> None:
    """Publish (group, channel-layer message) pairs now, from synchronous code. The message's
    type names the consumer method that receives it."""
    pairs = list(pairs)
    collected = _collected.get()
    if collected is not None:
        collected.extend(pairs)
        return
    layer = get_channel_layer()
    if layer is None or not pairs:
        return
    try:
        async_to_sync(_publish)(layer, pairs)
    except Exception:
        logger.exception("could not publish %s messages", len(pairs))


def _in_thread(service: Callable, kwargs: dict):
    """The service with a database connection from the pool, given back however it ends
    (here, where the service's own view of the connections is)."""
    close_old_connections()
    try:
        return service(**kwargs)
    finally:
        close_old_connections()


@functools.cache
def _service_threads() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(
        max_workers=settings.REALTIME_SERVICE_THREADS, thread_name_prefix="service"
    )


async def run_service(service: Callable, /, **kwargs):
    """Runs a service for a consumer, in one of REALTIME_SERVICE_THREADS threads: services
    are safe to run side by side (they are for concurrent requests too), and a socket's
    frames are handled one after another. What the service publishes (after its commit)
    goes out from the event loop when it returns, before the caller answers, so no thread
    waits for Redis. Published even when the service raises after a commit."""
    collected: list[tuple[str, dict]] = []
    token = _collected.set(collected)
    try:
        run = SyncToAsync(_in_thread, thread_sensitive=False, executor=_service_threads())
        return await run(service, kwargs)
    finally:
        _collected.reset(token)
        layer = get_channel_layer()
        if collected and layer is not None:
            await _publish(layer, collected)


def send_events_now(frames: Iterable[tuple[int, dict]]) -> None:
    """Publish (user id, frame) pairs now; the socket passes each frame on as it is."""
    publish_to_groups(
        (user_group(user_id), {"type": "event.frame", "frame": frame}) for user_id, frame in frames
    )


def send_event_now(user_ids: Iterable[int], frame: dict) -> None:
    send_events_now((user_id, frame) for user_id in set(user_ids))


def send_event_on_commit(user_ids: Iterable[int], frame: dict) -> None:
    ids = list(user_ids)
    transaction.on_commit(lambda: send_event_now(ids, frame))


def on_commit_publish(build: Callable[[], Iterable[tuple[int, dict]]]) -> None:
    """After commit, build the (user id, frame) pairs (reading who may see them then, not
    before) and publish them."""
    transaction.on_commit(lambda: send_events_now(build()))
