"""Conversations and messages through the service layer and the selectors: who may talk to
whom, what a message may contain, idempotent sends, the 15-minute edit window, unread counts,
the rate limit, keyset pages and the change log that resync reads."""

import datetime as dt
import threading
import types
import uuid

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, connections
from django.http import Http404
from django.test import override_settings
from django.utils import timezone

from apps.accounts.models import Block
from apps.chat import ratelimit
from apps.chat.frames import message_data
from apps.chat.models import EDIT_WINDOW, MESSAGE_MAX, Conversation, Message, Participant
from apps.chat.selectors import (
    changes_since,
    latest_cursor,
    message_get,
    messages_page,
    participation_get,
    unread_counts,
    unread_total,
)
from apps.chat.services import (
    RateLimited,
    conversation_create_group,
    conversation_leave,
    conversation_mark_read,
    conversation_start_direct,
    conversation_update,
    message_delete,
    message_edit,
    message_send,
    participants_add,
)
from apps.posts.models import Post
from tests.factories import MunicipalityFactory, UserFactory
from tests.posts.factories import OfferFactory

pytestmark = pytest.mark.django_db

ON_POSTGRES = connection.vendor == "postgresql"


def send(user, conversation, body="Hallo Nachbar", client_id=None, **kwargs) -> Message:
    message, created = message_send(
        user=user,
        conversation_id=conversation.pk,
        body=body,
        client_id=client_id or uuid.uuid4().hex,
        **kwargs,
    )
    assert created
    return message


def unread_of(user, conversation) -> int:
    return Participant.objects.get(user=user, conversation=conversation).unread_count


def snapshot() -> tuple:
    """What a refused send, edit or delete must leave as it was."""
    return (
        list(Message.objects.order_by("id").values_list("id", "body", "seq", "deleted_at")),
        list(Participant.objects.order_by("id").values_list("id", "unread_count")),
        list(Conversation.objects.order_by("id").values_list("id", "last_message_id")),
        latest_cursor(),
    )


def age(message: Message, by: dt.timedelta) -> None:
    """Moves the message back in time, as if it had been sent `by` ago."""
    Message.objects.filter(pk=message.pk).update(created_at=timezone.now() - by)


@pytest.fixture
def alice():
    return UserFactory(first_name="Alice")


@pytest.fixture
def bob(alice):
    return UserFactory(first_name="Bob", home_municipality=alice.home_municipality)


@pytest.fixture
def carol(alice):
    return UserFactory(first_name="Carol", home_municipality=alice.home_municipality)


@pytest.fixture
def direct(alice, bob):
    return conversation_start_direct(user=alice, other_id=bob.pk)


@pytest.fixture
def group(alice, bob, carol):
    return conversation_create_group(
        user=alice, title="Gartenfreunde", participant_ids=[bob.pk, carol.pk]
    )


@pytest.fixture
def rate_clock(monkeypatch):
    """The rate limit's clock, moved on by the test."""
    clock = types.SimpleNamespace(now=timezone.now())
    monkeypatch.setattr(ratelimit, "timezone", types.SimpleNamespace(now=lambda: clock.now))
    return clock


# --- direct conversations -----------------------------------------------------------------


def test_direct_conversation_is_one_per_pair_whoever_starts_it(alice, bob):
    first = conversation_start_direct(user=alice, other_id=bob.pk)
    again = conversation_start_direct(user=alice, other_id=bob.pk)
    answered = conversation_start_direct(user=bob, other_id=alice.pk)

    assert first.pk == again.pk == answered.pk
    assert first.kind == Conversation.Kind.DIRECT
    assert Conversation.objects.count() == 1
    assert set(first.participants.values_list("user_id", flat=True)) == {alice.pk, bob.pk}


