"""Redis goes down in the middle of a conversation and comes back: messages sent meanwhile
are committed (their live frames are lost, and the loss is logged), and each participant
who resyncs from its last cursor ends up with every message exactly once, in order.

The test starts a redis-server of its own, so it can stop it without touching anybody
else's Redis; it runs wherever the redis-server binary is installed."""

import logging
import select
import shutil
import socket
import subprocess
import time
import uuid

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import override_settings
from rest_framework.authtoken.models import Token

from apps.chat import services as chat_services
from apps.chat.models import Message
from apps.core.events import send_event_now
from dorffunk.asgi import application
from tests.conftest import skip_or_fail
from tests.factories import MunicipalityFactory, UserFactory

pytestmark = [pytest.mark.django_db(transaction=True)]

ORIGIN = (b"origin", b"http://127.0.0.1:8000")
TIMEOUT = 15
BEFORE, DURING, AFTER = 3, 4, 2


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class RedisServer:
    """A throwaway redis-server on 127.0.0.1, without persistence."""

    def __init__(self, binary: str, port: int):
        self.binary = binary
        self.port = port
        self.url = f"redis://127.0.0.1:{port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                self.binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        self._wait_until_ready()

    def _wait_until_ready(self) -> None:
        """Reads the server's log until it says it accepts connections."""
        deadline = time.monotonic() + TIMEOUT
        log = b""
        while b"Ready to accept connections" not in log:
            left = deadline - time.monotonic()
            if left <= 0 or self.process.poll() is not None:
                self.stop()
                raise AssertionError(f"redis-server did not start: {log.decode()[-500:]}")
            readable, _, _ = select.select([self.process.stdout], [], [], left)
            if readable:
                chunk = self.process.stdout.read1(4096)
                if not chunk:
                    continue
                log += chunk

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=TIMEOUT)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=TIMEOUT)
        if self.process is not None:
            self.process.stdout.close()
        self.process = None


@pytest.fixture
def own_redis():
    binary = shutil.which("redis-server")
    if binary is None:
        skip_or_fail("the redis-server binary is not installed")
    server = RedisServer(binary, _free_port())
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def layer_on_own_redis(own_redis):
    config = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {
                "hosts": [{"address": own_redis.url, "socket_timeout": None}],
                "prefix": f"fault-{uuid.uuid4().hex[:12]}",
            },
        }
    }
    with override_settings(CHANNEL_LAYERS=config, CHAT_RATE_LIMIT_MESSAGES=1000):
        yield


class Participant:
    """A client as the browser runs it: it keeps the cursor of the last change it applied,
    and resyncs from it when it (re)connects."""

    def __init__(self, user):
        self.user = user
        self.socket: WebsocketCommunicator | None = None
        self.cursor = 0
        self.applied: list[tuple[int, int]] = []  # (cursor, message id)
        self.seen_cursors: list[int] = []
        self.acks: list[dict] = []
        self.reconnects = 0

    async def connect(self) -> None:
        token, _ = await sync_to_async(Token.objects.get_or_create)(user=self.user)
        self.socket = WebsocketCommunicator(
            application, "/ws/", headers=[ORIGIN, (b"authorization", f"Token {token.key}".encode())]
        )
        connected, _ = await self.socket.connect(timeout=TIMEOUT)
        assert connected
        hello = await self.socket.receive_json_from(timeout=TIMEOUT)
        assert hello["type"] == "hello"
        if not self.cursor:
            # A client without a cursor of its own starts from the newest change.
            self.cursor = hello.get("cursor", 0)

    @property
    def dropped(self) -> bool:
        return self.socket is None or self.socket.future.done()

    def apply(self, frame: dict) -> None:
        if frame["type"] == "ack":
            self.acks.append(frame)
        elif frame["type"].startswith("chat.message"):
            self.seen_cursors.append(frame["cursor"])
            if frame["cursor"] > self.cursor:
                self.cursor = frame["cursor"]
                self.applied.append((frame["cursor"], frame["message"]["id"]))

    async def next_frame(self) -> dict:
        frame = await self.socket.receive_json_from(timeout=TIMEOUT)
        self.apply(frame)
        return frame

    async def receive_until(self, done, limit: int = 100) -> dict:
        """Applies frames up to the first one that `done` accepts, and returns that one."""
        for _ in range(limit):
            frame = await self.next_frame()
            if done(frame):
                return frame
        raise AssertionError(f"condition not met within {limit} frames")

    async def receive_change(self, cursor: int) -> None:
        if self.cursor < cursor:
            await self.receive_until(
                lambda f: f["type"].startswith("chat.message") and f["cursor"] >= cursor
            )

    async def resync(self) -> None:
        """Reconnects if the socket was dropped, then catches up batch by batch."""
        if self.dropped:
            self.reconnects += 1
            await self.connect()
        for _ in range(20):
            await self.socket.send_json_to({"type": "resync", "cursor": self.cursor})
            sync = await self.receive_until(lambda f: f["type"] == "sync")
            assert sync["cursor"] == self.cursor
            if not sync["more"]:
                return
        raise AssertionError("resync did not end")

    async def wait_until_live(self) -> None:
        """Until a frame published now reaches the socket: the layer has resubscribed after
        Redis came back. Each probe is waited for at most a second."""
        for attempt in range(TIMEOUT):
            probe = {"type": "probe", "id": attempt}
            await sync_to_async(send_event_now)([self.user.pk], probe)
            # receive_nothing waits without cancelling the consumer, unlike a receive timeout.
            for _ in range(10):
                if await self.socket.receive_nothing(timeout=1):
                    break
                if await self.next_frame() == probe:
                    return
        raise AssertionError("the socket never became live again")

    async def close(self) -> None:
        if self.socket is not None and not self.socket.future.done():
            await self.socket.disconnect()


