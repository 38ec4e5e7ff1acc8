"""Demo conversations: private chats, a private answer to a Biete post and a group, written
through the chat services like real ones. Running the seed again replaces them."""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import Count, Q

from apps.chat import services
from apps.chat.models import Conversation, Message
from apps.posts.models import Post

from .feed import ANNA, HANS, JONAS, KARL, LENA, MARIA

# (author, minutes ago, text); the first message of a private answer names the post.
DIRECT = [
    (
        (ANNA, JONAS),
        [
            (JONAS, 95, "Hallo Anna, ist der Rasenmäher am Samstag noch frei?"),
            (ANNA, 80, "Ja! Du kannst ihn ab 9 Uhr abholen, er steht im Schuppen."),
            (JONAS, 78, "Super, danke dir. Ich bring ihn bis zum Abend zurück."),
            (ANNA, 20, "Passt. Benzin ist noch genug drin."),
        ],
    ),
    (
        (KARL, LENA),
        [
            (LENA, 300, "Hallo Karl, kannst du am Donnerstag beim Aufbau fürs Dorffest helfen?"),
            (KARL, 240, "Bin dabei. Ab 17 Uhr?"),
            (LENA, 235, "Genau, am Feuerwehrhaus. Bring gern Handschuhe mit."),
        ],
    ),
]

GROUP_TITLE = "Dorffest-Helfer"
GROUP = (
    [LENA, KARL, HANS, MARIA],
    [
        (LENA, 600, "Willkommen in der Gruppe! Hier sprechen wir uns fürs Dorffest ab."),
        (HANS, 590, "Ich kümmere mich um die Bierbänke."),
        (MARIA, 500, "Ich backe zwei Bleche Zwetschgenkuchen."),
        (KARL, 230, "Aufbau Donnerstag ab 17 Uhr am Feuerwehrhaus, siehe https://www.example.org"),
    ],
)


@dataclass
class ChatSummary:
    conversations: int
    messages: int

    def __str__(self) -> str:
        return f"Chat: {self.conversations} conversations, {self.messages} messages"


def _remove_earlier(people: Sequence) -> None:
    """The demo people's conversations among themselves; anything with someone else in it
    stays."""
    ids = [person.pk for person in people]
    Conversation.objects.annotate(
        outsiders=Count("participants", filter=~Q(participants__user_id__in=ids))
    ).filter(participants__user_id__in=ids, outsiders=0).delete()


def _write(conversation, lines, by_email, now, key: str, post=None) -> int:
    for number, (author, minutes_ago, body) in enumerate(lines):
        message, _created = services.message_send(
            user=by_email[author],
            conversation_id=conversation.pk,
            body=body,
            client_id=f"demo-{key}-{number}",
            post_id=post.pk if post is not None and number == 0 else None,
        )
        created = now - dt.timedelta(minutes=minutes_ago)
        Message.objects.filter(pk=message.pk).update(created_at=created)
        Conversation.objects.filter(pk=conversation.pk).update(last_activity_at=created)
    return len(lines)


def seed_chats(*, people: Sequence, now: dt.datetime) -> ChatSummary:
    by_email = {person.email.lower(): person for person in people}
    _remove_earlier(people)
    # The demo client ids are reused on every run; the old messages went with their
    # conversations above.
    Message.objects.filter(client_id__startswith="demo-", author__in=list(people)).delete()
    messages = 0
    conversations = 0
    mower = Post.objects.filter(author=by_email[ANNA], title__contains="Rasenmäher").first()
    for index, ((first, second), lines) in enumerate(DIRECT):
        conversation = services.conversation_start_direct(
            user=by_email[first], other_id=by_email[second].pk
        )
        post = mower if index == 0 else None
        messages += _write(conversation, lines, by_email, now, f"direct-{index}", post)
        conversations += 1
    members, lines = GROUP
    group = services.conversation_create_group(
        user=by_email[members[0]],
        title=GROUP_TITLE,
        participant_ids=[by_email[email].pk for email in members[1:]],
    )
    messages += _write(group, lines, by_email, now, "group")
    conversations += 1
    return ChatSummary(conversations=conversations, messages=messages)