def test_direct_conversation_started_by_both_at_the_same_moment_is_one(monkeypatch, alice, bob):
    """Bob's start commits between Alice's look for an existing one and her insert: the
    unique pair key refuses her row and she gets Bob's conversation."""
    bobs = conversation_start_direct(user=bob, other_id=alice.pk)
    real_filter = Conversation.objects.filter
    looks = []

    def first_look_misses(*args, **kwargs):
        looks.append(kwargs)
        if len(looks) == 1:
            return real_filter(*args, **kwargs).none()
        return real_filter(*args, **kwargs)

    monkeypatch.setattr(Conversation.objects, "filter", first_look_misses)
    alices = conversation_start_direct(user=alice, other_id=bob.pk)

    assert len(looks) == 2, "the insert must have been tried and refused"
    assert alices.pk == bobs.pk
    assert Conversation.objects.count() == 1
    assert Participant.objects.count() == 2


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(not ON_POSTGRES, reason="concurrent writers need PostgreSQL")
def test_direct_conversation_started_in_two_threads_at_once_is_one(alice, bob):
    barrier = threading.Barrier(2, timeout=10)
    results, errors = [], []

    def start(user, other):
        try:
            barrier.wait()
            results.append(conversation_start_direct(user=user, other_id=other.pk).pk)
        except Exception as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=start, args=(alice, bob)),
        threading.Thread(target=start, args=(bob, alice)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads)
    assert errors == []
    assert len(results) == 2 and results[0] == results[1]
    assert Conversation.objects.count() == 1
    assert Participant.objects.count() == 2


def test_nobody_starts_a_conversation_with_themselves_or_with_nobody(alice):
    with pytest.raises(ValidationError):
        conversation_start_direct(user=alice, other_id=alice.pk)
    with pytest.raises(ValidationError):
        conversation_start_direct(user=alice, other_id=alice.pk + 1000)
    with pytest.raises(ValidationError):
        conversation_start_direct(user=alice, other_id=True)
    assert Conversation.objects.count() == 0


@pytest.mark.parametrize("who_blocks", ["alice", "bob"])
def test_blocked_pair_cannot_start_a_direct_conversation(alice, bob, who_blocks):
    blocker, blocked = (alice, bob) if who_blocks == "alice" else (bob, alice)
    Block.objects.create(blocker=blocker, blocked=blocked)

    with pytest.raises(PermissionDenied):
        conversation_start_direct(user=alice, other_id=bob.pk)
    with pytest.raises(PermissionDenied):
        conversation_start_direct(user=bob, other_id=alice.pk)
    assert Conversation.objects.count() == 0


@pytest.mark.parametrize("who_blocks", ["alice", "bob"])
def test_blocked_pair_cannot_write_in_their_existing_conversation(direct, alice, bob, who_blocks):
    send(alice, direct, "Vor dem Streit")
    blocker, blocked = (alice, bob) if who_blocks == "alice" else (bob, alice)
    Block.objects.create(blocker=blocker, blocked=blocked)
    before = snapshot()

    for writer in (alice, bob):
        with pytest.raises(PermissionDenied):
            message_send(
                user=writer, conversation_id=direct.pk, body="Hallo?", client_id=uuid.uuid4().hex
            )
    assert snapshot() == before


def test_blocked_person_cannot_be_put_into_a_group(alice, bob, carol, group):
    dave = UserFactory()
    Block.objects.create(blocker=dave, blocked=alice)

    with pytest.raises(PermissionDenied):
        conversation_create_group(user=alice, title="Mit Dave", participant_ids=[bob.pk, dave.pk])
    with pytest.raises(PermissionDenied):
        participants_add(user=alice, conversation_id=group.pk, participant_ids=[dave.pk])
    assert Conversation.objects.count() == 1
    assert not Participant.objects.filter(user=dave).exists()