async def _send_over_socket(sender: Participant, conversation_id: int, body: str) -> dict:
    """Sends and waits for the ack: an ack means the message is committed."""
    client_id = uuid.uuid4().hex
    await sender.socket.send_json_to(
        {"type": "send", "conversation": conversation_id, "body": body, "client_id": client_id}
    )
    ack = await sender.receive_until(lambda f: f["type"] in ("ack", "error"))
    assert ack["type"] == "ack" and ack["client_id"] == client_id, ack
    assert ack["created"] is True
    return ack


async def test_messages_survive_a_redis_outage_and_arrive_once_in_order(
    layer_on_own_redis, own_redis, caplog
):
    home = await sync_to_async(MunicipalityFactory)()
    alice_user = await sync_to_async(UserFactory)(home_municipality=home)
    bob_user = await sync_to_async(UserFactory)(home_municipality=home)
    conversation = await sync_to_async(chat_services.conversation_start_direct)(
        user=alice_user, other_id=bob_user.pk
    )
    alice, bob = Participant(alice_user), Participant(bob_user)
    people = (alice, bob)
    try:
        for person in people:
            await person.connect()

        # Redis up: sent, committed and delivered live.
        for n in range(BEFORE):
            ack = await _send_over_socket(alice, conversation.pk, f"Vorher {n}")
            for person in people:
                await person.receive_change(ack["cursor"])
        assert [len(person.applied) for person in people] == [BEFORE, BEFORE]
        cursors_before = {person.user.pk: person.cursor for person in people}

        # Redis down: sending still commits; publishing fails and says so in the log.
        own_redis.stop()
        caplog.clear()
        with caplog.at_level(logging.ERROR, logger="apps.core.events"):
            for n in range(DURING):
                await _send_over_socket(alice, conversation.pk, f"Während {n}")
        failures = [r for r in caplog.records if r.name == "apps.core.events"]
        assert len(failures) >= DURING
        assert all("could not publish" in r.getMessage() for r in failures)
        committed = await sync_to_async(Message.objects.count)()
        assert committed == BEFORE + DURING
        # Nobody has applied anything sent while Redis was down.
        assert {person.user.pk: person.cursor for person in people} == cursors_before

        # Redis back on the same port (empty: it kept nothing): each client catches up.
        own_redis.start()
        for person in people:
            await person.resync()
        # Live again: later messages arrive without a resync.
        for person in people:
            if not person.dropped:
                await person.wait_until_live()
            else:
                await person.resync()
        for n in range(AFTER):
            ack = await _send_over_socket(alice, conversation.pk, f"Nachher {n}")
            for person in people:
                await person.receive_change(ack["cursor"])

        expected = await sync_to_async(
            lambda: list(
                Message.objects.filter(conversation=conversation)
                .order_by("seq")
                .values_list("seq", "id")
            )
        )()
        assert len(expected) == BEFORE + DURING + AFTER
        for person in people:
            assert person.applied == expected, f"participant {person.user.pk}"
            # Exactly once: no change was delivered twice, live or in a resync.
            assert len(person.seen_cursors) == len(set(person.seen_cursors))
    finally:
        for person in people:
            await person.close()


async def test_socket_that_outlives_the_outage_does_not_skip_lost_messages(
    layer_on_own_redis, own_redis
):
    """The Redis layer resubscribes by itself when Redis returns, so the socket stays open
    and the client gets no sign of the frame lost meanwhile. The next frame says which change
    came before it; the socket sees the gap and sends the missing change from the database
    first, so the client's cursor never moves past it."""
    home = await sync_to_async(MunicipalityFactory)()
    alice_user = await sync_to_async(UserFactory)(home_municipality=home)
    bob_user = await sync_to_async(UserFactory)(home_municipality=home)
    conversation = await sync_to_async(chat_services.conversation_start_direct)(
        user=alice_user, other_id=bob_user.pk
    )
    alice, bob = Participant(alice_user), Participant(bob_user)
    try:
        await alice.connect()
        await bob.connect()
        ack = await _send_over_socket(alice, conversation.pk, "Vorher")
        await bob.receive_change(ack["cursor"])

        own_redis.stop()
        await _send_over_socket(alice, conversation.pk, "Während")
        own_redis.start()
        await bob.wait_until_live()
        await alice.wait_until_live()
        ack = await _send_over_socket(alice, conversation.pk, "Nachher")
        await bob.receive_change(ack["cursor"])

        # Whatever the server does about it (fill the gap, or tell the client to resync),
        # a client that follows the protocol must end up with all three.
        if bob.dropped:
            await bob.resync()
        expected = await sync_to_async(
            lambda: list(Message.objects.order_by("seq").values_list("seq", "id"))
        )()
        assert bob.applied == expected
    finally:
        await alice.close()
        await bob.close()
