"""Every change to conversations goes through here: check, write in a transaction, publish
to the participants after commit."""

from collections.abc import Sequence

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.db.models.functions import Greatest
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.core.events import on_commit_publish, publish_to_groups, send_events_now
from apps.core.exceptions import RateLimited
from apps.core.ids import ID_LIMIT, parse_id
from apps.core.text import clean_line, clean_text
from apps.notifications import triggers as notifications
from apps.posts.models import Post
from apps.posts.permissions import can_read_post

from . import frames, ratelimit, sending
from .models import EDIT_WINDOW, MESSAGE_MAX, TITLE_MAX, Conversation, Message, Participant
from .permissions import can_chat, can_message
from .selectors import message_get, participation_get

CLIENT_ID_MAX = 64
GROUP_SIZE_MAX = 500


def _next_seq() -> int:
    """The next number of the change log. The upsert keeps the counter row locked until
    commit, so numbers become visible in the order they were handed out."""
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO chat_counter (name, value) VALUES (%s, 1) "
            "ON CONFLICT (name) DO UPDATE SET value = chat_counter.value + 1 "
            "RETURNING value",
            ["messages"],
        )
        return cursor.fetchone()[0]


def _lock(conversation_id: int) -> Conversation:
    """Sends and membership changes of one conversation take turns, so nobody receives a
    message sent after they left."""
    return Conversation.objects.select_for_update().get(pk=conversation_id)


def _take_seq(conversation: Conversation) -> tuple[int, int]:
    """The next change-log number for a change of this (locked) conversation, and the number
    of its change before."""
    seq = _next_seq()
    previous = conversation.last_seq
    conversation.last_seq = seq
    Conversation.objects.filter(pk=conversation.pk).update(last_seq=seq)
    return previous, seq


def _publish_change(message: Message, previous: int) -> None:
    """After commit, the change once to the conversation's group. Built now, from what the
    transaction wrote, so publishing reads nothing."""
    group = frames.conversation_group(message.conversation_id)
    shared = frames.shared_change(message, previous=previous)
    transaction.on_commit(lambda: publish_to_groups([(group, shared)]))


def _publish_to_participants(conversation_id: int, frame: dict) -> None:
    def build():
        rows = Participant.objects.filter(conversation_id=conversation_id).values_list(
            "user_id", flat=True
        )
        return [(user_id, frame) for user_id in rows]

    on_commit_publish(build)


def _conversation_frame(conversation_id: int, kind: str, **extra) -> dict:
    return {"type": kind, "conversation": conversation_id, **extra}


def _publish_joined(conversation: Conversation, user_ids: Sequence[int]) -> None:
    """Tells the sockets of people who now take part to listen to the conversation; the
    cursor says where it stands, so a socket fetches what it changed before it listened."""
    frame = _conversation_frame(conversation.pk, "chat.joined", cursor=conversation.last_seq)
    ids = list(user_ids)
    on_commit_publish(lambda: [(user_id, frame) for user_id in ids])


# --- conversations --------------------------------------------------------------------------


def _people(user_ids: Sequence) -> list:
    User = get_user_model()
    ids = set()
    for value in user_ids:
        if isinstance(value, bool) or not isinstance(value, int) or not 0 < value < ID_LIMIT:
            raise ValidationError({"participants": _("Ungültige Person.")})
        ids.add(value)
    people = list(User.objects.filter(pk__in=ids))
    if len(people) != len(ids):
        raise ValidationError({"participants": _("Diese Person gibt es nicht.")})
    return people


def conversation_start_direct(*, user, other_id: int) -> Conversation:
    """The conversation of the two, started now or found again."""
    if not can_chat(user):
        raise PermissionDenied(_("Bitte bestätige zuerst deine E-Mail-Adresse."))
    (other,) = _people([other_id])
    if other.pk == user.pk:
        raise ValidationError({"participants": _("Du kannst dir nicht selbst schreiben.")})
    if not can_message(user, other):
        raise PermissionDenied(_("Du kannst dieser Person nicht schreiben."))
    low, high = sorted((user.pk, other.pk))
    key = f"{low}:{high}"
    existing = Conversation.objects.filter(direct_key=key).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            conversation = Conversation.objects.create(
                kind=Conversation.Kind.DIRECT, direct_key=key, created_by=user
            )
            Participant.objects.bulk_create(
                [Participant(conversation=conversation, user_id=pk) for pk in (low, high)]
            )
            _publish_joined(conversation, (low, high))
    except IntegrityError:
        # Both started it at the same moment: the other one's stands.
        existing = Conversation.objects.filter(direct_key=key).first()
        if existing is None:
            raise
        return existing
    return conversation