def test_unconfirmed_user_cannot_chat(alice, bob, direct):
    newcomer = UserFactory(email_confirmed_at=None, home_municipality=alice.home_municipality)
    before = snapshot()

    with pytest.raises(PermissionDenied):
        conversation_start_direct(user=newcomer, other_id=alice.pk)
    with pytest.raises(PermissionDenied):
        conversation_create_group(user=newcomer, title="Neu", participant_ids=[alice.pk])
    # Someone whose address is no longer confirmed cannot write in an existing one either.
    type(bob).objects.filter(pk=bob.pk).update(email_confirmed_at=None)
    bob.refresh_from_db()
    with pytest.raises(PermissionDenied):
        message_send(user=bob, conversation_id=direct.pk, body="Hallo", client_id="c-1")
    assert snapshot() == before


def test_inactive_person_cannot_be_written_to(alice):
    gone = UserFactory(is_active=False)
    with pytest.raises(PermissionDenied):
        conversation_start_direct(user=alice, other_id=gone.pk)


# --- groups -----------------------------------------------------------------------------


def test_group_has_its_creator_and_the_chosen_people(group, alice, bob, carol):
    assert group.kind == Conversation.Kind.GROUP
    assert group.title == "Gartenfreunde"
    assert group.direct_key == ""
    assert set(group.participants.values_list("user_id", flat=True)) == {
        alice.pk,
        bob.pk,
        carol.pk,
    }


@pytest.mark.parametrize(
    ("title", "ids"),
    [
        ("", "others"),
        ("  \u200b ", "others"),
        ("x" * 81, "others"),
        ("Nur ich", "self"),
        ("Niemand", "none"),
        ("Geister", "missing"),
        ("Falsche Art", "strings"),
    ],
)
def test_bad_group_is_refused_and_nothing_is_created(alice, bob, title, ids):
    participant_ids = {
        "others": [bob.pk],
        "self": [alice.pk],
        "none": [],
        "missing": [bob.pk, bob.pk + 999],
        "strings": [str(bob.pk)],
    }[ids]
    with pytest.raises(ValidationError):
        conversation_create_group(user=alice, title=title, participant_ids=participant_ids)
    assert Conversation.objects.count() == 0
    assert Participant.objects.count() == 0


def test_added_person_sees_the_history_and_counts_it_unread(group, alice, bob):
    first = send(alice, group, "Erste")
    second = send(bob, group, "Zweite")
    dave = UserFactory(home_municipality=alice.home_municipality)

    participants_add(user=bob, conversation_id=group.pk, participant_ids=[dave.pk, alice.pk])

    assert group.participants.count() == 4
    assert unread_of(dave, group) == 2
    page = messages_page(
        conversation=participation_get(user=dave, conversation_id=group.pk).conversation
    )
    assert [m.pk for m in page.messages] == [first.pk, second.pk]


def test_only_participants_add_people_and_only_to_groups(group, direct, alice, bob):
    stranger = UserFactory()
    dave = UserFactory()
    with pytest.raises(Http404):
        participants_add(user=stranger, conversation_id=group.pk, participant_ids=[dave.pk])
    with pytest.raises(ValidationError):
        participants_add(user=alice, conversation_id=direct.pk, participant_ids=[dave.pk])
    assert not Participant.objects.filter(user=dave).exists()
    assert direct.participants.count() == 2


def test_who_left_a_group_can_no_longer_read_or_write_it(group, alice, bob):
    message = send(alice, group, "Noch da?")

    conversation_leave(user=bob, conversation_id=group.pk)

    assert not group.participants.filter(user=bob).exists()
    with pytest.raises(Http404):
        participation_get(user=bob, conversation_id=group.pk)
    with pytest.raises(Http404):
        message_get(user=bob, message_id=message.pk)
    with pytest.raises(Http404):
        message_send(user=bob, conversation_id=group.pk, body="Doch!", client_id="back")
    with pytest.raises(Http404):
        conversation_leave(user=bob, conversation_id=group.pk)
    assert group.messages.count() == 1


