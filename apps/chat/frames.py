"""How a message looks on the wire: the same dict in the API, in live frames and in resync."""

import json

from django.urls import reverse

from apps.core.rendering import render_plain_text

from .models import Message
from .permissions import can_change_message


def _time(value) -> str | None:
    return None if value is None else value.isoformat().replace("+00:00", "Z")


def message_data(message: Message, *, viewer_id: int | None) -> dict:
    """A deleted message keeps its place and author but loses its text."""
    deleted = message.deleted_at is not None
    post = message.post
    own = message.author_id == viewer_id
    return {
        "id": message.pk,
        "conversation": message.conversation_id,
        "author": {"id": message.author_id, "name": message.author.public_name},
        "body": "" if deleted else message.body,
        "body_html": "" if deleted else str(render_plain_text(message.body)),
        "created_at": _time(message.created_at),
        "edited_at": _time(message.edited_at),
        "deleted": deleted,
        "can_change": can_change_message(viewer_id, message),
        # Only the sender needs its own id back, to match the message to what it sent.
        "client_id": message.client_id if own else None,
        "post": None
        if post is None
        else {
            "id": post.pk,
            "title": post.title or post.body[:60],
            "kind": post.kind,
            "url": reverse("posts:detail", kwargs={"pk": post.pk}),
        },
        "cursor": message.seq,
    }


FRAME_NEW = "chat.message"
FRAME_EDITED = "chat.message_edited"
FRAME_DELETED = "chat.message_deleted"


def change_frame(message: Message, *, viewer_id: int | None) -> dict:
    """The frame of a message's latest change; in resync, the same frame it had live."""
    if message.deleted_at is not None:
        kind = FRAME_DELETED
    elif message.edited_at is not None:
        kind = FRAME_EDITED
    else:
        kind = FRAME_NEW
    return {
        "type": kind,
        "cursor": message.seq,
        "message": message_data(message, viewer_id=viewer_id),
    }


def conversation_group(conversation_id: int) -> str:
    """The sockets of everyone taking part in a conversation: a change is published there
    once, whatever the number of participants."""
    return f"conversation.{conversation_id}"


def shared_change(message: Message, *, previous: int) -> dict:
    """The channel-layer message of a change for the conversation's group: the frame as
    JSON text, built once for the author's sockets and once for everyone else's, so a socket
    only passes text on."""
    texts = {}
    for audience, viewer_id in (("author_text", message.author_id), ("text", None)):
        frame = change_frame(message, viewer_id=viewer_id)
        frame["previous"] = previous
        texts[audience] = json.dumps(frame, separators=(",", ":"))
    return {
        "type": "conversation.change",
        "conversation": message.conversation_id,
        "author": message.author_id,
        "cursor": message.seq,
        "previous": previous,
        **texts,
    }