def _check_title(title: str) -> str:
    title = clean_line(title)
    if not title:
        raise ValidationError({"title": _("Bitte gib der Gruppe einen Namen.")})
    if len(title) > TITLE_MAX:
        raise ValidationError(
            {"title": _("Der Name darf höchstens %(max)s Zeichen lang sein.") % {"max": TITLE_MAX}}
        )
    return title


def conversation_create_group(*, user, title: str, participant_ids: Sequence) -> Conversation:
    if not can_chat(user):
        raise PermissionDenied(_("Bitte bestätige zuerst deine E-Mail-Adresse."))
    title = _check_title(title)
    others = [person for person in _people(participant_ids) if person.pk != user.pk]
    if not others:
        raise ValidationError({"participants": _("Wähle mindestens eine weitere Person.")})
    if len(others) + 1 > GROUP_SIZE_MAX:
        raise ValidationError(
            {"participants": _("Höchstens %(max)s Personen.") % {"max": GROUP_SIZE_MAX}}
        )
    if not all(can_message(user, person) for person in others):
        raise PermissionDenied(_("Du kannst nicht alle diese Personen hinzufügen."))
    with transaction.atomic():
        conversation = Conversation.objects.create(
            kind=Conversation.Kind.GROUP, title=title, created_by=user
        )
        Participant.objects.bulk_create(
            [Participant(conversation=conversation, user=person) for person in [user, *others]]
        )
        _publish_joined(conversation, [person.pk for person in [user, *others]])
    return conversation


def participants_add(*, user, conversation_id, participant_ids: Sequence) -> Conversation:
    """A participant of a group conversation adds people; they see its history."""
    participation = participation_get(user=user, conversation_id=conversation_id)
    conversation = participation.conversation
    if conversation.kind != Conversation.Kind.GROUP:
        raise ValidationError({"participants": _("Nur in Gruppen kann man Personen hinzufügen.")})
    people = _people(participant_ids)
    if not all(can_message(user, person) for person in people):
        raise PermissionDenied(_("Du kannst nicht alle diese Personen hinzufügen."))
    with transaction.atomic():
        conversation = _lock(conversation.pk)
        present = set(
            Participant.objects.filter(conversation=conversation).values_list("user_id", flat=True)
        )
        new = [person for person in people if person.pk not in present]
        if len(present) + len(new) > GROUP_SIZE_MAX:
            raise ValidationError(
                {"participants": _("Höchstens %(max)s Personen.") % {"max": GROUP_SIZE_MAX}}
            )
        unread = Message.objects.filter(conversation=conversation, deleted_at=None).count()
        Participant.objects.bulk_create(
            [
                Participant(conversation=conversation, user=person, unread_count=unread)
                for person in new
            ]
        )
        _publish_joined(conversation, [person.pk for person in new])
        _publish_to_participants(
            conversation.pk, _conversation_frame(conversation.pk, "chat.changed")
        )
    return conversation


def conversation_leave(*, user, conversation_id) -> None:
    """Leaving a group ends all access to it, live frames included."""
    participation = participation_get(user=user, conversation_id=conversation_id)
    if participation.conversation.kind != Conversation.Kind.GROUP:
        raise ValidationError(
            {"conversation": _("Eine Unterhaltung zu zweit kann man nicht verlassen.")}
        )
    conversation_id = participation.conversation_id
    with transaction.atomic():
        _lock(conversation_id)
        participation.delete()
        frame = _conversation_frame(conversation_id, "chat.left")
        on_commit_publish(lambda: [(user.pk, frame)])
        # Also where the conversation's changes go, so a socket reading that group sees the
        # leaving in order with them.
        left = {"type": "conversation.left", "conversation": conversation_id, "user": user.pk}
        group = frames.conversation_group(conversation_id)
        transaction.on_commit(lambda: publish_to_groups([(group, left)]))
        _publish_to_participants(
            conversation_id, _conversation_frame(conversation_id, "chat.changed")
        )