def test_direct_conversation_cannot_be_left(direct, alice):
    with pytest.raises(ValidationError):
        conversation_leave(user=alice, conversation_id=direct.pk)
    assert direct.participants.count() == 2


def test_group_rename_and_direct_without_title(group, direct, alice):
    conversation_update(user=alice, conversation_id=group.pk, title="  Gartenfreunde  Ost ")
    group.refresh_from_db()
    assert group.title == "Gartenfreunde Ost"
    with pytest.raises(ValidationError):
        conversation_update(user=alice, conversation_id=direct.pk, title="Wir zwei")
    direct.refresh_from_db()
    assert direct.title == ""


# --- sending ----------------------------------------------------------------------------


def test_sent_message_updates_the_conversation_and_the_change_log(direct, alice, bob):
    before = latest_cursor()
    message = send(alice, direct, "Hast du eine Leiter?")

    direct.refresh_from_db()
    assert message.body == "Hast du eine Leiter?"
    assert message.seq > before
    assert latest_cursor() == message.seq
    assert direct.last_message_id == message.pk
    assert unread_of(bob, direct) == 1
    assert unread_of(alice, direct) == 0


def test_send_with_the_same_client_id_is_the_same_message(direct, alice, bob):
    first, created = message_send(
        user=alice, conversation_id=direct.pk, body="Leiter?", client_id="tab1-0001"
    )
    cursor = latest_cursor()
    retry, retried = message_send(
        user=alice, conversation_id=direct.pk, body="Leiter? (nochmal)", client_id="tab1-0001"
    )

    assert created is True and retried is False
    assert retry.pk == first.pk
    assert retry.body == "Leiter?"
    assert Message.objects.count() == 1
    assert latest_cursor() == cursor
    assert unread_of(bob, direct) == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(not ON_POSTGRES, reason="concurrent writers need PostgreSQL")
def test_the_same_send_arriving_twice_at_once_is_one_message(direct, alice, bob):
    barrier = threading.Barrier(2, timeout=10)
    results, errors = [], []

    def send_once():
        try:
            barrier.wait()
            results.append(
                message_send(
                    user=alice, conversation_id=direct.pk, body="Doppelt?", client_id="twice"
                )
            )
        except Exception as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send_once) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads)
    assert errors == []
    assert sorted(created for _, created in results) == [False, True]
    assert results[0][0].pk == results[1][0].pk
    assert Message.objects.count() == 1
    assert unread_of(bob, direct) == 1


def test_same_client_id_in_another_conversation_is_refused(direct, group, alice):
    send(alice, direct, "Hier", client_id="tab1-0002")
    before = snapshot()
    with pytest.raises(ValidationError) as error:
        message_send(user=alice, conversation_id=group.pk, body="Dort", client_id="tab1-0002")
    assert "client_id" in error.value.message_dict
    assert snapshot() == before


def test_another_person_may_use_the_same_client_id(direct, alice, bob):
    mine = send(alice, direct, "Von Alice", client_id="0001")
    theirs = send(bob, direct, "Von Bob", client_id="0001")
    assert mine.pk != theirs.pk


@pytest.mark.parametrize("client_id", ["", "   ", None, 7, "x" * 65, "tab\x00one", "tab\nzwei"])
def test_bad_client_id_is_refused(direct, alice, client_id):
    before = snapshot()
    with pytest.raises(ValidationError):
        message_send(user=alice, conversation_id=direct.pk, body="Hallo", client_id=client_id)
    assert snapshot() == before


@pytest.mark.parametrize(
    "body",
    ["", "   ", "\n\n\t", "\u200b\u200d\ufeff", "\x07\x1b", None, 42, "x" * (MESSAGE_MAX + 1)],
)
def test_bad_body_is_refused_and_changes_nothing(direct, alice, body):
    before = snapshot()
    with pytest.raises(ValidationError) as error:
        message_send(user=alice, conversation_id=direct.pk, body=body, client_id="c-bad")
    assert "body" in error.value.message_dict
    assert snapshot() == before


