"""Chat, feed and post frames over the live socket: who receives what, in which order, what
a retried or refused frame gets, and how a client catches up after missing frames.

"Receives nothing" is proven with a fence: after the frame that must not arrive, a frame that
must arrive is published to the same person; the next frame they see has to be the fence."""

import contextlib
import json
import types
import uuid

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import override_settings
from rest_framework.authtoken.models import Token

from apps.accounts.models import Block
from apps.chat import selectors as chat_selectors
from apps.chat import services as chat_services
from apps.chat.models import Message
from apps.core import events
from apps.core.events import send_event_now
from apps.posts import services as post_services
from apps.posts.models import Post
from apps.realtime import consumers, presence
from apps.realtime.consumers import CLOSE_ABUSE, CLOSE_UNAUTHENTICATED
from dorffunk.asgi import application
from tests.factories import MunicipalityFactory, UserFactory

pytestmark = [pytest.mark.django_db(transaction=True)]

ORIGIN = (b"origin", b"http://127.0.0.1:8000")
TIMEOUT = 10
MEMORY_LAYER = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}


@pytest.fixture
def memory_layer():
    with override_settings(CHANNEL_LAYERS=MEMORY_LAYER):
        yield


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.redis)])
def any_layer(request):
    """The in-memory layer, and the production Redis layer when REDIS_URL is set."""
    if request.param == "memory":
        config = MEMORY_LAYER
    else:
        url = request.getfixturevalue("redis_url")
        config = {
            "default": {
                "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
                "CONFIG": {
                    "hosts": [{"address": url, "socket_timeout": None}],
                    "prefix": f"test-{uuid.uuid4().hex[:12]}",
                },
            }
        }
    with override_settings(CHANNEL_LAYERS=config):
        yield request.param


class Socket:
    """One browser tab's socket, with the frames it has received so far."""

    def __init__(self, user, communicator):
        self.user = user
        self.communicator = communicator
        self.closed = False
        self.hello: dict = {}

    async def send(self, **frame):
        await self.communicator.send_json_to(frame)

    async def frame(self) -> dict:
        return await self.communicator.receive_json_from(timeout=TIMEOUT)

    async def until(self, kind: str, limit: int = 500) -> list[dict]:
        """Frames up to and including the first one of this type."""
        frames = []
        for _ in range(limit):
            frames.append(await self.frame())
            if frames[-1]["type"] == kind:
                return frames
        raise AssertionError(f"no {kind} frame among {len(frames)}")

    async def fence(self) -> list[dict]:
        """Every frame that arrives before a fence published now: what it may not have seen."""
        marker = uuid.uuid4().hex
        await sync_to_async(send_event_now)([self.user.pk], {"type": "fence", "id": marker})
        frames = await self.until("fence")
        assert frames[-1]["id"] == marker
        return frames[:-1]

    async def close(self):
        if not self.closed:
            self.closed = True
            await self.communicator.disconnect()


@pytest.fixture
async def connect():
    """Opens sockets for users (by token) and closes whatever is left open at the end."""
    opened: list[Socket] = []

    async def open_socket(user) -> Socket:
        token, _ = await sync_to_async(Token.objects.get_or_create)(user=user)
        communicator = WebsocketCommunicator(
            application,
            "/ws/",
            headers=[ORIGIN, (b"authorization", f"Token {token.key}".encode())],
        )
        connected, _ = await communicator.connect(timeout=TIMEOUT)
        assert connected
        socket = Socket(user, communicator)
        opened.append(socket)
        socket.hello = await socket.frame()
        assert socket.hello["type"] == "hello"
        assert socket.hello["user"] == user.pk
        return socket

    yield open_socket
    for socket in opened:
        # A socket the server closed already has nothing left to close.
        with contextlib.suppress(Exception):
            await socket.close()


@pytest.fixture
def home():
    return MunicipalityFactory(name="Heimdorf", latitude=48.80, longitude=10.60)


@pytest.fixture
def alice(home):
    return UserFactory(first_name="Alice", home_municipality=home)


@pytest.fixture
def bob(home):
    return UserFactory(first_name="Bob", home_municipality=home)