def conversation_update(
    *, user, conversation_id, muted: bool | None = None, title: str | None = None
) -> Participant:
    """Mute or unmute for oneself; rename a group for everyone in it."""
    participation = participation_get(user=user, conversation_id=conversation_id)
    conversation = participation.conversation
    with transaction.atomic():
        if muted is not None:
            participation.muted = bool(muted)
            participation.save(update_fields=["muted"])
        if title is not None:
            if conversation.kind != Conversation.Kind.GROUP:
                raise ValidationError({"title": _("Nur Gruppen haben einen Namen.")})
            conversation.title = _check_title(title)
            conversation.save(update_fields=["title"])
            _publish_to_participants(
                conversation.pk, _conversation_frame(conversation.pk, "chat.changed")
            )
    return participation


# --- messages -------------------------------------------------------------------------------


def _check_body(body) -> str:
    if not isinstance(body, str):
        raise ValidationError({"body": _("Bitte schreib eine Nachricht.")})
    body = clean_text(body)
    if not body:
        raise ValidationError({"body": _("Bitte schreib eine Nachricht.")})
    if len(body) > MESSAGE_MAX:
        raise ValidationError(
            {
                "body": _("Eine Nachricht darf höchstens %(max)s Zeichen lang sein.")
                % {"max": MESSAGE_MAX}
            }
        )
    return body


def _check_client_id(client_id) -> str:
    if not isinstance(client_id, str) or not client_id.strip():
        raise ValidationError({"client_id": _("Jede Nachricht braucht eine Kennung.")})
    client_id = client_id.strip()
    if len(client_id) > CLIENT_ID_MAX or not client_id.isprintable():
        raise ValidationError({"client_id": _("Ungültige Kennung.")})
    return client_id


def _post_for(user, sender: sending.Sender, post_id):
    """The post a private answer is about: one the sender may read, in a direct conversation
    with its author."""
    if post_id in (None, ""):
        return None
    if isinstance(post_id, bool) or not isinstance(post_id, int):
        raise ValidationError({"post": _("Ungültiger Beitrag.")})
    post = Post.objects.filter(pk=post_id).first()
    if (
        post is None
        or not can_read_post(user, post)
        or sender.kind != Conversation.Kind.DIRECT
        or not Participant.objects.filter(
            conversation_id=sender.conversation_id, user_id=post.author_id
        )
        .exclude(user=user)
        .exists()
    ):
        raise ValidationError({"post": _("Auf diesen Beitrag kannst du hier nicht antworten.")})
    return post


def _sent_before(user, client_id: str, conversation_id: int) -> Message | None:
    """The message this client id already made, when it is a retried send."""
    existing = Message.objects.filter(author=user, client_id=client_id).first()
    if existing is not None and existing.conversation_id != conversation_id:
        raise ValidationError({"client_id": _("Diese Kennung ist schon vergeben.")})
    return existing


def message_send(*, user, conversation_id, body, client_id, post_id=None) -> tuple[Message, bool]:
    """Sends a message, or returns the one already sent with this client id (created False):
    a retried send never makes a second message.

    A new message takes one read and a transaction of five statements (apps.chat.sending);
    a retry is found when its insert hits the unique client id, or before any refusal."""
    if not can_chat(user):
        raise PermissionDenied(_("Bitte bestätige zuerst deine E-Mail-Adresse."))
    client_id = _check_client_id(client_id)
    sender = sending.sender_get(
        user_id=user.pk,
        conversation_id=parse_id(conversation_id),
        since=ratelimit.window_start(),
    )
    if sender is None:
        raise Http404
    try:
        body = _check_body(body)
        post = _post_for(user, sender, post_id)
        if sender.other_unreachable:
            raise PermissionDenied(_("Du kannst dieser Person nicht schreiben."))
        if not ratelimit.allows(sender.recent_messages):
            raise RateLimited(_("Du schreibst zu schnell. Bitte warte einen Moment."))
    except (ValidationError, PermissionDenied, RateLimited):
        # A retry of a message already sent is answered with it, whatever changed since.
        existing = _sent_before(user, client_id, sender.conversation_id)
        if existing is not None:
            return existing, False
        raise
    message = Message(
        conversation_id=sender.conversation_id,
        author=user,
        body=body,
        client_id=client_id,
        post=post,
        created_at=timezone.now(),
    )
    try:
        with transaction.atomic():
            previous = sending.lock(sender.conversation_id)
            message.seq = _next_seq()
            sending.insert(message)
            if previous is None or not sending.count_unread(message):
                # Left (or the conversation went) while this send waited for the lock.
                raise Http404
            sending.make_newest(message)
            _publish_change(message, previous)
            # After commit: who has no live socket then is told in the notification centre.
            transaction.on_commit(lambda: notifications.message_sent(message=message), robust=True)
    except IntegrityError:
        # This client id was used before: a retry (or the same send twice at once), and
        # the first one stands.
        existing = _sent_before(user, client_id, sender.conversation_id)
        if existing is None:
            raise
        return existing, False
    return message, True