def test_longest_message_is_accepted(direct, alice):
    message = send(alice, direct, "x" * MESSAGE_MAX)
    message.refresh_from_db()
    assert len(message.body) == MESSAGE_MAX


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("<script>alert('x')</script>", "<script>alert('x')</script>"),
        ("Ha\u200bl\u200elo\u202e!", "Hallo!"),
        ("Klingel\x07 und \x1b[31mrot", "Klingel und [31mrot"),
        ("Zeile 1\r\nZeile 2\n\n\n\nEnde", "Zeile 1\nZeile 2\n\nEnde"),
    ],
)
def test_hostile_text_is_stored_clean_and_shown_as_text(direct, alice, bob, typed, stored):
    message = send(alice, direct, typed)
    message.refresh_from_db()

    assert message.body == stored
    data = message_data(message, viewer_id=bob.pk)
    assert data["body"] == stored
    assert "<script" not in data["body_html"]
    assert "\u200b" not in data["body_html"] and "\x1b" not in data["body_html"]


def test_non_participant_cannot_send(direct):
    stranger = UserFactory()
    with pytest.raises(Http404):
        message_send(user=stranger, conversation_id=direct.pk, body="Hallo", client_id="s")
    with pytest.raises(Http404):
        message_send(user=stranger, conversation_id="abc", body="Hallo", client_id="s")
    assert Message.objects.count() == 0


# --- rate limit -------------------------------------------------------------------------


@override_settings(CHAT_RATE_LIMIT_MESSAGES=20, CHAT_RATE_LIMIT_SECONDS=10)
def test_twenty_first_message_in_the_window_is_refused(rate_clock, direct, alice, bob):
    for n in range(20):
        send(alice, direct, f"Nachricht {n}", client_id=f"rate-{n}")
    before = snapshot()

    with pytest.raises(RateLimited):
        message_send(user=alice, conversation_id=direct.pk, body="Zu viel", client_id="rate-20")

    assert snapshot() == before
    assert not Message.objects.filter(client_id="rate-20").exists()
    # A retry of a message already sent is no new message and is answered anyway.
    again, created = message_send(
        user=alice, conversation_id=direct.pk, body="", client_id="rate-3"
    )
    assert created is False and again.body == "Nachricht 3"
    # The limit is per person: Bob still writes.
    send(bob, direct, "Ich darf noch")
    # Once her messages are older than the window, Alice writes again.
    rate_clock.now += dt.timedelta(seconds=11)
    send(alice, direct, "Wieder da", client_id="rate-21")


# --- edit and delete --------------------------------------------------------------------


def test_author_edits_within_fifteen_minutes(direct, alice, bob):
    message = send(alice, direct, "Treffen um 5")
    age(message, EDIT_WINDOW - dt.timedelta(seconds=5))

    edited = message_edit(user=alice, message_id=message.pk, body="Treffen um 6")

    edited.refresh_from_db()
    assert edited.body == "Treffen um 6"
    assert edited.edited_at is not None
    assert edited.seq > message.seq
    assert unread_of(bob, direct) == 1


def test_edit_to_the_same_text_changes_nothing(direct, alice):
    message = send(alice, direct, "Gleich")
    before = snapshot()
    message_edit(user=alice, message_id=message.pk, body="  Gleich ")
    assert snapshot() == before


@pytest.mark.parametrize("action", ["edit", "delete"])
def test_nobody_changes_a_message_after_fifteen_minutes(direct, alice, action):
    message = send(alice, direct, "Alt")
    age(message, EDIT_WINDOW)
    before = snapshot()
    with pytest.raises(PermissionDenied):
        if action == "edit":
            message_edit(user=alice, message_id=message.pk, body="Neu")
        else:
            message_delete(user=alice, message_id=message.pk)
    assert snapshot() == before


