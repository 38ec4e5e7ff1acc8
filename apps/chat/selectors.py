"""Reads of conversations and messages, always through the reader's participation."""

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Max, Sum
from django.http import Http404
from django.utils.translation import gettext as _

from apps.core.ids import ID_LIMIT, parse_id

from .models import Conversation, Message, Participant

PAGE_SIZE = 50
PAGE_SIZE_MAX = 100
SYNC_BATCH = 200


def participation_get(*, user, conversation_id) -> Participant:
    """The user's place in the conversation; not taking part looks like a missing one."""
    if not user.is_authenticated:
        raise Http404
    conversation_id = parse_id(conversation_id)
    participation = (
        Participant.objects.select_related("conversation")
        .filter(user=user, conversation_id=conversation_id)
        .first()
    )
    if participation is None:
        raise Http404
    return participation


def participant_names(conversation_ids: list[int]) -> dict[int, list]:
    """The people in each conversation, in one query: {conversation id: [user, ...]}."""
    people: dict[int, list] = {pk: [] for pk in conversation_ids}
    rows = (
        Participant.objects.filter(conversation_id__in=conversation_ids)
        .select_related("user")
        .order_by("joined_at", "id")
    )
    for row in rows:
        people[row.conversation_id].append(row.user)
    return people


@dataclass
class ConversationItem:
    """A conversation as one participant sees it in their list."""

    participation: Participant
    people: list

    @property
    def conversation(self) -> Conversation:
        return self.participation.conversation

    def others(self, user) -> list:
        return [person for person in self.people if person.pk != user.pk]

    def title_for(self, user) -> str:
        if self.conversation.title:
            return self.conversation.title
        names = [person.public_name for person in self.others(user)]
        return ", ".join(names) if names else _("Nur du")


def conversations_for_user(*, user, limit: int = 100) -> list[ConversationItem]:
    """The user's conversations, the most recently active first, in two queries."""
    participations = list(
        Participant.objects.filter(user=user)
        .select_related("conversation__last_message__author")
        .order_by("-conversation__last_activity_at", "-conversation_id")[:limit]
    )
    people = participant_names([p.conversation_id for p in participations])
    return [ConversationItem(p, people[p.conversation_id]) for p in participations]


def conversation_item(*, user, conversation_id) -> ConversationItem:
    participation = participation_get(user=user, conversation_id=conversation_id)
    people = participant_names([participation.conversation_id])
    return ConversationItem(participation, people[participation.conversation_id])


def _message_id(value, name: str) -> int | None:
    if value in (None, ""):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError) as exc:
        raise ValidationError({name: _("Ungültige Nachrichtennummer.")}) from exc
    if number < 0 or number >= ID_LIMIT:
        raise ValidationError({name: _("Ungültige Nachrichtennummer.")})
    return number


@dataclass
class MessagePage:
    messages: list[Message]  # oldest first
    has_older: bool
    has_newer: bool


def messages_page(
    *, conversation: Conversation, before=None, after=None, limit: int = PAGE_SIZE
) -> MessagePage:
    """A window of a conversation's messages, oldest first: the newest ones, or those before
    or after a message id (keyset, never OFFSET). The caller has checked participation."""
    before = _message_id(before, "before")
    after = _message_id(after, "after")
    limit = max(1, min(limit, PAGE_SIZE_MAX))
    qs = Message.objects.filter(conversation=conversation).select_related("author", "post")
    if after is not None:
        rows = list(qs.filter(id__gt=after).order_by("id")[: limit + 1])
        has_newer = len(rows) > limit
        rows = rows[:limit]
        has_older = qs.filter(id__lte=after).exists()
        return MessagePage(messages=rows, has_older=has_older, has_newer=has_newer)
    if before is not None:
        qs = qs.filter(id__lt=before)
    rows = list(qs.order_by("-id")[: limit + 1])
    has_older = len(rows) > limit
    rows = rows[:limit]
    rows.reverse()
    return MessagePage(messages=rows, has_older=has_older, has_newer=before is not None)


def message_get(*, user, message_id) -> Message:
    """A message in one of the user's conversations."""
    if not user.is_authenticated:
        raise Http404
    message_id = parse_id(message_id)
    message = (
        Message.objects.select_related("conversation", "author", "post")
        .filter(pk=message_id, conversation__participants__user=user)
        .first()
    )
    if message is None:
        raise Http404
    return message


def changes_since(*, user, cursor: int, limit: int = SYNC_BATCH) -> list[Message]:
    """Messages sent, edited or deleted after the cursor in the user's conversations, in the
    order they changed. Only conversations the user takes part in now."""
    return list(
        Message.objects.filter(conversation__participants__user=user, seq__gt=cursor)
        .select_related("author", "post")
        .order_by("seq")[:limit]
    )


def conversation_changes(*, user, conversation_id: int, after: int) -> list[Message]:
    """Changes of one of the user's conversations after a cursor, in order: what a socket
    fetches when it sees that a frame in between never arrived."""
    return list(
        Message.objects.filter(
            conversation_id=conversation_id,
            conversation__participants__user=user,
            seq__gt=after,
        )
        .select_related("author", "post")
        .order_by("seq")[:SYNC_BATCH]
    )


def conversation_cursors(*, user) -> dict[int, int]:
    """{conversation id: cursor of its latest change} for the user's conversations."""
    return dict(
        Participant.objects.filter(user=user).values_list(
            "conversation_id", "conversation__last_seq"
        )
    )


def latest_cursor() -> int:
    return Message.objects.aggregate(seq=Max("seq"))["seq"] or 0


def unread_counts(*, user) -> dict[int, int]:
    """{conversation id: unread messages} for conversations with something unread."""
    return dict(
        Participant.objects.filter(user=user, unread_count__gt=0).values_list(
            "conversation_id", "unread_count"
        )
    )


def muted_conversations(*, user) -> list[int]:
    return list(
        Participant.objects.filter(user=user, muted=True).values_list("conversation_id", flat=True)
    )


def unread_total(*, user) -> int:
    """Unread messages in conversations the user has not muted: the badge in the menu."""
    if not user.is_authenticated:
        return 0
    total = Participant.objects.filter(user=user, muted=False).aggregate(n=Sum("unread_count"))
    return total["n"] or 0


def contacts_for_user(*, user, limit: int = 200) -> list:
    """People the user already has a conversation with, by name: whom a new group can hold."""
    return list(
        get_user_model()
        .objects.filter(
            is_active=True,
            chat_participations__conversation__participants__user=user,
        )
        .exclude(pk=user.pk)
        .distinct()
        .order_by("first_name", "last_name", "pk")[:limit]
    )
