"""The project with chat frames delivered through one group per conversation instead of one
group per participant: the other side of the choice that benchmarks/realtime_chat.py
measures in its fan-out scenario. A benchmark-only candidate, not a fix.

    uvicorn benchmarks.realtime_conversation_app:application

Everything is dorffunk.asgi's, except two things swapped in at import:
- apps.chat.services._publish_change publishes a message's change once, after commit, to
  `conversation.<id>` (the frame as its author sees it, built once) instead of one
  personalised frame per participant to `user.<id>`;
- the socket (a LiveConsumer) joins `conversation.<id>` of every conversation its user takes
  part in when it connects, and personalises the frame on the way out: the client id and
  "can change" only for the author's own sockets.

What this leaves out, and a real change would need: the per-participant unread count in the
frame (a client counts it up itself, or it comes with the next resync), and joining/leaving
the conversation group of live sockets when someone is added to or leaves a conversation.
"""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from dorffunk.asgi import django_asgi_app  # noqa: E402  (sets Django up first)

# isort: split
from channels.db import database_sync_to_async  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from django.db import transaction  # noqa: E402
from django.urls import path  # noqa: E402

from apps.chat import frames, services  # noqa: E402
from apps.chat.models import Message, Participant  # noqa: E402
from apps.core.events import publish_to_groups  # noqa: E402
from apps.realtime.auth import SessionOrTokenAuthMiddlewareStack  # noqa: E402
from apps.realtime.consumers import LiveConsumer  # noqa: E402


def conversation_group(conversation_id: int) -> str:
    return f"conversation.{conversation_id}"


def publish_change_once(message: Message, *extra) -> None:
    """Takes what the project's _publish_change takes: the message and, where the service
    passes it, the number of the conversation's change before this one."""
    message_id = message.pk
    previous = extra[0] if extra else None

    def publish():
        fresh = Message.objects.select_related("author", "post").get(pk=message_id)
        frame = frames.change_frame(fresh, viewer_id=fresh.author_id)
        if previous is not None:
            frame["previous"] = previous
        publish_to_groups(
            [
                (
                    conversation_group(fresh.conversation_id),
                    {"type": "conversation.frame", "frame": frame, "author": fresh.author_id},
                )
            ]
        )

    transaction.on_commit(publish)


services._publish_change = publish_change_once


def _conversation_ids(user_id: int) -> list[int]:
    return list(
        Participant.objects.filter(user_id=user_id).values_list("conversation_id", flat=True)
    )


class ConversationGroupConsumer(LiveConsumer):
    async def connect(self):
        await super().connect()
        if getattr(self, "user_id", None) is None:
            return
        for conversation_id in await database_sync_to_async(_conversation_ids)(self.user_id):
            await self.join(conversation_group(conversation_id))

    async def conversation_frame(self, message: dict):
        frame = message["frame"]
        if message["author"] != self.user_id:
            data = dict(frame["message"], client_id=None, can_change=False)
            frame = dict(frame, message=data)
        # The consumer's own path for chat changes (duplicate and gap checks), if it has one.
        deliver = getattr(self, "chat_change", None) or self.send_frame
        await deliver(frame)


application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": AllowedHostsOriginValidator(
            SessionOrTokenAuthMiddlewareStack(
                URLRouter([path("ws/", ConversationGroupConsumer.as_asgi())])
            )
        ),
    }
)