@pytest.fixture
def carol(home):
    return UserFactory(first_name="Carol", home_municipality=home)


@pytest.fixture
def direct(alice, bob):
    return chat_services.conversation_start_direct(user=alice, other_id=bob.pk)


@pytest.fixture
def group(alice, bob, carol):
    return chat_services.conversation_create_group(
        user=alice, title="Feuerwehrfest", participant_ids=[bob.pk, carol.pk]
    )


@pytest.fixture
def fake_clock(monkeypatch):
    """The consumer's clock, moved by the test instead of by waiting."""
    clock = types.SimpleNamespace(now=10_000.0)
    monkeypatch.setattr(consumers, "time", types.SimpleNamespace(monotonic=lambda: clock.now))
    return clock


@sync_to_async
def send_message(user, conversation, body: str, client_id: str | None = None) -> Message:
    message, _ = chat_services.message_send(
        user=user,
        conversation_id=conversation.pk,
        body=body,
        client_id=client_id or uuid.uuid4().hex,
    )
    return message


@sync_to_async
def message_count() -> int:
    return Message.objects.count()


def chat_frames(frames: list[dict]) -> list[dict]:
    return [frame for frame in frames if frame["type"].startswith("chat.message")]


# --- who may connect --------------------------------------------------------------------


async def test_inactive_users_token_is_refused(memory_layer):
    user = await sync_to_async(UserFactory)(is_active=False)
    token = await sync_to_async(Token.objects.create)(user=user)
    communicator = WebsocketCommunicator(
        application, "/ws/", headers=[ORIGIN, (b"authorization", f"Token {token.key}".encode())]
    )
    connected, _ = await communicator.connect(timeout=TIMEOUT)
    assert connected
    closing = await communicator.receive_output(timeout=TIMEOUT)
    assert closing == {"type": "websocket.close", "code": CLOSE_UNAUTHENTICATED}


# --- who receives what ------------------------------------------------------------------


async def test_non_participant_receives_nothing_and_cannot_send(
    memory_layer, connect, direct, alice
):
    stranger = await sync_to_async(UserFactory)()
    stranger_socket = await connect(stranger)
    message = await send_message(alice, direct, "Nur für Bob")

    assert await stranger_socket.fence() == []

    refused = [
        {"type": "send", "conversation": direct.pk, "body": "Hallo", "client_id": "s-1"},
        {"type": "edit", "message": message.pk, "body": "Gekapert"},
        {"type": "delete", "message": message.pk},
        {"type": "read", "conversation": direct.pk},
        {"type": "typing", "conversation": direct.pk},
        {"type": "send", "conversation": 987654, "body": "Hallo", "client_id": "s-2"},
    ]
    for n, frame in enumerate(refused):
        await stranger_socket.send(**frame, ref=n)
        error = await stranger_socket.frame()
        assert error["type"] == "error"
        assert error["code"] == "not_found"
        assert error["ref"] == n
    assert await message_count() == 1
    await sync_to_async(message.refresh_from_db)()
    assert message.body == "Nur für Bob" and message.deleted_at is None


async def test_changes_published_in_the_other_order_reach_readers_in_order_once(
    memory_layer, connect, direct, alice, bob, monkeypatch
):
    """Sends run side by side in service threads, so the change committed first may be
    published last. The reader still gets each change once, in the order of the log."""
    alice_socket = await connect(alice)
    bob_socket = await connect(bob)
    held = []
    publish = events._publish

    async def hold_the_first(layer, pairs):
        if held:
            return await publish(layer, pairs)
        held.append((layer, pairs))

    monkeypatch.setattr(events, "_publish", hold_the_first)
    await alice_socket.send(type="send", conversation=direct.pk, body="Erste", client_id="x1")
    first = (await alice_socket.until("ack"))[-1]
    await alice_socket.send(type="send", conversation=direct.pk, body="Zweite", client_id="x2")
    second = [f for f in await alice_socket.until("ack") if f["type"] == "ack"][-1]
    await publish(*held[0])

    frames = [await bob_socket.frame() for _ in range(2)]
    assert [f["message"]["body"] for f in frames] == ["Erste", "Zweite"]
    assert [f["cursor"] for f in frames] == [first["cursor"], second["cursor"]]
    assert await bob_socket.fence() == []