@pytest.mark.parametrize("action", ["edit", "delete"])
def test_only_the_author_changes_a_message(direct, alice, bob, action):
    message = send(alice, direct, "Von Alice")
    stranger = UserFactory()
    before = snapshot()
    with pytest.raises(PermissionDenied):
        if action == "edit":
            message_edit(user=bob, message_id=message.pk, body="Von Bob")
        else:
            message_delete(user=bob, message_id=message.pk)
    with pytest.raises(Http404):
        if action == "edit":
            message_edit(user=stranger, message_id=message.pk, body="Von Fremden")
        else:
            message_delete(user=stranger, message_id=message.pk)
    assert snapshot() == before


def test_bad_edit_is_refused_and_changes_nothing(direct, alice):
    message = send(alice, direct, "Richtig")
    before = snapshot()
    for body in ("", "\u200b", "x" * (MESSAGE_MAX + 1), None):
        with pytest.raises(ValidationError):
            message_edit(user=alice, message_id=message.pk, body=body)
    assert snapshot() == before


def test_deleted_message_loses_its_text_but_keeps_its_place(direct, alice, bob):
    message = send(alice, direct, "Geheimnis")
    later = send(alice, direct, "Danach")

    deleted = message_delete(user=alice, message_id=message.pk)

    deleted.refresh_from_db()
    assert deleted.body == ""
    assert deleted.deleted_at is not None
    assert deleted.seq > later.seq
    data = message_data(deleted, viewer_id=bob.pk)
    assert data["deleted"] is True and data["body"] == "" and data["body_html"] == ""
    assert "Geheimnis" not in str(data)
    page = messages_page(conversation=direct)
    assert [m.pk for m in page.messages] == [message.pk, later.pk]
    with pytest.raises(ValidationError):
        message_edit(user=alice, message_id=message.pk, body="Wieder da")
    with pytest.raises(ValidationError):
        message_delete(user=alice, message_id=message.pk)


# --- unread counts ----------------------------------------------------------------------


def test_unread_counts_follow_sending_reading_and_deleting(group, alice, bob, carol):
    first = send(alice, group, "Eins")
    send(alice, group, "Zwei")
    third = send(alice, group, "Drei")
    assert unread_of(bob, group) == 3
    assert unread_counts(user=bob) == {group.pk: 3}

    conversation_mark_read(user=bob, conversation_id=group.pk, message_id=first.pk)
    assert unread_of(bob, group) == 2

    # Deleting a message Bob has read changes nothing for him; Carol had not read it.
    message_delete(user=alice, message_id=first.pk)
    assert unread_of(bob, group) == 2
    assert unread_of(carol, group) == 2
    message_delete(user=alice, message_id=third.pk)
    assert unread_of(bob, group) == 1
    assert unread_of(carol, group) == 1

    conversation_mark_read(user=carol, conversation_id=group.pk)
    assert unread_of(carol, group) == 0
    assert unread_counts(user=carol) == {}
    assert unread_of(alice, group) == 0


def test_answering_marks_the_conversation_read(direct, alice, bob):
    send(alice, direct, "Frage")
    send(bob, direct, "Antwort")
    assert unread_of(bob, direct) == 0
    assert unread_of(alice, direct) == 1


def test_muted_conversation_is_left_out_of_the_total(direct, group, alice, bob):
    send(alice, direct, "Direkt")
    send(alice, group, "Gruppe 1")
    send(alice, group, "Gruppe 2")
    assert unread_total(user=bob) == 3

    conversation_update(user=bob, conversation_id=group.pk, muted=True)

    assert unread_total(user=bob) == 1
    assert unread_counts(user=bob) == {direct.pk: 1, group.pk: 2}
    conversation_update(user=bob, conversation_id=group.pk, muted=False)
    assert unread_total(user=bob) == 3


