"""The one websocket of a browser tab (`/ws/`). The frame protocol is in PROTOCOL.md."""

import json
import time
from urllib.parse import parse_qs

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from apps.chat import selectors as chat_selectors
from apps.chat import services as chat_services
from apps.chat.frames import change_frame, conversation_group
from apps.core.events import run_service, user_group
from apps.core.exceptions import RateLimited
from apps.posts.live import feed_group, post_group
from apps.posts.permissions import can_read_post, reader_scope
from apps.townhall.live import board_group

from . import presence

PROTOCOL_VERSION = 2


CLOSE_UNAUTHENTICATED = 4401
CLOSE_ABUSE = 4408

# Typing frames from one socket about one conversation: at most one per this many seconds.
TYPING_INTERVAL = 3.0
# Presence is refreshed at most this often per socket.
HEARD_INTERVAL = 20.0
WATCHED_POSTS_MAX = 5


def _board_municipality(scope):
    """The municipality of `?board=<slug>`, or None."""
    from apps.places.models import Municipality

    values = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("board")
    if not values or len(values[0]) > 100:
        return None
    return Municipality.objects.filter(slug=values[0]).only("pk", "slug").first()


class FrameError(Exception):
    """A well-formed frame that was refused; the socket stays open."""

    def __init__(self, code: str, message: str, **extra):
        super().__init__(message)
        self.code = code
        self.message = message
        self.extra = extra


def _int(frame: dict, name: str, *, required: bool = True) -> int | None:
    value = frame.get(name)
    if value is None and not required:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise FrameError("bad_frame", f"{name!r} must be a whole number.")
    return value


def _str(frame: dict, name: str) -> str:
    value = frame.get(name)
    if not isinstance(value, str):
        raise FrameError("bad_frame", f"{name!r} must be a string.")
    return value