async def test_frames_arrive_in_the_order_they_were_sent(any_layer, connect, direct, alice, bob):
    alice_socket = await connect(alice)
    bob_socket = await connect(bob)

    for n in range(5):
        await alice_socket.send(
            type="send", conversation=direct.pk, body=f"Nachricht {n}", client_id=f"o-{n}", ref=n
        )
    alice_frames = []
    for _ in range(50):
        alice_frames.append(await alice_socket.frame())
        if len([f for f in alice_frames if f["type"] in ("ack", "chat.message")]) == 10:
            break
    acks = [frame for frame in alice_frames if frame["type"] == "ack"]
    assert [ack["ref"] for ack in acks] == [0, 1, 2, 3, 4]
    assert all(ack["created"] is True for ack in acks)
    bob_frames = [await bob_socket.frame() for _ in range(5)]

    assert [f["type"] for f in bob_frames] == ["chat.message"] * 5
    assert [f["message"]["body"] for f in bob_frames] == [f"Nachricht {n}" for n in range(5)]
    assert [f["message"]["id"] for f in bob_frames] == [ack["message"] for ack in acks]
    cursors = [f["cursor"] for f in bob_frames]
    assert cursors == sorted(cursors) and len(set(cursors)) == 5
    assert cursors == [ack["cursor"] for ack in acks]
    # Each change names the one before it in the conversation.
    assert [f["previous"] for f in bob_frames] == [0, *cursors[:-1]]
    assert all(f["message"]["client_id"] is None for f in bob_frames)
    assert not any(f["message"]["can_change"] for f in bob_frames)
    own = chat_frames(alice_frames)
    assert [f["message"]["client_id"] for f in own] == [f"o-{n}" for n in range(5)]
    assert all(f["message"]["can_change"] for f in own)
    assert await bob_socket.fence() == []


async def test_retried_send_is_acked_again_without_a_second_message(
    any_layer, connect, direct, alice, bob
):
    alice_socket = await connect(alice)
    bob_socket = await connect(bob)
    frame = {"type": "send", "conversation": direct.pk, "body": "Leiter?", "client_id": "r-1"}

    await alice_socket.send(**frame)
    first = (await alice_socket.until("ack"))[-1]
    await alice_socket.send(**frame)
    retry = (await alice_socket.until("ack"))[-1]

    assert first["created"] is True and retry["created"] is False
    assert retry["message"] == first["message"]
    assert retry["cursor"] == first["cursor"]
    bob_frames = [await bob_socket.frame(), *await bob_socket.fence()]
    assert [f["type"] for f in bob_frames] == ["chat.message"]
    assert await message_count() == 1


async def test_edit_and_delete_reach_both_sides(memory_layer, connect, direct, alice, bob):
    alice_socket = await connect(alice)
    bob_socket = await connect(bob)
    message = await send_message(alice, direct, "Treffen um 5")
    sent = await bob_socket.frame()

    await alice_socket.send(type="edit", message=message.pk, body="Treffen um 6")
    edited = await bob_socket.frame()
    assert edited["type"] == "chat.message_edited"
    assert edited["message"]["id"] == message.pk
    assert edited["message"]["body"] == "Treffen um 6"
    assert edited["message"]["edited_at"] is not None
    assert edited["cursor"] > sent["cursor"]

    await bob_socket.send(type="edit", message=message.pk, body="Von Bob", ref="b")
    assert (await bob_socket.frame())["code"] == "forbidden"
    await alice_socket.send(type="edit", message=message.pk, body="   ", ref="leer")
    alice_frames = await alice_socket.until("error")
    assert alice_frames[-1]["code"] == "invalid" and "body" in alice_frames[-1]["fields"]

    await alice_socket.send(type="delete", message=message.pk)
    deleted = await bob_socket.frame()
    assert deleted["type"] == "chat.message_deleted"
    assert deleted["message"]["deleted"] is True
    assert deleted["message"]["body"] == "" and deleted["message"]["body_html"] == ""
    assert deleted["cursor"] > edited["cursor"]
    # The message was unread: Bob's count goes back to zero.
    await bob_socket.send(type="resync", cursor=deleted["cursor"])
    assert (await bob_socket.until("sync"))[-1]["unread"] == {}
    alice_frames += await alice_socket.until("chat.message_deleted")
    assert [f["type"] for f in chat_frames(alice_frames)] == [
        "chat.message",
        "chat.message_edited",
        "chat.message_deleted",
    ]
    assert await bob_socket.fence() == []


