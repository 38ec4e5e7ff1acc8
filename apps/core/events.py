"""Publishing live events to the people whose sockets should show them.

Services call send_event_on_commit; nothing is sent unless and until the transaction
commits. The realtime consumer listens on the groups named here."""

import logging
from collections.abc import Iterable

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

logger = logging.getLogger(__name__)


def user_group(user_id: int) -> str:
    return f"user.{user_id}"


def send_event_now(user_ids: Iterable[int], frame: dict) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    for user_id in set(user_ids):
        try:
            async_to_sync(layer.group_send)(
                user_group(user_id), {"type": "event.frame", "frame": frame}
            )
        except Exception:
            # Live delivery is best effort; what matters is in the database and is
            # fetched again when the client resyncs.
            logger.exception("could not publish %s to user %s", frame.get("type"), user_id)


def send_event_on_commit(user_ids: Iterable[int], frame: dict) -> None:
    ids = list(user_ids)
    transaction.on_commit(lambda: send_event_now(ids, frame))