class LiveConsumer(AsyncWebsocketConsumer):
    async def dispatch(self, message):
        """Hands each message to its handler, without the trip to a thread that Channels
        makes before every one to check the database connections: a socket in a group
        conversation gets every message of it, and most handlers only pass text on. The
        handlers that use the database do so through database_sync_to_async or
        run_service, which check the connections in their thread."""
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    async def connect(self):
        user = self.scope.get("user")
        board = None
        if b"board=" in self.scope.get("query_string", b""):
            board = await database_sync_to_async(_board_municipality)(self.scope)
        self.bad_frames = 0
        self.groups_joined = set()
        self.user = None
        self.conversation_seq: dict[int, int] = {}
        if user is None or not user.is_authenticated:
            if board is None:
                # Accept first, so the client sees our close code rather than a bare 403.
                await self.accept()
                await self.close(code=CLOSE_UNAUTHENTICATED)
                return
            # A notice-board screen: no login, nothing but the board's notices.
            await self.join(board_group(board.pk))
            await self.accept()
            await self.send_frame(
                {"type": "hello", "protocol": PROTOCOL_VERSION, "board": board.slug}
            )
            return
        self.user = user
        self.user_id = user.pk
        self.typing_sent: dict[int, float] = {}
        self.heard_at = 0.0
        self.feed_scope = None
        self.watched_posts: list[int] = []
        await self.join(user_group(user.pk))
        if board is not None:
            await self.join(board_group(board.pk))
        await self.accept()
        cursor, conversations = await database_sync_to_async(self._opened)()
        self.heard_at = time.monotonic()
        await self.follow_conversations(conversations)
        await self.send_frame(
            {"type": "hello", "protocol": PROTOCOL_VERSION, "user": user.pk, "cursor": cursor}
        )

    def _opened(self) -> tuple[int, dict[int, int]]:
        """What a new socket needs from the database and the cache, in one trip to the
        database thread: it counts as present, and where the change log and each of its
        user's conversations stand."""
        presence.socket_opened(self.user_id)
        return (
            chat_selectors.latest_cursor(),
            chat_selectors.conversation_cursors(user=self.user),
        )

    async def disconnect(self, code):
        for group in getattr(self, "groups_joined", ()):
            await self.channel_layer.group_discard(group, self.channel_name)
        if getattr(self, "user", None) is not None:
            await database_sync_to_async(presence.socket_closed)(self.user_id)

    async def receive(self, text_data=None, bytes_data=None):
        raw = text_data if text_data is not None else bytes_data
        if raw is None or len(raw) > settings.REALTIME_MAX_FRAME_BYTES:
            return await self.reject_frame("too_large", "Frame too large.")
        try:
            frame = json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            return await self.reject_frame("bad_json", "Frame is not valid JSON.")
        if not isinstance(frame, dict) or not isinstance(frame.get("type"), str):
            return await self.reject_frame("bad_frame", "A frame is an object with a type.")
        handler = self.handlers.get(frame["type"])
        if self.user is None and frame["type"] != "ping":
            # A notice-board socket only listens.
            handler = None
        if handler is None:
            return await self.reject_frame("unknown_type", f"Unknown frame type {frame['type']!r}.")
        now = time.monotonic()
        if self.user is not None and now - self.heard_at > HEARD_INTERVAL:
            self.heard_at = now
            await database_sync_to_async(presence.socket_heard)(self.user_id)
        ref = frame.get("ref") if isinstance(frame.get("ref"), str | int) else None
        try:
            await handler(self, frame)
        except FrameError as error:
            if error.code == "bad_frame":
                return await self.reject_frame(error.code, error.message, ref=ref)
            await self.send_error(error.code, error.message, ref=ref, **error.extra)
        except Http404:
            await self.send_error("not_found", "No such conversation or message.", ref=ref)
        except PermissionDenied as exc:
            await self.send_error("forbidden", str(exc) or "Not allowed.", ref=ref)
        except RateLimited as exc:
            await self.send_error("rate_limited", str(exc), ref=ref)
        except ValidationError as exc:
            fields = exc.message_dict if hasattr(exc, "error_dict") else {}
            await self.send_error("invalid", " ".join(exc.messages), ref=ref, fields=fields)

    # --- client frames ----------------------------------------------------------------------

    async def handle_ping(self, frame: dict):
        reply = {"type": "pong"}
        if isinstance(frame.get("ref"), str | int):
            reply["ref"] = frame["ref"]
        await self.send_frame(reply)

    async def handle_resync(self, frame: dict):
        """Everything changed after the cursor, in order, then a sync frame with the cursor
        to ask from next time and the unread counts."""
        cursor = _int(frame, "cursor")
        known, changes, unread, total, muted = await database_sync_to_async(self._changes)(cursor)
        for change in changes:
            await self.send_frame(change)
            cursor = change["cursor"]
            conversation = change["message"]["conversation"]
            known[conversation] = max(known.get(conversation, 0), cursor)
        await self.follow_conversations(known)
        await self.send_frame(
            {
                "type": "sync",
                "cursor": cursor,
                "more": len(changes) >= chat_selectors.SYNC_BATCH,
                "unread": {str(pk): count for pk, count in unread.items()},
                "unread_total": total,
                "muted": muted,
            }
        )

    def _changes(self, cursor: int):
        # Read before the changes: whatever commits in between is among the changes.
        known = chat_selectors.conversation_cursors(user=self.user)
        messages = chat_selectors.changes_since(user=self.user, cursor=cursor)
        frames = [change_frame(message, viewer_id=self.user_id) for message in messages]
        return (
            known,
            frames,
            chat_selectors.unread_counts(user=self.user),
            chat_selectors.unread_total(user=self.user),
            chat_selectors.muted_conversations(user=self.user),
        )

    async def handle_send(self, frame: dict):
        conversation = _int(frame, "conversation")
        body = _str(frame, "body")
        client_id = _str(frame, "client_id")
        post = _int(frame, "post", required=False)
        message, created = await run_service(
            chat_services.message_send,
            user=self.user,
            conversation_id=conversation,
            body=body,
            client_id=client_id,
            post_id=post,
        )
        reply = {
            "type": "ack",
            "client_id": client_id,
            "message": message.pk,
            "cursor": message.seq,
            "created": created,
        }
        if isinstance(frame.get("ref"), str | int):
            reply["ref"] = frame["ref"]
        await self.send_frame(reply)

    async def handle_edit(self, frame: dict):
        await run_service(
            chat_services.message_edit,
            user=self.user,
            message_id=_int(frame, "message"),
            body=_str(frame, "body"),
        )

    async def handle_delete(self, frame: dict):
        await run_service(
            chat_services.message_delete, user=self.user, message_id=_int(frame, "message")
        )

    async def handle_read(self, frame: dict):
        await run_service(
            chat_services.conversation_mark_read,
            user=self.user,
            conversation_id=_int(frame, "conversation"),
            message_id=_int(frame, "message", required=False),
        )

    async def handle_typing(self, frame: dict):
        conversation = _int(frame, "conversation")
        now = time.monotonic()
        if now - self.typing_sent.get(conversation, -TYPING_INTERVAL) < TYPING_INTERVAL:
            return
        self.typing_sent[conversation] = now
        await run_service(chat_services.typing, user=self.user, conversation_id=conversation)

    async def handle_watch_feed(self, frame: dict):
        """Live "new posts" notices for the municipalities this user reads."""
        if self.feed_scope is None:
            self.feed_scope = await database_sync_to_async(reader_scope)(self.user)
            municipalities = {
                *self.feed_scope["readable"],
                *self.feed_scope["moderated"],
                self.feed_scope["home"],
            } - {None}
            for municipality_id in municipalities:
                await self.join(feed_group(municipality_id))
        await self.send_frame({"type": "watching", "feed": True})

    async def handle_watch_post(self, frame: dict):
        """Live notices of new and deleted comments under a post the user may read."""
        post_id = _int(frame, "post")
        if not await database_sync_to_async(self._may_read_post)(post_id):
            raise Http404
        if post_id not in self.watched_posts:
            self.watched_posts.append(post_id)
            await self.join(post_group(post_id))
            if len(self.watched_posts) > WATCHED_POSTS_MAX:
                oldest = self.watched_posts.pop(0)
                await self.leave(post_group(oldest))
        await self.send_frame({"type": "watching", "post": post_id})

    def _may_read_post(self, post_id: int) -> bool:
        from apps.posts.models import Post

        post = Post.objects.filter(pk=post_id).first()
        return post is not None and can_read_post(self.user, post)

    handlers = {
        "ping": handle_ping,
        "resync": handle_resync,
        "send": handle_send,
        "edit": handle_edit,
        "delete": handle_delete,
        "read": handle_read,
        "typing": handle_typing,
        "watch_feed": handle_watch_feed,
        "watch_post": handle_watch_post,
    }

    # --- helpers ----------------------------------------------------------------------------

    async def join(self, group: str):
        self.groups_joined.add(group)
        await self.channel_layer.group_add(group, self.channel_name)

    async def leave(self, group: str):
        self.groups_joined.discard(group)
        await self.channel_layer.group_discard(group, self.channel_name)

    async def reject_frame(self, code: str, message: str, ref=None):
        self.bad_frames += 1
        if self.bad_frames > settings.REALTIME_MAX_BAD_FRAMES:
            await self.close(code=CLOSE_ABUSE)
            return
        await self.send_error(code, message, ref=ref)

    async def send_error(self, code: str, message: str, ref=None, **extra):
        frame = {"type": "error", "code": code, "message": message, **extra}
        if ref is not None:
            frame["ref"] = ref
        await self.send_frame(frame)

    async def send_frame(self, frame: dict):
        await self.send(text_data=json.dumps(frame, separators=(",", ":")))

    # --- published frames -------------------------------------------------------------------

    async def event_frame(self, message: dict):
        """A frame published by a service (apps.core.events) for this user."""
        frame = message["frame"]
        kind = frame.get("type")
        if kind == "chat.joined":
            await self.send_frame(frame)
            return await self.conversation_joined(frame["conversation"], frame.get("cursor", 0))
        if kind == "chat.left":
            await self.unfollow(frame["conversation"])
        await self.send_frame(frame)

    # --- conversations: one group each, and where each stands --------------------------------

    async def follow_conversations(self, cursors: dict[int, int]):
        """Listen to exactly these conversations, each known up to its cursor."""
        for conversation_id in set(self.conversation_seq) - set(cursors):
            await self.leave(conversation_group(conversation_id))
        for conversation_id in set(cursors) - set(self.conversation_seq):
            await self.join(conversation_group(conversation_id))
        self.conversation_seq = dict(cursors)

    async def unfollow(self, conversation_id: int):
        if self.conversation_seq.pop(conversation_id, None) is not None:
            await self.leave(conversation_group(conversation_id))

    async def conversation_joined(self, conversation_id: int, cursor: int):
        """Someone added this user to a conversation (or started one with them): listen to it,
        then fetch what changed in it before the listening began."""
        if conversation_id in self.conversation_seq:
            return
        self.conversation_seq[conversation_id] = cursor
        await self.join(conversation_group(conversation_id))
        await self.send_missing(conversation_id, cursor)

    async def conversation_change(self, message: dict):
        """A change published once to the conversation's group. Every change names the one
        before it: a socket drops what it has already sent (in a resync), and when a change in
        between never arrived (Redis gone for a moment: the pub/sub layer resubscribes by
        itself and the socket stays open) it sends the missing changes from the database
        first. A client's cursor therefore never moves past a change it has not seen."""
        conversation_id = message["conversation"]
        known = self.conversation_seq.get(conversation_id)
        if known is None or message["cursor"] <= known:
            # Not (or no longer) taking part, or already sent.
            return
        if message["previous"] > known:
            return await self.send_missing(conversation_id, known)
        self.conversation_seq[conversation_id] = message["cursor"]
        own = message["author"] == self.user_id
        await self.send(text_data=message["author_text"] if own else message["text"])

    async def conversation_left(self, message: dict):
        """Someone left; if it was this user, nothing more of the conversation goes out, even
        before the chat.left frame on their own group arrives."""
        if message["user"] == self.user_id:
            await self.unfollow(message["conversation"])

    async def send_missing(self, conversation_id: int, after: int):
        missing = await database_sync_to_async(self._missing)(conversation_id, after)
        for change in missing:
            await self.send_frame(change)
        if missing and conversation_id in self.conversation_seq:
            self.conversation_seq[conversation_id] = missing[-1]["cursor"]

    def _missing(self, conversation_id: int, after: int) -> list[dict]:
        messages = chat_selectors.conversation_changes(
            user=self.user, conversation_id=conversation_id, after=after
        )
        return [change_frame(message, viewer_id=self.user_id) for message in messages]

    async def feed_post(self, message: dict):
        """A new post in a municipality this socket watches; posts limited to their own
        village reach only that village's residents (and its moderators, and the author)."""
        scope = self.feed_scope
        if scope is None:
            return
        municipality = message["municipality"]
        if not (
            message["author"] == self.user_id
            or municipality == scope["home"]
            or municipality in scope["moderated"]
            or (message["scope"] == "nearby" and municipality in scope["readable"])
        ):
            return
        await self.send_frame(
            {"type": "feed.new_post", "post": message["post"], "kind": message["kind"]}
        )

    async def post_event(self, message: dict):
        """A change under a watched post, checked again against the reader's access now."""
        post_id = message["frame"]["post"]
        if post_id not in self.watched_posts:
            return
        if message["frame"]["type"] == "post.deleted":
            self.watched_posts.remove(post_id)
            await self.leave(post_group(post_id))
        elif not await database_sync_to_async(self._may_read_post)(post_id):
            self.watched_posts.remove(post_id)
            await self.leave(post_group(post_id))
            return
        await self.send_frame(message["frame"])