async def test_reading_updates_the_badge_on_all_of_the_readers_tabs(
    memory_layer, connect, direct, group, alice, bob
):
    await send_message(alice, direct, "Eins")
    second = await send_message(alice, direct, "Zwei")
    await send_message(alice, group, "In der Gruppe")
    await sync_to_async(chat_services.conversation_update)(
        user=bob, conversation_id=group.pk, muted=True
    )
    bob_phone = await connect(bob)
    bob_laptop = await connect(bob)
    alice_socket = await connect(alice)

    await bob_phone.send(type="resync", cursor=second.seq)
    sync = (await bob_phone.until("sync"))[-1]
    assert sync["unread"] == {str(direct.pk): 2, str(group.pk): 1}
    # The muted group is left out of the total.
    assert sync["unread_total"] == 2

    await bob_phone.send(type="read", conversation=direct.pk)
    for tab in (bob_phone, bob_laptop):
        read = await tab.frame()
        assert read == {
            "type": "chat.read",
            "conversation": direct.pk,
            "last_read": second.pk,
            "unread": 0,
        }
    assert await alice_socket.fence() == []

    await bob_laptop.send(type="resync", cursor=second.seq)
    sync = (await bob_laptop.until("sync"))[-1]
    assert sync["unread"] == {str(group.pk): 1}
    assert sync["unread_total"] == 0


# --- catching up ------------------------------------------------------------------------


async def test_resync_brings_what_was_missed_in_order_without_duplicates(
    any_layer, connect, direct, alice, bob
):
    bob_socket = await connect(bob)
    first = await send_message(alice, direct, "Eins")
    seen = await bob_socket.frame()
    assert seen["message"]["id"] == first.pk
    await bob_socket.close()

    # While Bob's socket is closed: three new messages, an edit of one he saw, a deletion
    # of one he missed.
    missed = [await send_message(alice, direct, f"Verpasst {n}") for n in range(3)]
    await sync_to_async(chat_services.message_edit)(
        user=alice, message_id=first.pk, body="Eins, geändert"
    )
    await sync_to_async(chat_services.message_delete)(user=alice, message_id=missed[1].pk)

    bob_socket = await connect(bob)
    await bob_socket.send(type="resync", cursor=seen["cursor"])
    frames = await bob_socket.until("sync")

    changes, sync = frames[:-1], frames[-1]
    assert [(f["type"], f["message"]["id"]) for f in changes] == [
        ("chat.message", missed[0].pk),
        ("chat.message", missed[2].pk),
        ("chat.message_edited", first.pk),
        ("chat.message_deleted", missed[1].pk),
    ]
    cursors = [f["cursor"] for f in changes]
    assert cursors == sorted(cursors) and cursors[0] > seen["cursor"]
    assert sync["cursor"] == cursors[-1]
    assert sync["more"] is False
    assert sync["unread"] == {str(direct.pk): 3} and sync["unread_total"] == 3
    assert changes[2]["message"]["body"] == "Eins, geändert"
    assert changes[3]["message"]["body"] == ""

    # Asking again from the new cursor brings nothing twice.
    await bob_socket.send(type="resync", cursor=sync["cursor"])
    again = await bob_socket.frame()
    assert again["type"] == "sync" and again["cursor"] == sync["cursor"]
    # And live frames go on after the cursor.
    live = await send_message(alice, direct, "Wieder live")
    frame = await bob_socket.frame()
    assert frame["message"]["id"] == live.pk and frame["cursor"] > sync["cursor"]