def test_marking_read_never_goes_backwards(direct, alice, bob):
    first = send(alice, direct, "Eins")
    second = send(alice, direct, "Zwei")
    conversation_mark_read(user=bob, conversation_id=direct.pk)

    participation = conversation_mark_read(user=bob, conversation_id=direct.pk, message_id=first.pk)

    assert participation.last_read_message_id == second.pk
    assert unread_of(bob, direct) == 0
    assert Participant.objects.get(user=bob, conversation=direct).last_read_message_id == second.pk


def test_marking_read_a_message_of_another_conversation_is_refused(direct, group, alice, bob):
    elsewhere = send(alice, group, "Woanders")
    send(alice, direct, "Hier")
    for bad in (elsewhere.pk, "1", True, -5):
        with pytest.raises(ValidationError):
            conversation_mark_read(user=bob, conversation_id=direct.pk, message_id=bad)
    assert unread_of(bob, direct) == 1


# --- pages ------------------------------------------------------------------------------


@pytest.fixture
def ten_messages(direct, alice, bob):
    return [send(alice if n % 2 else bob, direct, f"Nachricht {n}") for n in range(10)]


def test_newest_page_comes_oldest_first(direct, ten_messages):
    page = messages_page(conversation=direct, limit=4)
    assert [m.pk for m in page.messages] == [m.pk for m in ten_messages[6:]]
    assert page.has_older is True
    assert page.has_newer is False


def test_page_before_a_message(direct, ten_messages):
    page = messages_page(conversation=direct, before=ten_messages[6].pk, limit=4)
    assert [m.pk for m in page.messages] == [m.pk for m in ten_messages[2:6]]
    assert page.has_older is True and page.has_newer is True

    oldest = messages_page(conversation=direct, before=ten_messages[2].pk, limit=4)
    assert [m.pk for m in oldest.messages] == [m.pk for m in ten_messages[:2]]
    assert oldest.has_older is False


def test_page_after_a_message(direct, ten_messages):
    page = messages_page(conversation=direct, after=ten_messages[2].pk, limit=4)
    assert [m.pk for m in page.messages] == [m.pk for m in ten_messages[3:7]]
    assert page.has_newer is True

    newest = messages_page(conversation=direct, after=str(ten_messages[6].pk), limit=4)
    assert [m.pk for m in newest.messages] == [m.pk for m in ten_messages[7:]]
    assert newest.has_newer is False


def test_page_holds_only_this_conversations_messages(direct, group, alice, ten_messages):
    send(alice, group, "Gruppe")
    page = messages_page(conversation=direct, limit=100)
    assert [m.pk for m in page.messages] == [m.pk for m in ten_messages]


def test_page_size_is_bounded(direct, ten_messages):
    assert len(messages_page(conversation=direct, limit=0).messages) == 1
    assert len(messages_page(conversation=direct, limit=-5).messages) == 1


@pytest.mark.parametrize("bad", ["abc", "1.5", -1, "-3", 2**63, "9" * 30, [1], {"a": 1}])
@pytest.mark.parametrize("name", ["before", "after"])
def test_bad_page_ids_are_refused(direct, name, bad):
    with pytest.raises(ValidationError) as error:
        messages_page(conversation=direct, **{name: bad})
    assert name in error.value.message_dict


# --- the change log ---------------------------------------------------------------------


def test_changes_since_come_in_the_order_they_happened(direct, group, alice, bob):
    start = latest_cursor()
    one = send(alice, direct, "Eins")
    two = send(alice, group, "Zwei")
    three = send(bob, direct, "Drei")
    message_edit(user=alice, message_id=one.pk, body="Eins, geändert")
    message_delete(user=alice, message_id=two.pk)

    changes = changes_since(user=bob, cursor=start)

    assert [m.pk for m in changes] == [three.pk, one.pk, two.pk]
    seqs = [m.seq for m in changes]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)
    assert changes[1].body == "Eins, geändert"
    assert changes[2].deleted_at is not None
    assert changes_since(user=bob, cursor=changes[-1].seq) == []
    assert [m.pk for m in changes_since(user=bob, cursor=three.seq)] == [one.pk, two.pk]


