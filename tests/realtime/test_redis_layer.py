"""The channel layer on real Redis: the choice of the pub/sub layer and its settings are
proven by behaviour, including an idle socket outliving redis-py's 5 s read timeout (the
idle test fails with channels_redis.core.RedisChannelLayer on redis-py 8's defaults)."""

import uuid

import pytest
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from channels_redis.pubsub import RedisPubSubChannelLayer
from django.conf import settings
from django.test import override_settings
from rest_framework.authtoken.models import Token

from apps.core.events import send_event_now, user_group
from dorffunk.asgi import application
from tests.factories import UserFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.redis]

ORIGIN = (b"origin", b"http://127.0.0.1:8000")
# redis-py 8 gives sockets a 5 s read timeout by default; an idle subscriber must survive it.
REDIS_PY_DEFAULT_SOCKET_TIMEOUT = 5


@pytest.fixture
def redis_layer(redis_url):
    """The production layer settings, with a prefix of this test's own."""
    config = {
        "default": {
            **settings.CHANNEL_LAYERS["default"],
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {
                "hosts": [{"address": redis_url, "socket_timeout": None}],
                "prefix": f"test-{uuid.uuid4().hex[:12]}",
            },
        }
    }
    if settings.REDIS_URL:
        # What settings.py builds from REDIS_URL is what this test runs on.
        assert settings.CHANNEL_LAYERS["default"]["BACKEND"] == config["default"]["BACKEND"]
        assert settings.CHANNEL_LAYERS["default"]["CONFIG"]["hosts"][0]["socket_timeout"] is None
    with override_settings(CHANNEL_LAYERS=config):
        yield get_channel_layer()


async def _socket_for_new_user():
    user = await sync_to_async(UserFactory)()
    token = await sync_to_async(Token.objects.create)(user=user)
    communicator = WebsocketCommunicator(
        application, "/ws/", headers=[ORIGIN, (b"authorization", f"Token {token.key}".encode())]
    )
    connected, _ = await communicator.connect()
    assert connected
    assert (await communicator.receive_json_from(timeout=5))["type"] == "hello"
    return user, communicator


async def test_event_published_by_another_process_reaches_the_socket(redis_layer):
    assert isinstance(redis_layer, RedisPubSubChannelLayer)
    user, socket = await _socket_for_new_user()
    # A second layer instance stands for another ASGI or Celery process.
    other_process = RedisPubSubChannelLayer(**settings.CHANNEL_LAYERS["default"]["CONFIG"])
    try:
        await other_process.group_send(
            user_group(user.pk), {"type": "event.frame", "frame": {"type": "test.event"}}
        )
        assert await socket.receive_json_from(timeout=5) == {"type": "test.event"}
    finally:
        await other_process.flush()
        await socket.disconnect()


async def test_idle_socket_outlives_the_redis_client_read_timeout(redis_layer):
    user, socket = await _socket_for_new_user()
    try:
        # Nothing may arrive, and above all the consumer must not crash, while the
        # subscription sits idle for longer than redis-py's default read timeout.
        assert await socket.receive_nothing(timeout=REDIS_PY_DEFAULT_SOCKET_TIMEOUT + 1.5)
        await sync_to_async(send_event_now)([user.pk], {"type": "after.idle"})
        assert await socket.receive_json_from(timeout=5) == {"type": "after.idle"}
    finally:
        await socket.disconnect()


async def test_events_for_one_user_do_not_leak_to_another(redis_layer):
    alice, alice_socket = await _socket_for_new_user()
    _, bob_socket = await _socket_for_new_user()
    try:
        await sync_to_async(send_event_now)([alice.pk], {"type": "for.alice"})
        assert await alice_socket.receive_json_from(timeout=5) == {"type": "for.alice"}
        assert await bob_socket.receive_nothing(timeout=0.5)
    finally:
        await alice_socket.disconnect()
        await bob_socket.disconnect()