@override_settings(CHAT_RATE_LIMIT_MESSAGES=10_000)
async def test_long_absence_is_caught_up_in_batches(memory_layer, connect, direct, alice, bob):
    start = await sync_to_async(chat_selectors.latest_cursor)()
    extra = 7

    @sync_to_async
    def send_many() -> list[int]:
        return [
            chat_services.message_send(
                user=alice, conversation_id=direct.pk, body=f"N{n}", client_id=f"b-{n}"
            )[0].pk
            for n in range(chat_selectors.SYNC_BATCH + extra)
        ]

    sent = await send_many()
    bob_socket = await connect(bob)

    received, cursor, rounds = [], start, []
    for _ in range(5):
        await bob_socket.send(type="resync", cursor=cursor)
        frames = await bob_socket.until("sync", limit=chat_selectors.SYNC_BATCH + 1)
        received += [f["message"]["id"] for f in frames[:-1]]
        rounds.append((len(frames) - 1, frames[-1]["more"]))
        cursor = frames[-1]["cursor"]
        if not frames[-1]["more"]:
            break

    assert rounds == [(chat_selectors.SYNC_BATCH, True), (extra, False)]
    assert received == sent


async def test_who_left_a_group_gets_no_frame_of_later_messages(
    any_layer, connect, group, alice, bob, carol
):
    bob_socket = await connect(bob)
    carol_socket = await connect(carol)
    before = await send_message(alice, group, "Vorher")
    assert (await bob_socket.frame())["message"]["id"] == before.pk
    assert (await carol_socket.frame())["message"]["id"] == before.pk

    await sync_to_async(chat_services.conversation_leave)(user=bob, conversation_id=group.pk)
    after = await send_message(alice, group, "Nachher")

    assert await bob_socket.frame() == {"type": "chat.left", "conversation": group.pk}
    assert await bob_socket.fence() == []
    carol_frames = await carol_socket.until("chat.message")
    assert carol_frames[-1]["message"]["id"] == after.pk
    await bob_socket.send(type="resync", cursor=0)
    assert [f["type"] for f in await bob_socket.until("sync")] == ["sync"]


# --- refused frames ---------------------------------------------------------------------


WRONG_TYPES = [
    {"type": "send", "conversation": "1", "body": "Hallo", "client_id": "w"},
    {"type": "send", "conversation": 1, "body": 5, "client_id": "w"},
    {"type": "send", "conversation": 1, "body": "Hallo", "client_id": None},
    {"type": "send", "conversation": 1, "body": "Hallo", "client_id": "w", "post": "7"},
    {"type": "send", "conversation": True, "body": "Hallo", "client_id": "w"},
    {"type": "edit", "message": 1.5, "body": "x"},
    {"type": "delete"},
    {"type": "read", "conversation": -1},
    {"type": "resync", "cursor": "abc"},
    {"type": "resync"},
    {"type": "typing", "conversation": [1]},
    {"type": "watch_post", "post": {"id": 1}},
]


@pytest.mark.parametrize("frame", WRONG_TYPES, ids=lambda f: f["type"])
async def test_frame_with_wrong_types_is_a_bad_frame(memory_layer, connect, alice, frame):
    socket = await connect(alice)
    await socket.send(**frame, ref="w")
    error = await socket.frame()
    assert error["type"] == "error" and error["code"] == "bad_frame" and error["ref"] == "w"
    assert await message_count() == 0


@override_settings(REALTIME_MAX_BAD_FRAMES=3)
async def test_wrong_types_count_toward_the_abuse_close(memory_layer, connect, alice):
    socket = await connect(alice)
    for frame in WRONG_TYPES[:3]:
        await socket.send(**frame)
        assert (await socket.frame())["code"] == "bad_frame"
    await socket.send(**WRONG_TYPES[3])
    closing = await socket.communicator.receive_output(timeout=TIMEOUT)
    assert closing == {"type": "websocket.close", "code": CLOSE_ABUSE}


@pytest.mark.parametrize(
    "body", ["", "  \n ", "\u200b\u200b", "x" * 4001], ids=["empty", "blank", "invisible", "long"]
)
async def test_invalid_body_gets_an_error_and_saves_nothing(
    memory_layer, connect, direct, alice, bob, body
):
    socket = await connect(alice)
    bob_socket = await connect(bob)
    await socket.send(type="send", conversation=direct.pk, body=body, client_id="i-1", ref=1)
    error = await socket.frame()
    assert error["type"] == "error" and error["code"] == "invalid" and error["ref"] == 1
    assert "body" in error["fields"]
    assert await message_count() == 0
    assert await bob_socket.fence() == []
    await socket.send(type="ping")
    assert (await socket.frame())["type"] == "pong"