def test_changes_since_cover_only_conversations_one_takes_part_in_now(group, direct, alice, bob):
    start = latest_cursor()
    before_leaving = send(alice, group, "Vorher")
    conversation_leave(user=bob, conversation_id=group.pk)
    send(alice, group, "Nachher")
    own = send(alice, direct, "Direkt")
    stranger = UserFactory()

    assert [m.pk for m in changes_since(user=bob, cursor=start)] == [own.pk]
    assert changes_since(user=stranger, cursor=0) == []
    assert before_leaving.pk not in [m.pk for m in changes_since(user=bob, cursor=0)]


def test_changes_since_is_batched(direct, alice):
    start = latest_cursor()
    sent = [send(alice, direct, f"N{n}") for n in range(5)]
    first = changes_since(user=alice, cursor=start, limit=3)
    rest = changes_since(user=alice, cursor=first[-1].seq, limit=3)
    assert [m.pk for m in first + rest] == [m.pk for m in sent]


# --- answering a post privately ---------------------------------------------------------


def test_private_answer_to_a_post_in_the_direct_conversation_with_its_author(alice, bob):
    offer = OfferFactory(author=alice)
    conversation = conversation_start_direct(user=bob, other_id=alice.pk)

    message = send(bob, conversation, "Ist das noch da?", post_id=offer.pk)

    assert message.post_id == offer.pk
    assert message_data(message, viewer_id=alice.pk)["post"]["id"] == offer.pk


def test_post_reference_is_refused_outside_a_direct_conversation_with_its_author(
    alice, bob, carol, group
):
    offer = OfferFactory(author=alice)
    with_carol = conversation_start_direct(user=bob, other_id=carol.pk)
    with_alice = conversation_start_direct(user=bob, other_id=alice.pk)
    before = snapshot()

    cases = [
        (bob, group, offer.pk),  # a group, even with the author in it
        (bob, with_carol, offer.pk),  # not the author's conversation
        (alice, with_alice, offer.pk),  # the author answering her own post
        (bob, with_alice, offer.pk + 999),  # no such post
        (bob, with_alice, str(offer.pk)),  # not a number
        (bob, with_alice, True),
    ]
    for sender, conversation, post_id in cases:
        with pytest.raises(ValidationError) as error:
            message_send(
                user=sender,
                conversation_id=conversation.pk,
                body="Noch da?",
                client_id=uuid.uuid4().hex,
                post_id=post_id,
            )
        assert "post" in error.value.message_dict
    assert snapshot() == before


def test_post_reference_is_refused_for_a_post_the_sender_may_not_read(alice):
    far = MunicipalityFactory(latitude=53.5, longitude=10.0)
    neighbour_village = MunicipalityFactory(latitude=48.81, longitude=10.61)
    far_author = UserFactory(home_municipality=far)
    neighbour = UserFactory(home_municipality=neighbour_village)
    far_offer = OfferFactory(author=far_author)
    village_only = OfferFactory(author=neighbour, scope=Post.Scope.VILLAGE)
    nearby = OfferFactory(author=neighbour, scope=Post.Scope.NEARBY)
    with_far = conversation_start_direct(user=alice, other_id=far_author.pk)
    with_neighbour = conversation_start_direct(user=alice, other_id=neighbour.pk)
    before = snapshot()

    for conversation, post in ((with_far, far_offer), (with_neighbour, village_only)):
        with pytest.raises(ValidationError):
            message_send(
                user=alice,
                conversation_id=conversation.pk,
                body="Noch da?",
                client_id=uuid.uuid4().hex,
                post_id=post.pk,
            )
    assert snapshot() == before
    # The same neighbour's post for the whole area is fine.
    assert send(alice, with_neighbour, "Noch da?", post_id=nearby.pk).post_id == nearby.pk