def _own_changeable(user, message_id) -> Message:
    if not can_chat(user):
        raise PermissionDenied(_("Bitte bestätige zuerst deine E-Mail-Adresse."))
    message = message_get(user=user, message_id=message_id)
    if message.author_id != user.pk:
        raise PermissionDenied(_("Nur wer eine Nachricht geschrieben hat, kann sie ändern."))
    if message.deleted_at is not None:
        raise ValidationError({"message": _("Diese Nachricht ist gelöscht.")})
    if timezone.now() - message.created_at >= EDIT_WINDOW:
        raise PermissionDenied(_("Nachrichten lassen sich nur 15 Minuten lang ändern."))
    return message


def message_edit(*, user, message_id, body) -> Message:
    message = _own_changeable(user, message_id)
    body = _check_body(body)
    if body == message.body:
        return message
    with transaction.atomic():
        previous, message.seq = _take_seq(_lock(message.conversation_id))
        message.body = body
        message.edited_at = timezone.now()
        message.save(update_fields=["body", "edited_at", "seq"])
        _publish_change(message, previous)
    return message


def message_delete(*, user, message_id) -> Message:
    """The message keeps its place as "deleted"; its text is gone."""
    message = _own_changeable(user, message_id)
    with transaction.atomic():
        previous, message.seq = _take_seq(_lock(message.conversation_id))
        message.body = ""
        message.deleted_at = timezone.now()
        message.save(update_fields=["body", "deleted_at", "seq"])
        # Whoever had not read it yet has one unread message less.
        Participant.objects.filter(
            conversation_id=message.conversation_id, last_read_message_id__lt=message.pk
        ).exclude(user_id=message.author_id).update(unread_count=Greatest(F("unread_count") - 1, 0))
        _publish_change(message, previous)
    return message


def conversation_mark_read(*, user, conversation_id, message_id=None) -> Participant:
    """Everything up to the message (default: the newest) counts as read. Reading never goes
    backwards."""
    participation = participation_get(user=user, conversation_id=conversation_id)
    messages = Message.objects.filter(conversation_id=participation.conversation_id)
    if message_id in (None, ""):
        upto = messages.order_by("-id").values_list("id", flat=True).first() or 0
    else:
        if isinstance(message_id, bool) or not isinstance(message_id, int):
            raise ValidationError({"message": _("Ungültige Nachrichtennummer.")})
        if not messages.filter(pk=message_id).exists():
            raise ValidationError({"message": _("Diese Nachricht gibt es hier nicht.")})
        upto = message_id
    upto = max(upto, participation.last_read_message_id)
    with transaction.atomic():
        unread = messages.filter(id__gt=upto, deleted_at=None).exclude(author=user).count()
        Participant.objects.filter(pk=participation.pk).update(
            last_read_message_id=upto, unread_count=unread
        )
        participation.last_read_message_id = upto
        participation.unread_count = unread
        frame = {
            "type": "chat.read",
            "conversation": participation.conversation_id,
            "last_read": upto,
            "unread": unread,
        }
        # The reader's other tabs and devices update their badges.
        on_commit_publish(lambda: [(user.pk, frame)])
    return participation


def typing(*, user, conversation_id) -> None:
    """Tells the others that the user is typing; not stored, may be lost."""
    participation = participation_get(user=user, conversation_id=conversation_id)
    others = Participant.objects.filter(conversation_id=participation.conversation_id).exclude(
        user=user
    )
    frame = {
        "type": "chat.typing",
        "conversation": participation.conversation_id,
        "user": {"id": user.pk, "name": user.public_name},
    }
    send_events_now((user_id, frame) for user_id in others.values_list("user_id", flat=True))