@override_settings(CHAT_RATE_LIMIT_MESSAGES=2, CHAT_RATE_LIMIT_SECONDS=10)
async def test_too_many_messages_get_rate_limited(memory_layer, connect, direct, alice, bob):
    socket = await connect(alice)
    for n in range(3):
        await socket.send(
            type="send", conversation=direct.pk, body=f"N{n}", client_id=f"q-{n}", ref=n
        )
    frames = await socket.until("error")
    error = frames[-1]
    assert error["code"] == "rate_limited" and error["ref"] == 2
    assert [f["ref"] for f in frames if f["type"] == "ack"] == [0, 1]
    assert await message_count() == 2


async def test_blocked_person_cannot_write_over_the_socket(
    memory_layer, connect, direct, alice, bob
):
    await sync_to_async(Block.objects.create)(blocker=bob, blocked=alice)
    socket = await connect(alice)
    await socket.send(type="send", conversation=direct.pk, body="Hallo", client_id="x")
    assert (await socket.frame())["code"] == "forbidden"
    assert await message_count() == 0


# --- typing -----------------------------------------------------------------------------


async def test_typing_reaches_the_others_but_not_the_typist_and_is_throttled(
    memory_layer, connect, direct, group, alice, bob, fake_clock
):
    alice_socket = await connect(alice)
    bob_socket = await connect(bob)

    await alice_socket.send(type="typing", conversation=direct.pk)
    assert await bob_socket.frame() == {
        "type": "chat.typing",
        "conversation": direct.pk,
        "user": {"id": alice.pk, "name": alice.public_name},
    }
    # At once again: dropped. Another conversation is not held back by it.
    await alice_socket.send(type="typing", conversation=direct.pk)
    await alice_socket.send(type="typing", conversation=group.pk)
    typing = await bob_socket.frame()
    assert typing["conversation"] == group.pk
    assert await bob_socket.fence() == []
    assert await alice_socket.fence() == []

    fake_clock.now += consumers.TYPING_INTERVAL + 0.1
    await alice_socket.send(type="typing", conversation=direct.pk)
    assert (await bob_socket.frame())["conversation"] == direct.pk


# --- feed and post notices --------------------------------------------------------------


@pytest.fixture
def map_of_villages(home):
    """Alice's home, a neighbour within her 5 km and a village beyond them."""
    neighbour = MunicipalityFactory(name="Nachbarort", latitude=48.82, longitude=10.62)
    far = MunicipalityFactory(name="Weitweg", latitude=48.80, longitude=10.80)
    return {
        "home": UserFactory(home_municipality=home),
        "neighbour": UserFactory(home_municipality=neighbour),
        "far": UserFactory(home_municipality=far),
    }


@sync_to_async
def new_post(author, scope=Post.Scope.NEARBY) -> Post:
    return post_services.post_create(
        author=author, kind=Post.Kind.CHAT, body="Wer hat Lust auf Kaffee?", scope=scope
    )


async def test_feed_watcher_gets_new_posts_it_may_read_only(
    any_layer, connect, alice, map_of_villages
):
    socket = await connect(alice)
    await socket.send(type="watch_feed")
    assert await socket.frame() == {"type": "watching", "feed": True}

    await new_post(map_of_villages["neighbour"], scope=Post.Scope.VILLAGE)
    await new_post(map_of_villages["far"])
    from_home = await new_post(map_of_villages["home"], scope=Post.Scope.VILLAGE)
    assert await socket.frame() == {"type": "feed.new_post", "post": from_home.pk, "kind": "chat"}

    from_neighbour = await new_post(map_of_villages["neighbour"])
    frame = await socket.frame()
    assert frame["post"] == from_neighbour.pk
    assert await socket.fence() == []


