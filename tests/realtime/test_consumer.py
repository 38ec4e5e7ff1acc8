"""The live socket: who may connect, what a bad frame gets, and that published events
reach the right person only."""

import json

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from rest_framework.authtoken.models import Token

from apps.core.events import send_event_now
from apps.realtime.consumers import CLOSE_ABUSE, CLOSE_UNAUTHENTICATED
from dorffunk.asgi import application
from tests.factories import UserFactory

pytestmark = [pytest.mark.django_db(transaction=True)]

ORIGIN = (b"origin", b"http://127.0.0.1:8000")


async def _connect(*, token: str | None = None, headers=None, path: str = "/ws/"):
    all_headers = [ORIGIN, *(headers or [])]
    if token:
        all_headers.append((b"authorization", f"Token {token}".encode()))
    communicator = WebsocketCommunicator(application, path, headers=all_headers)
    connected, _ = await communicator.connect()
    return communicator, connected


async def _token_for_new_user():
    user = await sync_to_async(UserFactory)()
    token = await sync_to_async(Token.objects.create)(user=user)
    return user, token.key


async def test_anonymous_socket_is_closed_with_unauthenticated_code():
    communicator, connected = await _connect()
    assert connected
    message = await communicator.receive_output(timeout=3)
    assert message == {"type": "websocket.close", "code": CLOSE_UNAUTHENTICATED}


async def test_unknown_token_is_treated_as_anonymous():
    communicator, _ = await _connect(token="not-a-real-token")
    message = await communicator.receive_output(timeout=3)
    assert message["code"] == CLOSE_UNAUTHENTICATED


async def test_foreign_origin_is_refused():
    communicator = WebsocketCommunicator(
        application, "/ws/", headers=[(b"origin", b"https://evil.example")]
    )
    connected, _ = await communicator.connect()
    assert not connected


async def test_token_user_gets_hello_and_pong():
    user, key = await _token_for_new_user()
    communicator, connected = await _connect(token=key)
    assert connected
    hello = await communicator.receive_json_from(timeout=3)
    assert hello == {"type": "hello", "protocol": 2, "user": user.pk, "cursor": 0}
    await communicator.send_json_to({"type": "ping", "ref": 7})
    assert await communicator.receive_json_from(timeout=3) == {"type": "pong", "ref": 7}
    await communicator.disconnect()


async def test_session_cookie_authenticates_the_socket(client):
    user = await sync_to_async(UserFactory)()
    await sync_to_async(client.force_login)(user)
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
    communicator, connected = await _connect(headers=[(b"cookie", cookie.encode())])
    assert connected
    hello = await communicator.receive_json_from(timeout=3)
    assert hello["user"] == user.pk
    await communicator.disconnect()


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("{not json", "bad_json"),
        ("[1, 2]", "bad_frame"),
        ('{"no_type": 1}', "bad_frame"),
        ('{"type": 5}', "bad_frame"),
        ('{"type": "launch_rockets"}', "unknown_type"),
        (json.dumps({"type": "ping", "pad": "x" * 20_000}), "too_large"),
    ],
)
async def test_bad_frames_get_an_error_frame_and_the_socket_stays_open(raw, code):
    _, key = await _token_for_new_user()
    communicator, _ = await _connect(token=key)
    await communicator.receive_json_from(timeout=3)
    await communicator.send_to(text_data=raw)
    error = await communicator.receive_json_from(timeout=3)
    assert error["type"] == "error"
    assert error["code"] == code
    await communicator.send_json_to({"type": "ping"})
    assert (await communicator.receive_json_from(timeout=3))["type"] == "pong"
    await communicator.disconnect()


async def test_a_flood_of_bad_frames_closes_the_socket():
    _, key = await _token_for_new_user()
    communicator, _ = await _connect(token=key)
    await communicator.receive_json_from(timeout=3)
    for _ in range(settings.REALTIME_MAX_BAD_FRAMES + 1):
        await communicator.send_to(text_data="nope")
    while True:
        message = await communicator.receive_output(timeout=3)
        if message["type"] == "websocket.close":
            break
    assert message["code"] == CLOSE_ABUSE


async def test_published_event_reaches_only_its_recipient():
    alice, alice_key = await _token_for_new_user()
    _, bob_key = await _token_for_new_user()
    alice_socket, _ = await _connect(token=alice_key)
    bob_socket, _ = await _connect(token=bob_key)
    await alice_socket.receive_json_from(timeout=3)
    await bob_socket.receive_json_from(timeout=3)

    await sync_to_async(send_event_now)([alice.pk], {"type": "test.event", "n": 1})

    assert await alice_socket.receive_json_from(timeout=3) == {"type": "test.event", "n": 1}
    assert await bob_socket.receive_nothing(timeout=0.3)
    await alice_socket.disconnect()
    await bob_socket.disconnect()


# --- notice-board sockets -------------------------------------------------------------------


async def test_a_notice_board_listens_without_login_and_may_only_ping():
    from apps.core.events import publish_to_groups
    from apps.realtime.consumers import board_group
    from tests.factories import MunicipalityFactory

    village = await sync_to_async(MunicipalityFactory)(slug="lindenbach")
    communicator, connected = await _connect(path="/ws/?board=lindenbach")
    assert connected
    try:
        assert await communicator.receive_json_from(timeout=5) == {
            "type": "hello",
            "protocol": 2,
            "board": "lindenbach",
        }
        frame = {"type": "event.frame", "frame": {"type": "board.changed"}}
        await sync_to_async(publish_to_groups)([(board_group(village.pk), frame)])
        assert await communicator.receive_json_from(timeout=5) == {"type": "board.changed"}

        await communicator.send_json_to({"type": "resync", "cursor": 0})
        refused = await communicator.receive_json_from(timeout=5)
        assert refused["type"] == "error" and refused["code"] == "unknown_type"
        await communicator.send_json_to({"type": "ping", "ref": 1})
        assert await communicator.receive_json_from(timeout=5) == {"type": "pong", "ref": 1}
    finally:
        await communicator.disconnect()


@pytest.mark.parametrize("query", ["board=nirgendwo", "board=", "board=" + "x" * 200])
async def test_a_notice_board_of_no_municipality_is_closed_like_anonymous(query):
    communicator, connected = await _connect(path=f"/ws/?{query}")
    assert connected
    try:
        closed = await communicator.receive_output(timeout=5)
        assert closed == {"type": "websocket.close", "code": CLOSE_UNAUTHENTICATED}
    finally:
        await communicator.disconnect()


@pytest.mark.redis
async def test_open_sockets_do_not_each_keep_a_redis_connection(redis_url):
    """Every socket counts itself present in the cache. The sockets share the process's
    cache client, so Redis connections do not grow with the sockets left open."""
    import redis

    server = redis.Redis.from_url(redis_url)
    people = [await _token_for_new_user() for _ in range(13)]
    sockets = []

    async def open_socket(key):
        communicator, connected = await _connect(token=key)
        assert connected
        assert (await communicator.receive_json_from(timeout=3))["type"] == "hello"
        sockets.append(communicator)

    for _, key in people[:3]:
        await open_socket(key)
    before = len(server.client_list())
    for _, key in people[3:]:
        await open_socket(key)
    assert len(server.client_list()) - before < 3
    for communicator in sockets:
        await communicator.disconnect()
    server.close()
