"""What other apps' services call, one function per occasion. Each decides who is told and
calls services.notify (or enqueues the municipality-wide task). Called inside the caller's
transaction unless it says otherwise."""

import logging

from django.db import transaction

from apps.core.cache import shared_cache
from apps.realtime.presence import present_among

from .models import Notification
from .services import notify

logger = logging.getLogger(__name__)

Kind = Notification.Kind
Target = Notification.TargetType


def comment_created(*, comment) -> None:
    """The post's author hears of every comment; earlier commenters of the post of a
    "reply" (comments are flat, so a later comment answers the earlier ones)."""
    from apps.posts.models import Comment

    post = comment.post
    title = post.title or post.body
    common = {
        "target_type": Target.POST,
        "target_id": post.pk,
        "title": title,
        "actor": comment.author_id,
        "municipality_id": post.municipality_id,
    }
    notify(recipients=[post.author_id], kind=Kind.COMMENT, **common)
    earlier = (
        Comment.objects.filter(post_id=post.pk)
        .exclude(pk=comment.pk)
        .exclude(author_id__in=[post.author_id, comment.author_id])
        .values_list("author_id", flat=True)
        .distinct()[:500]
    )
    notify(recipients=list(earlier), kind=Kind.COMMENT_REPLY, **common)


def post_thanked(*, post, user) -> None:
    notify(
        recipients=[post.author_id],
        kind=Kind.THANKS,
        target_type=Target.POST,
        target_id=post.pk,
        title=post.title or post.body,
        actor=user,
        municipality_id=post.municipality_id,
    )


def _telling_key(conversation_id: int) -> str:
    return f"notifications:telling:{conversation_id}"


# A queued telling that a worker never picks up blocks the next one at most this long.
TELLING_SECONDS = 60


def message_sent(*, message) -> None:
    """Run after the message committed: a worker tells the participants who are not looking.
    One telling per conversation waits in the queue at a time; it counts every message that
    committed before it runs, so a quick exchange of messages is one task, not one each."""
    from .tasks import tell_absent_participants

    conversation_id = message.conversation_id
    if not shared_cache().add(_telling_key(conversation_id), 1, timeout=TELLING_SECONDS):
        return
    try:
        tell_absent_participants.delay(conversation_id=conversation_id)
    except Exception:
        # The message is sent and shows as unread in the chat; only the bell misses it.
        shared_cache().delete(_telling_key(conversation_id))
        logger.exception("could not enqueue the notifications of conversation %s", conversation_id)


def absent_participants_told(*, conversation_id: int) -> None:
    """The participants with unread messages who have no live socket (the others see the
    messages live), never in a muted conversation: their notification about the
    conversation shows how many messages they have not read. Idempotent."""
    from apps.chat.models import Conversation, Participant

    # First, so a message that commits from now on queues a telling of its own.
    shared_cache().delete(_telling_key(conversation_id))
    conversation = (
        Conversation.objects.select_related("last_message__author")
        .filter(pk=conversation_id)
        .first()
    )
    if conversation is None or conversation.last_message is None:
        return
    unread = dict(
        Participant.objects.filter(
            conversation_id=conversation_id, muted=False, unread_count__gt=0
        ).values_list("user_id", "unread_count")
    )
    absent = set(unread) - present_among(unread)
    if not absent:
        return
    author = conversation.last_message.author
    with transaction.atomic():
        notify(
            recipients=absent,
            kind=Kind.MESSAGE,
            target_type=Target.CONVERSATION,
            target_id=conversation_id,
            title=conversation.title or author.public_name,
            actor=author.pk,
            counts=unread,
        )


def news_published(*, news) -> None:
    """Run after commit: every resident hears of the news, from a task (in batches)."""
    from .tasks import notify_residents_of_news

    try:
        notify_residents_of_news.delay(news_id=news.pk)
    except Exception:
        # The news is published already; a broker hiccup must not turn that into an error.
        logger.exception("could not enqueue the notifications of news %s", news.pk)


def event_cancelled(*, event, attendee_ids, actor=None) -> None:
    notify(
        recipients=attendee_ids,
        kind=Kind.EVENT_CANCELLED,
        target_type=Target.EVENT,
        target_id=event.pk,
        title=event.title,
        actor=actor,
        municipality_id=event.municipality_id,
    )


def event_changed(*, event, attendee_ids, actor=None) -> None:
    """Time, place or what it is about changed: everyone who said "Ich komme" should know."""
    notify(
        recipients=attendee_ids,
        kind=Kind.EVENT_CHANGED,
        target_type=Target.EVENT,
        target_id=event.pk,
        title=event.title,
        actor=actor,
        municipality_id=event.municipality_id,
    )


def _concern_title(concern) -> str:
    return concern.address or concern.description


def concern_status_changed(*, concern, update) -> None:
    if concern.reporter_id is None:
        return
    notify(
        recipients=[concern.reporter_id],
        kind=Kind.CONCERN_STATUS,
        target_type=Target.CONCERN,
        target_id=concern.pk,
        title=_concern_title(concern),
        actor=update.actor_id,
        municipality_id=concern.municipality_id,
    )


def concern_message_written(*, concern, message) -> None:
    """The town hall wrote to the reporter; the reporter's own messages go to the inbox."""
    if not message.from_town_hall or concern.reporter_id is None:
        return
    notify(
        recipients=[concern.reporter_id],
        kind=Kind.CONCERN_MESSAGE,
        target_type=Target.CONCERN,
        target_id=concern.pk,
        title=_concern_title(concern),
        actor=message.author_id,
        municipality_id=concern.municipality_id,
    )