async def test_post_watcher_is_refused_a_post_it_may_not_read(
    memory_layer, connect, alice, map_of_villages
):
    hidden = await new_post(map_of_villages["neighbour"], scope=Post.Scope.VILLAGE)
    socket = await connect(alice)
    for post_id in (hidden.pk, hidden.pk + 1000):
        await socket.send(type="watch_post", post=post_id, ref=post_id)
        error = await socket.frame()
        assert error["code"] == "not_found" and error["ref"] == post_id
    await sync_to_async(post_services.comment_create)(
        author=map_of_villages["neighbour"], post=hidden, body="Ich komme!"
    )
    assert await socket.fence() == []


async def test_post_watcher_gets_comments_and_the_deletion(
    any_layer, connect, alice, map_of_villages
):
    author = map_of_villages["neighbour"]
    post = await new_post(author)
    socket = await connect(alice)
    await socket.send(type="watch_post", post=post.pk)
    assert await socket.frame() == {"type": "watching", "post": post.pk}

    comment = await sync_to_async(post_services.comment_create)(
        author=map_of_villages["home"], post=post, body="Ich bringe Kuchen mit."
    )
    assert await socket.frame() == {"type": "post.comment", "comment": comment.pk, "post": post.pk}
    await sync_to_async(post_services.comment_delete)(actor=author, comment=comment)
    assert await socket.frame() == {
        "type": "post.comment_deleted",
        "comment": comment.pk,
        "post": post.pk,
    }
    post_id = post.pk
    await sync_to_async(post_services.post_delete)(actor=author, post=post)
    assert await socket.frame() == {"type": "post.deleted", "post": post_id}


# --- presence ---------------------------------------------------------------------------


async def test_presence_counts_every_open_socket(memory_layer, connect, alice):
    is_present = sync_to_async(presence.is_present)
    assert await is_present(alice.pk) is False

    phone = await connect(alice)
    assert await is_present(alice.pk) is True
    laptop = await connect(alice)
    await phone.close()
    assert await is_present(alice.pk) is True
    await laptop.close()
    assert await is_present(alice.pk) is False
    assert await sync_to_async(presence.present_among)([alice.pk]) == set()


async def test_garbage_never_breaks_the_socket(memory_layer, connect, alice):
    socket = await connect(alice)
    await socket.communicator.send_to(text_data=json.dumps({"type": "send"}))
    assert (await socket.frame())["code"] == "bad_frame"
    await socket.send(type="ping", ref="p")
    assert await socket.frame() == {"type": "pong", "ref": "p"}


# --- gaps in the live stream --------------------------------------------------------------


async def test_a_lost_frame_is_fetched_before_the_next_one(
    memory_layer, connect, direct, alice, bob, monkeypatch
):
    bob_socket = await connect(bob)
    first = await send_message(alice, direct, "Eins")
    assert (await bob_socket.frame())["cursor"] == first.seq

    # The publication of the second message is lost (Redis was away a moment).
    publish = chat_services.publish_to_groups
    monkeypatch.setattr(chat_services, "publish_to_groups", lambda pairs: None)
    lost = await send_message(alice, direct, "Zwei")
    monkeypatch.setattr(chat_services, "publish_to_groups", publish)
    third = await send_message(alice, direct, "Drei")

    frames = [await bob_socket.frame(), await bob_socket.frame()]
    assert [f["message"]["body"] for f in frames] == ["Zwei", "Drei"]
    assert [f["cursor"] for f in frames] == [lost.seq, third.seq]
    assert await bob_socket.fence() == []


async def test_a_change_already_sent_in_a_resync_is_not_sent_again(
    memory_layer, connect, direct, alice, bob, monkeypatch
):
    bob_socket = await connect(bob)
    # Alice's message commits, but its live frame is held back until after Bob's resync.
    held = []
    publish = chat_services.publish_to_groups
    monkeypatch.setattr(chat_services, "publish_to_groups", held.extend)
    message = await send_message(alice, direct, "Verspätet")
    monkeypatch.setattr(chat_services, "publish_to_groups", publish)

    await bob_socket.send(type="resync", cursor=bob_socket.hello["cursor"])
    frames = await bob_socket.until("sync")
    assert [f["cursor"] for f in chat_frames(frames)] == [message.seq]
    await sync_to_async(publish)(held)

    assert await bob_socket.fence() == []
