"""The statements of sending a message, written out. Every message runs them, and building
them with the ORM cost more than the database work itself (benchmarks/realtime_chat.py,
scenario 3). Plain SQL that PostgreSQL and SQLite both run; services.message_send decides
what they mean."""

import datetime as dt
from dataclasses import dataclass

from django.db import connection

from .models import Conversation, Message

# The sender's conversation, how many messages they sent since the rate limit's window began,
# and in a direct one whether the other person is out of reach (inactive, or a block either
# way). In a group, blocks between members do not stop anyone from writing to the group.
_SENDER = """
SELECT c.kind, (
    SELECT COUNT(*) FROM chat_message m WHERE m.author_id = p.user_id AND m.created_at > %s
  ), CASE WHEN c.kind = %s THEN EXISTS (
    SELECT 1 FROM chat_participant o JOIN accounts_user u ON u.id = o.user_id
    WHERE o.conversation_id = p.conversation_id AND o.user_id <> p.user_id
      AND (NOT u.is_active OR EXISTS (
        SELECT 1 FROM accounts_block b
        WHERE (b.blocker_id = p.user_id AND b.blocked_id = o.user_id)
           OR (b.blocker_id = o.user_id AND b.blocked_id = p.user_id)))
  ) ELSE FALSE END
FROM chat_participant p JOIN chat_conversation c ON c.id = p.conversation_id
WHERE p.user_id = %s AND p.conversation_id = %s
"""

_LOCK = "SELECT last_seq FROM chat_conversation WHERE id = %s"

_INSERT = """
INSERT INTO chat_message (conversation_id, author_id, body, client_id, post_id, created_at, seq)
VALUES (%s, %s, %s, %s, %s, %s, %s)
"""

# Checks in the same statement that the sender still takes part: a statement after the lock
# sees a leaving that committed while this send waited for it.
_READ_STATE = """
UPDATE chat_participant SET
  unread_count = CASE WHEN user_id = %s THEN 0 ELSE unread_count + 1 END,
  last_read_message_id = CASE WHEN user_id = %s THEN %s ELSE last_read_message_id END
WHERE conversation_id = %s AND EXISTS (
  SELECT 1 FROM chat_participant s WHERE s.conversation_id = %s AND s.user_id = %s)
"""

_NEWEST = """
UPDATE chat_conversation SET last_seq = %s, last_message_id = %s, last_activity_at = %s
WHERE id = %s
"""


@dataclass(frozen=True)
class Sender:
    conversation_id: int
    kind: str
    recent_messages: int
    other_unreachable: bool


def sender_get(*, user_id: int, conversation_id: int, since: dt.datetime) -> Sender | None:
    """None when the user does not take part in the conversation."""
    params = [
        connection.ops.adapt_datetimefield_value(since),
        Conversation.Kind.DIRECT,
        user_id,
        conversation_id,
    ]
    with connection.cursor() as cursor:
        cursor.execute(_SENDER, params)
        row = cursor.fetchone()
    if row is None:
        return None
    return Sender(
        conversation_id=conversation_id,
        kind=row[0],
        recent_messages=row[1],
        other_unreachable=bool(row[2]),
    )


def lock(conversation_id: int) -> int | None:
    """Locks the conversation row until commit; the number of its latest change."""
    sql = _LOCK + (" FOR UPDATE" if connection.features.has_select_for_update else "")
    with connection.cursor() as cursor:
        cursor.execute(sql, [conversation_id])
        row = cursor.fetchone()
    return None if row is None else row[0]


def insert(message: Message) -> None:
    """Writes the new message and sets its id."""
    ops = connection.ops
    params = [
        message.conversation_id,
        message.author_id,
        message.body,
        message.client_id,
        message.post_id,
        ops.adapt_datetimefield_value(message.created_at),
        message.seq,
    ]
    returning = connection.features.can_return_columns_from_insert
    with connection.cursor() as cursor:
        cursor.execute(_INSERT + (" RETURNING id" if returning else ""), params)
        message.pk = cursor.fetchone()[0] if returning else cursor.lastrowid
    message._state.adding = False
    message._state.db = connection.alias


def count_unread(message: Message) -> bool:
    """The sender has read everything, everyone else has one more unread; False (nothing
    written) when the sender no longer takes part."""
    author = message.author_id
    with connection.cursor() as cursor:
        cursor.execute(
            _READ_STATE,
            [author, author, message.pk, message.conversation_id, message.conversation_id, author],
        )
        return cursor.rowcount > 0


def make_newest(message: Message) -> None:
    """The conversation list shows this message on top."""
    with connection.cursor() as cursor:
        cursor.execute(
            _NEWEST,
            [
                message.seq,
                message.pk,
                connection.ops.adapt_datetimefield_value(message.created_at),
                message.conversation_id,
            ],
        )
