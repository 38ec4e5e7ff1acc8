"""What other apps' services call, one function per occasion. Each decides who is told and
calls services.notify (or enqueues the municipality-wide task). Called inside the caller's
transaction unless it says otherwise."""

import logging

from django.db import transaction

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


def message_sent(*, message) -> None:
    """Run after the message committed. Only people without a live socket are told (the
    others see it live), never in a muted conversation; collapses per conversation."""
    from apps.chat.models import Participant

    conversation = message.conversation
    waiting = list(
        Participant.objects.filter(conversation_id=conversation.pk, muted=False)
        .exclude(user_id=message.author_id)
        .values_list("user_id", flat=True)
    )
    absent = set(waiting) - present_among(waiting)
    if not absent:
        return
    title = conversation.title or message.author.public_name
    with transaction.atomic():
        notify(
            recipients=absent,
            kind=Kind.MESSAGE,
            target_type=Target.CONVERSATION,
            target_id=conversation.pk,
            title=title,
            actor=message.author_id,
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
