"""The bare reference of benchmarks/realtime_chat.py: a minimal Channels consumer on the same
server, settings and channel layer (Redis pub/sub) as the project, doing only what the
scenario needs and nothing of the project's checks.

    uvicorn benchmarks.realtime_reference_app:application

It reuses dorffunk.settings with ROOT_URLCONF pointing here. One websocket route,
`/ws/ref/?user=<id>`: the user id is taken on trust (no session, no token, no database on
connect). The socket joins `ref.user.<id>` and, with `&groups=conversation`, also
`ref.conversation.<id>` of every conversation the bench says it is in (`&conversation=<id>`).
Group names carry `ref.` so that nothing the reference publishes can reach a project socket.

Frames (the same shapes the project's LiveConsumer answers, so one client drives both):
- {"type":"ping","ref":n} -> {"type":"pong","ref":n}: the echo of scenario 1;
- {"type":"send","conversation":id,"body":...,"client_id":...}: a chat.message frame built
  in memory (no database) and published with one group_send per participant (user groups,
  all at once as apps.core.events does) or one group_send to the conversation group; then an
  "ack" to the sender (scenario 2);
- {"type":"store", same fields}: one INSERT of a chat_message row (seq from a sequence of the
  bench's own), then the frame to each participant's group and the "ack" (scenario 3: the
  bare insert + publish).
Participants are read from the database once per conversation and kept in memory.
"""

import asyncio
import itertools
import json
import sys
from pathlib import Path
from urllib.parse import parse_qs

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from django.conf import settings  # noqa: E402

if not settings.configured:
    from dorffunk import settings as project_settings

    settings.configure(
        **{
            name: getattr(project_settings, name)
            for name in dir(project_settings)
            if name.isupper()
        }
        | {"ROOT_URLCONF": __name__}
    )

from django.core.asgi import get_asgi_application  # noqa: E402

django_asgi_app = get_asgi_application()

from channels.db import database_sync_to_async  # noqa: E402
from channels.generic.websocket import AsyncWebsocketConsumer  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.urls import path  # noqa: E402
from django.utils import timezone  # noqa: E402

from apps.chat.models import Message, Participant  # noqa: E402

# Created by benchmarks/realtime_chat.py; starts far above the project's counter so the
# unique seq column never sees the same number twice.
SEQUENCE = "bench_chat_reference_seq"

_participants: dict[int, list[int]] = {}
_frame_ids = itertools.count(1)


def user_group(user_id: int) -> str:
    return f"ref.user.{user_id}"


def conversation_group(conversation_id: int) -> str:
    return f"ref.conversation.{conversation_id}"


def _participant_ids(conversation_id: int) -> list[int]:
    if conversation_id not in _participants:
        _participants[conversation_id] = list(
            Participant.objects.filter(conversation_id=conversation_id).values_list(
                "user_id", flat=True
            )
        )
    return _participants[conversation_id]


def _insert(conversation_id: int, author_id: int, body: str, client_id: str) -> Message:
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT nextval(%s)", [SEQUENCE])
            seq = cursor.fetchone()[0]
        return Message.objects.create(
            conversation_id=conversation_id,
            author_id=author_id,
            body=body,
            client_id=client_id,
            seq=seq,
        )


def _frame(message_id: int, seq: int, conversation_id: int, author_id: int, body: str) -> dict:
    """About the size of the project's chat.message frame, built without any lookup."""
    stamp = timezone.now().isoformat().replace("+00:00", "Z")
    return {
        "type": "chat.message",
        "cursor": seq,
        "message": {
            "id": message_id,
            "conversation": conversation_id,
            "author": {"id": author_id, "name": f"Person {author_id}"},
            "body": body,
            "body_html": body,
            "created_at": stamp,
            "edited_at": None,
            "deleted": False,
            "can_change": False,
            "client_id": None,
            "post": None,
            "cursor": seq,
        },
    }


class ReferenceConsumer(AsyncWebsocketConsumer):
    async def connect(self):
        query = parse_qs(self.scope.get("query_string", b"").decode())
        self.user_id = int(query.get("user", ["0"])[0])
        self.per_conversation = query.get("groups", ["user"])[0] == "conversation"
        self.groups_joined = [user_group(self.user_id)]
        if self.per_conversation and query.get("conversation"):
            self.groups_joined.append(conversation_group(int(query["conversation"][0])))
        for group in self.groups_joined:
            await self.channel_layer.group_add(group, self.channel_name)
        await self.accept()
        await self.send_frame({"type": "hello", "user": self.user_id})

    async def disconnect(self, code):
        for group in getattr(self, "groups_joined", []):
            await self.channel_layer.group_discard(group, self.channel_name)

    async def receive(self, text_data=None, bytes_data=None):
        frame = json.loads(text_data if text_data is not None else bytes_data)
        kind = frame.get("type")
        if kind == "ping":
            await self.send_frame({"type": "pong", "ref": frame.get("ref")})
        elif kind == "send":
            await self.fan_out(frame)
        elif kind == "store":
            await self.store(frame)

    async def fan_out(self, frame: dict):
        conversation_id = frame["conversation"]
        number = next(_frame_ids)
        message = _frame(number, number, conversation_id, self.user_id, frame["body"])
        if self.per_conversation:
            pairs = [(conversation_group(conversation_id), message)]
        else:
            ids = await database_sync_to_async(_participant_ids)(conversation_id)
            pairs = [(user_group(user_id), message) for user_id in ids]
        await self.publish(pairs)
        await self.send_frame(
            {"type": "ack", "client_id": frame["client_id"], "message": number, "created": True}
        )

    async def store(self, frame: dict):
        conversation_id = frame["conversation"]
        row = await database_sync_to_async(_insert)(
            conversation_id, self.user_id, frame["body"], frame["client_id"]
        )
        ids = await database_sync_to_async(_participant_ids)(conversation_id)
        message = _frame(row.pk, row.seq, conversation_id, self.user_id, row.body)
        await self.publish([(user_group(user_id), message) for user_id in ids])
        await self.send_frame(
            {"type": "ack", "client_id": frame["client_id"], "message": row.pk, "created": True}
        )

    async def publish(self, pairs: list[tuple[str, dict]]):
        await asyncio.gather(
            *(
                self.channel_layer.group_send(group, {"type": "event.frame", "frame": message})
                for group, message in pairs
            )
        )

    async def event_frame(self, message: dict):
        await self.send_frame(message["frame"])

    async def send_frame(self, frame: dict):
        await self.send(text_data=json.dumps(frame, separators=(",", ":")))


urlpatterns = []

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": URLRouter([path("ws/ref/", ReferenceConsumer.as_asgi())]),
    }
)
